//! A remote group's moderators, as its server lists them: the collection
//! its actor names as `attributedTo` (Lemmy, Mbin) or `moderators`
//! (Guildhall says both). Our copy keeps those whose accounts are known
//! here, so that a member of ours who moderates a group elsewhere can
//! moderate it from here (`guildhall_app::moderation`), and pages show who
//! moderates it. Read when the group is looked up and when it announces a
//! change to the list (`Add`/`Remove` to its moderators).

use crate::activities::backfill::collection_items;
use crate::protocol::shapes::{reference, value_id};
use crate::urls::Local;
use crate::{FedData, FedError, fetch};
use guildhall_core::instances::domain_of;
use guildhall_db::{ActorKey, FedGroup};
use serde_json::Value;
use url::Url;

/// The most moderators read from a list.
const MAX: usize = 100;

/// Reads the group's moderators from its server and keeps them.
pub async fn sync(data: &FedData, group: &FedGroup) -> Result<(), FedError> {
    let Some(ap_id) = group.ap_id.as_deref().and_then(|a| Url::parse(a).ok()) else {
        return Ok(());
    };
    let actor: Value = fetch::object(&ap_id, data).await?;
    let Some(list) = value_id(&actor["attributedTo"]).or_else(|| value_id(&actor["moderators"]))
    else {
        return Ok(());
    };
    // The group's own server says who moderates it.
    if domain_of(list.as_str()) != domain_of(ap_id.as_str()) {
        return Err(FedError::Forbidden(
            "the group's moderators are listed on another server".into(),
        ));
    }
    let mut users = Vec::new();
    for item in collection_items(data, &list).await?.iter().take(MAX) {
        let Some(url) = reference(item) else { continue };
        let known = match data.urls.parse(&url) {
            Some(Local::User(name)) => data.store.fed_user(ActorKey::Name(&name)).await?,
            Some(_) => None,
            None => data.store.fed_user(ActorKey::ApId(url.as_str())).await?,
        };
        if let Some(user) = known.filter(|u| !users.contains(&u.id)) {
            users.push(user.id);
        }
    }
    data.store.sync_moderators(group.id, &users).await?;
    tracing::debug!(group = %group.name, moderators = users.len(), "remote group's moderators read");
    Ok(())
}

/// [`sync`], with a failure logged rather than returned: the group works
/// without its moderators' list.
pub async fn sync_logged(data: &FedData, group: &FedGroup) {
    if let Err(e) = sync(data, group).await {
        tracing::info!(group = %group.name, error = %e, "could not read a remote group's moderators");
    }
}
