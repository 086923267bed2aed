//! Guildhall's ActivityPub side.
//!
//! - Actors (`Person` per user, `Group` per group, an `Application` for the
//!   instance) are served from the same URLs as the pages, by content
//!   negotiation ([`routes`]).
//! - Inbound: [`inbox`] verifies the HTTP signature and digest itself (with
//!   http-signature-normalization, so it can refetch a rotated key and use
//!   Mastodon's date window; RFC 9421 Message Signatures with [`rfc9421`]),
//!   then hands the activity, typed by [`protocol`], to one module per
//!   activity type under [`activities`], which applies it through the use
//!   cases of guildhall-app as [`guildhall_app::Acting::Remote`].
//! - Outbound: the store records an event with every change ([`guildhall_db::Via`]);
//!   [`outbox`] turns events into activities ([`protocol::outbound`]) and deliveries, and [`delivery`]
//!   sends them per instance, with back-off, signed by [`signing`]
//!   (draft-cavage, or RFC 9421 for instances found to want it).
//!   Nothing goes through the library's in-memory queue.

pub mod activities;
pub mod actors;
mod app_network;
pub mod attestations;
pub mod audience;
pub mod bookkeeping;
pub mod content;
pub mod delivery;
pub mod error;
pub mod fetch;
pub mod inbox;
pub mod keys;
mod moderation;
pub mod net;
pub mod nodeinfo;
pub mod outbox;
pub mod policy;
pub mod posts;
pub mod products;
pub mod protocol;
mod remote_moderators;
pub mod resolve;
pub mod rfc9421;
pub mod routes;
pub mod settings;
pub mod signatures;
pub mod signed_fetch;
pub mod signing;
mod states;
pub mod urls;

use activitypub_federation::config::{Data, FederationConfig, UrlVerifier};
use guildhall_db::Store;
use std::sync::Arc;

pub use error::FedError;
pub use settings::{FederationMode, FederationSettings};
pub use urls::Urls;

/// What every federation handler and worker can reach.
pub struct Context {
    /// The use cases, which the inbox applies activities through.
    pub app: guildhall_app::App,
    pub store: Store,
    pub settings: FederationSettings,
    pub urls: Urls,
    /// The instance actor's keys, which sign fetches.
    pub instance_keys: guildhall_db::KeyPair,
    /// When each remote thread's replies were last fetched (see
    /// [`resolve::refresh_thread`]).
    pub thread_refreshes: resolve::Refreshes,
    /// The HTTP client (with the SSRF policy) that deliveries go out on.
    pub http: reqwest_middleware::ClientWithMiddleware,
    /// Parsed private keys of the actors deliveries are signed by.
    pub signing_keys: signing::KeyCache,
    /// Parsed public keys of remote actors, for inbound signatures.
    pub public_keys: signatures::PublicKeys,
    /// Remote actors that signed inbound activities lately.
    pub actors: actors::ActorCache,
    /// Receipts of applied activities and remote vote counts, written in batches.
    pub bookkeeping: bookkeeping::Bookkeeping,
    /// The admins' instance policies, read again every few seconds.
    pub policies: policy::PolicyCache,
}

/// The library's request data, carrying our [`Context`].
pub type FedData = Data<Arc<Context>>;

/// A handle on federation. Cheap to clone.
#[derive(Clone)]
pub struct Federation {
    config: FederationConfig<Arc<Context>>,
}

impl Federation {
    /// Loads (or makes) the instance actor's keys, gives every local actor
    /// made before federation a key pair ([`keys::backfill`]), and
    /// configures the library.
    pub async fn new(
        app: guildhall_app::App,
        settings: FederationSettings,
        urls: Urls,
    ) -> Result<Federation, FedError> {
        let store = app.store.clone();
        let instance_keys = store.instance_keys(keys::generate_blocking).await?;
        store
            .signing_attestation_key(keys::generate_attestation_key)
            .await?;
        keys::backfill(&store).await?;
        let http = client(&settings)?;
        let ctx = Arc::new(Context {
            app,
            store,
            settings,
            urls,
            instance_keys,
            thread_refreshes: Default::default(),
            http: http.clone(),
            signing_keys: Default::default(),
            public_keys: Default::default(),
            actors: Default::default(),
            bookkeeping: Default::default(),
            policies: Default::default(),
        });
        let instance = actors::LocalSigner::instance(&ctx)?;
        let config = FederationConfig::builder()
            .domain(ctx.urls.domain())
            .app_data(ctx.clone())
            .client(http)
            // The library's development mode lets through `localhost`, explicit
            // ports and WebFinger over http: for tests and for instances not
            // served over https (which cannot federate in production anyway).
            // Addresses are checked by our client either way ([`net`]).
            .debug(ctx.settings.allow_private_addresses || !ctx.urls.is_https())
            .allow_http_urls(ctx.settings.allow_private_addresses || !ctx.urls.is_https())
            .request_timeout(ctx.settings.request_timeout())
            .url_verifier(
                Box::new(policy::PolicyVerifier(ctx.clone())) as Box<dyn UrlVerifier + Sync>
            )
            .signed_fetch_actor(&instance)
            // Mastodon's shape: sign `(request-target) host date [digest]`
            // with a Date header, not hs2019's (created)/(expires). Mastodon
            // refuses signed GETs that leave out Host.
            .http_signature_compat(true)
            .build()
            .await
            .map_err(|e| FedError::Internal(format!("federation config: {e}")))?;
        Ok(Federation { config })
    }

    pub fn data(&self) -> FedData {
        self.config.to_request_data()
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.config
    }

    /// Writes what is kept in memory; for a clean stop.
    pub async fn flush(&self) -> Result<(), FedError> {
        Ok(self.config.bookkeeping.write(&self.config.store).await?)
    }
}

/// The HTTP client for deliveries and fetches, with the outbound address
/// rule checked where it connects ([`net`]).
fn client(
    settings: &FederationSettings,
) -> Result<reqwest_middleware::ClientWithMiddleware, FedError> {
    let rule = settings.address_rule().map_err(FedError::Internal)?;
    net::client(rule, settings.request_timeout()).map_err(FedError::Internal)
}
