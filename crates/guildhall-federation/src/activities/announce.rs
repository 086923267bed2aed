//! Announce from a remote group we follow (FEP-1b12): the group relays an
//! activity of one of its members, or (for Mastodon-style boosts of a group)
//! the bare Page. The inner activity is applied as if its actor had sent it,
//! limited to the announcing group's own content.

use super::{Handler, Inbound};
use crate::FedError;
use crate::actors::StoredActor;
use crate::policy::check_domain;
use crate::protocol::inbound::Announce;
use crate::protocol::shapes::value_type;

#[async_trait::async_trait]
impl Handler for Announce {
    /// What the group may announce is checked on the inner activity, which
    /// is verified as if its actor had sent it (in `receive`).
    async fn verify(&self, _: &Inbound<'_>) -> Result<(), FedError> {
        Ok(())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        receive(self, inbound).await
    }
}

async fn receive(announce: &Announce, inbound: &Inbound<'_>) -> Result<(), FedError> {
    let StoredActor::Group(group, _) = inbound.actor else {
        // A boost by a person: not a thing a community server shows.
        return Ok(());
    };
    let ctx = inbound.data;
    if !ctx.store.has_local_members(group.id).await? {
        return Ok(()); // nobody here follows it
    }
    let object = &announce.object;
    let inner = announce.announced(inbound.actor.ap_id())?;
    // A group relays its members' posts, edits, deletions and votes, and
    // its moderators' actions; it cannot follow, unfollow or accept on
    // anyone's behalf.
    let undoes = matches!(
        value_type(&inner.object),
        Some("Like" | "Dislike" | "Delete" | "Lock" | "Block")
    );
    match inner.kind.as_str() {
        "Create" | "Update" | "Delete" | "Like" | "Dislike" => {}
        "Lock" | "Add" | "Remove" | "Block" => {}
        "Undo" if undoes => {}
        other => {
            return Err(FedError::Unprocessable(format!(
                "a group does not announce {other:?} activities"
            )));
        }
    }
    // The same origin rules as for a direct delivery: the inner activity's
    // id is on its actor's domain, and that domain is not refused here.
    let inner_domain =
        guildhall_core::instances::domain_of(inner.actor.as_str()).unwrap_or_default();
    if guildhall_core::instances::domain_of(inner.id.as_str()).as_deref()
        != Some(inner_domain.as_str())
    {
        return Err(FedError::Forbidden(
            "the announced activity's id is not on its actor's domain".into(),
        ));
    }
    check_domain(ctx, &inner_domain).await?;
    let actor = StoredActor::dereference(&inner.actor, ctx).await?;
    let raw = serde_json::to_string(object)?;
    let nested = Inbound {
        activity: &inner,
        raw: &raw,
        actor: &actor,
        via_group: Some(group),
        data: ctx,
    };
    super::apply_once(&nested).await
}
