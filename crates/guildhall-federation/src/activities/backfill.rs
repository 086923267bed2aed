//! Filling a newly followed group from its outbox, and a remote thread from
//! its `replies` or `context` collection: each post is applied as its
//! author's Create, vouched for by the group.

use super::Inbound;
use crate::actors::StoredActor;
use crate::fetch;
use crate::protocol::inbound::Incoming;
use crate::protocol::shapes::{value_id, value_type};
use crate::{FedData, FedError};
use guildhall_core::ids::{GroupId, ThreadId};
use guildhall_db::{ActorKey, FedGroup};
use serde_json::Value;
use url::Url;

/// On first follow: the group's latest threads from its outbox.
pub async fn group(data: &FedData, group_id: GroupId) -> Result<usize, FedError> {
    let group = data
        .store
        .fed_group(ActorKey::Id(group_id.get()))
        .await?
        .ok_or(FedError::NotFound("group"))?;
    let (Some(outbox), Some(ap_id)) = (group.outbox_url.clone(), group.ap_id.clone()) else {
        return Ok(0);
    };
    let outbox =
        Url::parse(&outbox).map_err(|_| FedError::Unprocessable("bad outbox URL".into()))?;
    let actor = StoredActor::Group(
        group.clone(),
        Url::parse(&ap_id).map_err(|_| FedError::Internal("bad group id".into()))?,
    );
    let items = collection_items(data, &outbox).await?;
    let mut stored = 0;
    for item in items.into_iter().take(data.settings.backfill_threads) {
        // Announce(Create(Page)) from Lemmy and Guildhall, Create(Page) or a bare Page elsewhere.
        let mut object = item;
        while matches!(value_type(&object), Some("Announce" | "Create")) {
            object = object.get("object").cloned().unwrap_or_default();
        }
        if apply_post(data, &actor, &group, object).await.is_ok() {
            stored += 1;
        }
    }
    Ok(stored)
}

/// Opening a remote thread: fetch the replies we lack from its `replies` or
/// `context` collection.
pub async fn thread(data: &FedData, thread_id: ThreadId) -> Result<usize, FedError> {
    let Some(ap_id) = data
        .store
        .ap_id_of(guildhall_db::PostTable::Threads, thread_id.get())
        .await?
    else {
        return Ok(0);
    };
    let thread = data
        .store
        .thread(thread_id, None)
        .await?
        .ok_or(FedError::NotFound("thread"))?;
    let group = data
        .store
        .fed_group(ActorKey::Id(thread.group_id.get()))
        .await?
        .ok_or(FedError::NotFound("group"))?;
    let url = Url::parse(&ap_id).map_err(|_| FedError::Internal("bad thread id".into()))?;
    let page: Value = fetch::object(&url, data).await?;
    let Some(collection) = page
        .get("replies")
        .or(page.get("context"))
        .and_then(value_id)
    else {
        return Ok(0);
    };
    let group_actor = match &group.ap_id {
        Some(id) => StoredActor::Group(
            group.clone(),
            Url::parse(id).map_err(|_| FedError::Internal("bad group id".into()))?,
        ),
        None => return Ok(0),
    };
    let mut notes = collection_items(data, &collection).await?;
    // Parents before children; retry the ones whose parent came later.
    let mut stored = 0;
    for _ in 0..3 {
        let mut left = Vec::new();
        for note in notes {
            match apply_post(data, &group_actor, &group, note.clone()).await {
                Ok(()) => stored += 1,
                Err(_) => left.push(note),
            }
        }
        if left.is_empty() {
            break;
        }
        notes = left;
    }
    Ok(stored)
}

/// Stores one post that `group` vouches for, as its author's Create.
async fn apply_post(
    data: &FedData,
    group_actor: &StoredActor,
    group: &FedGroup,
    object: Value,
) -> Result<(), FedError> {
    let object = match object {
        Value::String(s) => {
            let url = Url::parse(&s).map_err(|_| FedError::Unprocessable("bad item".into()))?;
            fetch::object::<Value>(&url, data).await?
        }
        o => o,
    };
    let author = object
        .get("attributedTo")
        .and_then(value_id)
        .ok_or_else(|| FedError::Unprocessable("a post without author".into()))?;
    let id =
        value_id(&object).ok_or_else(|| FedError::Unprocessable("a post without id".into()))?;
    let actor = StoredActor::dereference(&author, data).await?;
    let activity = Incoming::create(id, author, object, group_actor.ap_id());
    let raw = String::new();
    super::apply(&Inbound {
        activity: &activity,
        raw: &raw,
        actor: &actor,
        via_group: Some(group),
        data,
    })
    .await
}

/// The items of a (possibly paged) collection: `orderedItems`/`items`, or those of its `first` page.
pub(crate) async fn collection_items(data: &FedData, url: &Url) -> Result<Vec<Value>, FedError> {
    let collection: Value = fetch::object(url, data).await?;
    let items = |c: &Value| {
        c.get("orderedItems")
            .or(c.get("items"))
            .and_then(Value::as_array)
            .cloned()
    };
    if let Some(items) = items(&collection) {
        return Ok(items);
    }
    match collection.get("first") {
        Some(first @ Value::Object(_)) if items(first).is_some() => {
            Ok(items(first).unwrap_or_default())
        }
        Some(first) => {
            let Some(first) = value_id(first) else {
                return Ok(vec![]);
            };
            let page: Value = fetch::object(&first, data).await?;
            Ok(items(&page).unwrap_or_default())
        }
        None => Ok(vec![]),
    }
}
