//! Finding remote groups (`!name@host`, `@name@host` or a URL), and
//! fetching a remote thread's replies when it is opened
//! ([`crate::activities::backfill`] stores them).

use crate::actors::StoredActor;
use crate::protocol::actors::ActorJson;
use crate::{Context, FedData, FedError};
use crate::{activities, fetch};
use activitypub_federation::traits::{Actor, Object};
use chrono::{DateTime, Utc};
use guildhall_core::ids::ThreadId;
use guildhall_db::FedGroup;
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
            crate::remote_moderators::sync_logged(data, &g).await;
            Ok(g)
        }
        StoredActor::User(..) => Err(FedError::NotFound("group")),
    }
}

/// Looks up a remote person (`@name@host`, `name@host` or a URL) and
/// stores them.
pub async fn lookup_user(data: &FedData, query: &str) -> Result<guildhall_db::FedUser, FedError> {
    let query = query.trim();
    let found = if query.starts_with("http://") || query.starts_with("https://") {
        let url = Url::parse(query).map_err(|_| FedError::BadRequest("not a URL".into()))?;
        fetch::dereference::<StoredActor>(&url, data, false).await?
    } else {
        let name = query.trim_start_matches('@');
        if !name.contains('@') {
            return Err(FedError::BadRequest("expected @name@host or a URL".into()));
        }
        fetch::webfinger::<StoredActor>(name, data).await?
    };
    match found {
        StoredActor::User(user, _) => Ok(user),
        StoredActor::Group(..) => Err(FedError::NotFound("user")),
    }
}

/// How often one remote thread's replies are fetched at most.
const REFRESH_EVERY: Duration = Duration::from_secs(5 * 60);
/// How long opening a thread waits for the fetch before showing what it has
/// (the fetch goes on in the background).
const REFRESH_WAIT: Duration = Duration::from_secs(3);

/// Thread id → when its replies were last fetched.
pub type Refreshes = Mutex<HashMap<ThreadId, Instant>>;

/// Opening a thread: when it lives on another instance and was not fetched
/// in the last few minutes, fetch the replies we lack, waiting a moment for
/// them. Failures are logged, never shown: the thread is still readable.
pub async fn refresh_thread(data: &FedData, thread_id: ThreadId) {
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
        match activities::backfill::thread(&data_owned, thread_id).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                thread_id = thread_id.get(),
                replies = n,
                "fetched missing replies"
            ),
            Err(e) => {
                tracing::debug!(thread_id = thread_id.get(), error = %e, "could not fetch the thread's replies")
            }
        }
    });
    let _ = tokio::time::timeout(REFRESH_WAIT, fetch).await;
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
