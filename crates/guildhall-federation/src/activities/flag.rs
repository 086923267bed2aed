//! Flag: a report for our moderators. Mastodon sends one from its instance
//! actor, naming the reported account and some of its statuses, with the
//! reporter's note in `content`; Lemmy sends one from the member, naming one
//! post, with the reason in `summary`, addressed to the group. Each named
//! post of one of our groups is flagged for that group's moderators, by the
//! sending actor; accounts and anything else named are passed over.

use super::posts::{Post, PostKind};
use super::{Handler, Inbound};
use crate::FedError;
use crate::protocol::inbound::Flag;
use guildhall_core::RuleError;
use guildhall_core::reputation::ledger::Object;
use guildhall_db::StoreError;
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
    let reporter = inbound.user()?;
    let ctx = inbound.data;
    let reason = reason(inbound.raw, &inbound.actor.domain());
    let mut flagged = 0;
    for url in &flag.objects {
        let Some(post) = Post::find(ctx, url).await? else {
            continue; // the account, or something we do not hold
        };
        // Only our own groups' moderators can act on a report.
        if post.group.origin.is_remote() || post.deleted {
            continue;
        }
        let object = match post.kind {
            PostKind::Thread(id) => Object::Thread(id),
            PostKind::Reply(id) => Object::Reply(id),
        };
        match ctx
            .store
            .flag_from_remote(reporter.id, object, &reason)
            .await
        {
            Ok(_) => flagged += 1,
            // Deleted meanwhile: nothing to review.
            Err(StoreError::Rule(RuleError::Conflict(_))) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if flagged == 0 {
        return Err(FedError::Unprocessable(
            "the report names no post of a group here".into(),
        ));
    }
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
