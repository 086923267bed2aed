//! What the application layer asks of the network ([`guildhall_app::Network`]),
//! answered by federation: fetching a remote group or thread, issuing an
//! attestation.

use crate::{FedError, Federation, attestations, resolve};
use guildhall_app::Error;
use guildhall_core::ids::{ThreadId, UserId};
use guildhall_db::ActorKey;

#[async_trait::async_trait]
impl guildhall_app::Network for Federation {
    async fn refresh_thread(&self, thread_id: ThreadId) {
        resolve::refresh_thread(&self.data(), thread_id).await;
    }

    async fn lookup_group(&self, query: &str) -> guildhall_app::Result<String> {
        Ok(resolve::lookup_group(&self.data(), query).await?.name)
    }

    async fn lookup_user(&self, query: &str) -> guildhall_app::Result<String> {
        Ok(resolve::lookup_user(&self.data(), query).await?.username)
    }

    async fn restore_attestation(&self, member_id: UserId) -> guildhall_app::Result<()> {
        let ctx = self.context();
        let member = ctx
            .store
            .fed_user(ActorKey::Id(member_id.get()))
            .await?
            .ok_or_else(|| Error::not_found("user"))?;
        attestations::restore(ctx, &member)
            .await
            .map_err(|e| Error::Invalid(format!("no attestation issued: {e}")))?;
        Ok(())
    }
}

/// A failure on the network as the use case reports it: what the remote
/// side got wrong, or what we could not fetch.
impl From<FedError> for Error {
    fn from(e: FedError) -> Self {
        use axum::http::StatusCode as S;
        let text = e.to_string();
        match e.status() {
            S::BAD_REQUEST => Error::BadRequest(text),
            S::UNAUTHORIZED | S::FORBIDDEN => Error::Forbidden(text),
            S::NOT_FOUND | S::GONE => Error::NotFound(text),
            S::UNPROCESSABLE_ENTITY => Error::Invalid(text),
            S::PAYLOAD_TOO_LARGE => Error::TooLarge(text),
            // A remote server we could not reach or understand.
            _ if matches!(e, FedError::Remote(_)) => {
                Error::NotFound(format!("could not fetch it: {text}"))
            }
            _ => Error::Internal(text),
        }
    }
}
