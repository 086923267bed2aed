//! Finding remote groups (`!name@host`, `@name@host` or a URL) and filling
//! a newly followed group, or a remote thread, from its collections.

use crate::activities::{self, Inbound, Incoming, value_id, value_type};
use crate::actors::{ActorJson, StoredActor};
use crate::fetch;
use crate::{Context, FedData, FedError};
use activitypub_federation::traits::{Actor, Object};
use chrono::{DateTime, Utc};
use guildhall_db::{ActorKey, FedGroup};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use url::Url;

/// Looks up a remote group and stores it.
pub async fn lookup_group(data: &FedData, query: &str) -> Result<FedGroup, FedError> {
    let query = query.trim();
    let found = if query.starts_with("http://") || query.starts_with("https://") {
        let url = Url::parse(query).map_err(|_| FedError::BadRequest("not a URL".into()))?;
        if data.urls.is_local(&url) {
            return Err(FedError::BadRequest(
                "that is a group on this instance".into(),
            ));
        }
        fetch::dereference::<GroupActor>(&url, data, false).await?
    } else {
        let name = query.trim_start_matches(['!', '@']);
        if !name.contains('@') {
            return Err(FedError::BadRequest(
                "expected !name@host, @name@host or a URL".into(),
            ));
        }
        fetch::webfinger::<GroupActor>(name, data).await?
    };
    match found.0 {
        StoredActor::Group(g, id) => {
            // Members join groups they looked up: knowing the software by
            // then decides whether their attestation is offered there.
            crate::nodeinfo::refresh(data, &id).await;
            Ok(g)
        }
        StoredActor::User(..) => Err(FedError::NotFound("group")),
    }
}

/// On first follow: the group's latest threads from its outbox.
pub async fn backfill_group(data: &FedData, group_id: i64) -> Result<usize, FedError> {
    let group = data
        .store
        .fed_group(ActorKey::Id(group_id))
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

/// How often one remote thread's replies are fetched at most.
const REFRESH_EVERY: Duration = Duration::from_secs(5 * 60);
/// How long opening a thread waits for the fetch before showing what it has
/// (the fetch goes on in the background).
const REFRESH_WAIT: Duration = Duration::from_secs(3);

/// Thread id → when its replies were last fetched.
pub type Refreshes = Mutex<HashMap<i64, Instant>>;

/// Opening a thread: when it lives on another instance and was not fetched
/// in the last few minutes, fetch the replies we lack, waiting a moment for
/// them. Failures are logged, never shown: the thread is still readable.
pub async fn refresh_thread(data: &FedData, thread_id: i64) {
    {
        let mut seen = data
            .thread_refreshes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if seen
            .get(&thread_id)
            .is_some_and(|t| now.duration_since(*t) < REFRESH_EVERY)
        {
            return;
        }
        if seen.len() > 10_000 {
            seen.retain(|_, t| now.duration_since(*t) < REFRESH_EVERY);
        }
        seen.insert(thread_id, now);
    }
    let data_owned = data.reset_request_count();
    let fetch = tokio::spawn(async move {
        match backfill_thread(&data_owned, thread_id).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(thread_id, replies = n, "fetched missing replies"),
            Err(e) => {
                tracing::debug!(thread_id, error = %e, "could not fetch the thread's replies")
            }
        }
    });
    let _ = tokio::time::timeout(REFRESH_WAIT, fetch).await;
}

/// Opening a remote thread: fetch the replies we lack from its `replies` or
/// `context` collection.
pub async fn backfill_thread(data: &FedData, thread_id: i64) -> Result<usize, FedError> {
    let Some(ap_id) = data
        .store
        .ap_id_of(guildhall_db::PostTable::Threads, thread_id)
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
        .fed_group(ActorKey::Id(thread.group_id))
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
    let activity = Incoming {
        id,
        kind: "Create".into(),
        actor: author,
        object,
        to: vec![],
        cc: vec![],
        audience: Some(group_actor.ap_id().clone()),
    };
    let raw = String::new();
    activities::apply(&Inbound {
        activity: &activity,
        raw: &raw,
        actor: &actor,
        via_group: Some(group),
        data,
    })
    .await
}

/// The items of a (possibly paged) collection: `orderedItems`/`items`, or those of its `first` page.
async fn collection_items(data: &FedData, url: &Url) -> Result<Vec<Value>, FedError> {
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

/// A stored actor fetched only if it is a Group: WebFinger may list a person
/// and a group under one name.
#[derive(Debug, Clone)]
pub struct GroupActor(pub StoredActor);

#[async_trait::async_trait]
impl Object for GroupActor {
    type DataType = std::sync::Arc<Context>;
    type Kind = ActorJson;
    type Error = FedError;

    fn id(&self) -> &Url {
        self.0.ap_id()
    }
    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_refreshed_at()
    }
    async fn read_from_id(id: Url, data: &FedData) -> Result<Option<Self>, FedError> {
        Ok(StoredActor::read_from_id(id, data)
            .await?
            .filter(|a| a.group().is_some())
            .map(GroupActor))
    }
    async fn into_json(self, data: &FedData) -> Result<ActorJson, FedError> {
        self.0.into_json(data).await
    }
    async fn verify(json: &ActorJson, expected: &Url, data: &FedData) -> Result<(), FedError> {
        if json.kind != "Group" {
            return Err(FedError::NotFound("group"));
        }
        StoredActor::verify(json, expected, data).await
    }
    async fn from_json(json: ActorJson, data: &FedData) -> Result<Self, FedError> {
        Ok(GroupActor(StoredActor::from_json(json, data).await?))
    }
}

impl Actor for GroupActor {
    fn public_key_pem(&self) -> &str {
        self.0.public_key_pem()
    }
    fn private_key_pem(&self) -> Option<String> {
        None
    }
    fn inbox(&self) -> Url {
        self.0.inbox()
    }
}
