//! Guildhall's HTTP side: the JSON API under `/api/v1` (with its OpenAPI
//! document), the server-rendered pages, auth, health and metrics.
//!
//! Handlers stay thin: they parse input, call a use case of `guildhall_app`
//! (which applies the rules from `guildhall_core` and talks to the store)
//! and shape the output. Reads that only show stored data may use the
//! store directly.

pub mod api;
pub mod auth;
pub mod client;
pub mod error;
mod health;
pub mod metrics;
pub mod pages;
pub mod settings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use guildhall_app::App;
use guildhall_db::Store;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use settings::WebSettings;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The use cases' state: store, their settings, limits.
    pub app: App,
    /// The same store as `app`'s, for reads that only show stored data.
    pub store: Store,
    pub settings: Arc<WebSettings>,
    pub metrics: Arc<metrics::Metrics>,
    pub templates: Arc<pages::Templates>,
    /// Federation, when the instance federates.
    pub federation: Option<guildhall_federation::Federation>,
}

impl AppState {
    pub fn new(app: App, settings: WebSettings) -> Self {
        AppState {
            store: app.store.clone(),
            app,
            settings: Arc::new(settings),
            metrics: Arc::new(metrics::Metrics::default()),
            templates: Arc::new(pages::Templates::new()),
            federation: None,
        }
    }

    /// Federates: its routes are served, and the use cases reach the
    /// network through it.
    pub fn with_federation(mut self, federation: guildhall_federation::Federation) -> Self {
        self.app = self.app.with_network(Arc::new(federation.clone()));
        self.federation = Some(federation);
        self
    }

    /// `open`, `allowlist`, or `off` when the instance does not federate.
    pub fn federation_mode(&self) -> &'static str {
        use guildhall_federation::FederationMode;
        match self.federation.as_ref().map(|f| f.context().settings.mode) {
            Some(FederationMode::Open) => "open",
            Some(FederationMode::Allowlist) => "allowlist",
            None => "off",
        }
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.max_body_bytes;
    let federation = state.federation.clone();
    let mut app = Router::new()
        .merge(api::router())
        .merge(pages::router(state.clone()))
        .merge(health::router());
    if let Some(federation) = &federation {
        app = app.merge(guildhall_federation::routes::router(federation.clone()));
    }
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client::layer,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state.clone());
    let headers = axum::middleware::from_fn_with_state(state, security_headers);
    match federation {
        // Negotiation runs before routing (as the fallback of an empty
        // router), so the ActivityStreams routes see a fresh request.
        Some(federation) => Router::new()
            .fallback_service(app)
            .layer(axum::middleware::from_fn_with_state(
                federation,
                guildhall_federation::routes::negotiate,
            ))
            .layer(headers),
        None => app.layer(headers),
    }
}

/// Headers every response carries, JSON and ActivityPub included: no MIME
/// sniffing (a JSON body holding HTML must not be run as a page) and, on an
/// https instance, HSTS so browsers never fall back to plain http.
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if state.settings.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}
