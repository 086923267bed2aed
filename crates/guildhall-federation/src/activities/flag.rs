//! Flag: a report for our moderators. Mastodon sends one from its instance
//! actor, naming the reported account and some of its statuses, with the
//! reporter's note in `content`; Lemmy sends one from the member, naming one
//! post, with the reason in `summary`, addressed to the group. Each named
//! post of one of our groups is flagged for that group's moderators, by the
//! sending actor; accounts and anything else named are passed over.

use super::posts::find_post;
use super::{Handler, Inbound};
use crate::FedError;
use crate::protocol::inbound::Flag;
use guildhall_app::moderation;
use serde_json::Value;

/// Flags keep reasons of up to 500 characters.
const MAX_REASON: usize = 500;

#[async_trait::async_trait]
impl Handler for Flag {
    /// Reporters are people, or a server's instance actor (stored as one).
    async fn verify(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        inbound.user().map(|_| ())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        receive(self, inbound).await
    }
}

async fn receive(flag: &Flag, inbound: &Inbound<'_>) -> Result<(), FedError> {
    let domain = inbound.actor.domain();
    let acting = inbound.acting(&domain)?;
    let ctx = inbound.data;
    let reason = reason(inbound.raw, &domain);
    // The account, or anything else we do not hold, is passed over.
    let mut posts = Vec::new();
    for url in &flag.objects {
        posts.extend(find_post(ctx, url).await?);
    }
    let flagged = moderation::flag_remote(&ctx.app, acting, &posts, &reason).await?;
    tracing::info!(reporter = %inbound.actor.ap_id(), posts = flagged, "report received");
    Ok(())
}

/// The reporter's words: Mastodon's `content`, Lemmy's `summary`, trimmed
/// to what a flag keeps; a report without any still says where it is from.
fn reason(raw: &str, domain: &str) -> String {
    let activity: Value = serde_json::from_str(raw).unwrap_or_default();
    let said = ["content", "summary"]
        .iter()
        .filter_map(|k| activity.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .find(|s| !s.is_empty());
    match said {
        Some(text) => text.chars().take(MAX_REASON).collect(),
        None => format!("reported from {domain}, without a reason"),
    }
}
