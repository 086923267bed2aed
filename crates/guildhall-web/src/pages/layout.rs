//! What every page shares: the [`Page`] extractor (who is asking, the CSRF
//! token, the instance) with the rendering helpers, and the [`layer`] that
//! hands out CSRF cookies, renders error pages and adds security headers.

use super::csrf::{self, CSRF_COOKIE, CsrfToken};
use super::error::{Failure, PageError, PageResult};
use super::views::UserView;
use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};
use crate::error::AppError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use guildhall_app::credentials::token_hash;
use guildhall_db::User;
use minijinja::{Value, context};

/// A page request: the app, the signed-in member if any, the CSRF token to
/// put in forms, the session token (for logout) and the path (for "log in
/// and come back").
pub struct Page {
    pub state: AppState,
    pub viewer: Option<User>,
    pub csrf: String,
    pub session: Option<String>,
    pub here: String,
    /// The signed-in member's unread notifications (the bell).
    pub unread: i64,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let session = cookie(parts, SESSION_COOKIE).map(str::to_string);
        let viewer = match &session {
            Some(token) => {
                state
                    .store
                    .session_user(&token_hash(token), "cookie")
                    .await?
            }
            None => None,
        };
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_else(csrf::new_token);
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let unread = match &viewer {
            Some(user) => state.store.unread_notifications(user.id).await?,
            None => 0,
        };
        Ok(Page {
            state: state.clone(),
            viewer,
            csrf,
            session,
            here,
            unread,
        })
    }
}

impl Page {
    /// The signed-in member, or a redirect to the login page that comes back
    /// to `next`.
    pub fn user(&self, next: &str) -> Result<&User, PageError> {
        self.viewer
            .as_ref()
            .ok_or_else(|| PageError::SignIn(next.to_string()))
    }

    /// Whether the viewer may create groups (the rule lives in core).
    pub fn can_create_group(&self) -> bool {
        self.viewer
            .as_ref()
            .is_some_and(|u| guildhall_app::groups::may_create(&self.state.app, u).is_ok())
    }

    fn base(&self) -> Value {
        let s = &self.state.settings;
        let login_next = if self.here.starts_with("/login") || self.here.starts_with("/register") {
            None
        } else {
            Some(self.here.as_str())
        };
        let rules = &self.state.app.settings;
        context! {
            site => context! {
                name => s.instance_name,
                description => s.instance_description,
                logo_url => s.instance_logo_url,
                registration_open => rules.registration_open,
            },
            viewer => self.viewer.as_ref().map(UserView::from),
            unread => self.unread,
            csrf => self.csrf,
            login_next => login_next,
            can_create_group => self.can_create_group(),
            // The server's limits, so forms can say them (maxlength) before
            // the server refuses.
            limits => context! {
                title_max => rules.limits.title_max,
                body_max => rules.limits.body_max,
                bio_max => rules.limits.bio_max,
                name_max => guildhall_core::names::NAME_MAX,
                password_min => guildhall_core::names::PASSWORD_MIN,
                password_max => guildhall_core::names::PASSWORD_MAX,
                display_name_max => guildhall_core::content::DISPLAY_NAME_MAX,
                avatar_url_max => guildhall_core::content::AVATAR_URL_MAX,
                flag_reason_max => guildhall_core::content::FLAG_REASON_MAX,
            },
        }
    }

    pub fn render(&self, template: &str, ctx: Value) -> PageResult {
        self.render_status(StatusCode::OK, template, ctx)
    }

    pub fn render_status(&self, status: StatusCode, template: &str, ctx: Value) -> PageResult {
        let html = self
            .state
            .templates
            .render(template, context! { ..ctx, ..self.base() })?;
        Ok((status, Html(html)).into_response())
    }

    /// A form refused with a client error (invalid input, conflict, wrong
    /// password...) is shown again with the message and the status of the
    /// error; anything else becomes an error page.
    pub fn reshow(&self, e: impl Into<AppError>, template: &str, ctx: Value) -> PageResult {
        let e: AppError = e.into();
        if !e.status().is_client_error() {
            return Err(e.into());
        }
        e.log();
        let mut res = self.render_status(
            e.status(),
            template,
            context! { error => e.detail(), ..ctx },
        )?;
        crate::error::set_retry_after(&mut res, e.retry_after());
        Ok(res)
    }
}

/// Wraps every page route. Makes sure the browser has a CSRF token (and
/// tells the handler which), turns a [`Failure`] into the HTML error page,
/// and adds the headers pages want.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let existing = cookie(&parts, CSRF_COOKIE)
        .filter(|t| csrf::well_formed(t))
        .map(str::to_string);
    let fresh = existing.is_none();
    let presession = existing.unwrap_or_else(csrf::new_token);
    let session = cookie(&parts, SESSION_COOKIE).map(str::to_string);
    // The forms' token, bound to the session (or the pre-session cookie).
    let token = csrf::form_token(&state.settings.secret.0, session.as_deref(), &presession);
    parts.extensions.insert(CsrfToken(token.clone()));
    let here = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());

    let mut res = next.run(Request::from_parts(parts, body)).await;

    if let Some(failure) = res.extensions_mut().remove::<Failure>() {
        res = error_page(&state, failure, token.clone(), session, here).await;
    } else if res.status() == StatusCode::METHOD_NOT_ALLOWED {
        res = error_page(
            &state,
            Failure {
                status: StatusCode::METHOD_NOT_ALLOWED,
                message: "this address does not take that kind of request".into(),
                retry_after: None,
            },
            token.clone(),
            session,
            here,
        )
        .await;
    }

    let headers = res.headers_mut();
    if fresh {
        let ttl = state.app.settings.session_ttl_ms() / 1000;
        let set = csrf::set_cookie(&presession, state.settings.https, ttl);
        if let Ok(v) = HeaderValue::from_str(&set) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    let defaults: [(HeaderName, &str); 5] = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "private, no-cache"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' https: http: data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    res
}

async fn error_page(
    state: &AppState,
    failure: Failure,
    csrf: String,
    session: Option<String>,
    here: String,
) -> Response {
    // The viewer only decorates the header here: a store failure while
    // looking them up must not hide the original error.
    let viewer = match &session {
        Some(token) => state
            .store
            .session_user(&token_hash(token), "cookie")
            .await
            .ok()
            .flatten(),
        None => None,
    };
    // An error page shows no count rather than risk another failure.
    let page = Page {
        state: state.clone(),
        viewer,
        csrf,
        session,
        here,
        unread: 0,
    };
    let ctx = context! {
        status => failure.status.as_u16(),
        reason => failure.status.canonical_reason().unwrap_or("Error"),
        message => failure.message,
    };
    let retry_after = failure.retry_after;
    let mut res = match page.render_status(failure.status, "error.html", ctx) {
        Ok(res) => res,
        Err(_) => (failure.status, failure.message).into_response(),
    };
    crate::error::set_retry_after(&mut res, retry_after);
    res
}
