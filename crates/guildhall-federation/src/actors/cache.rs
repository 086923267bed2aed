//! Remote actors that signed inbound activities lately.

use super::StoredActor;
use crate::{FedData, FedError};
use url::Url;

/// Remote actors that signed inbound activities lately, so a busy sender
/// costs no database read per activity. An entry is kept for
/// [`ActorCache::TTL`]; a refetch (after a failed signature) replaces it.
/// Whether a stored actor is due for a refresh is still decided by
/// activitypub_federation when the entry has expired.
#[derive(Default)]
pub struct ActorCache {
    actors: std::sync::Mutex<std::collections::HashMap<Url, (std::time::Instant, StoredActor)>>,
    /// When each actor was last refetched after a failed signature.
    refetched: std::sync::Mutex<std::collections::HashMap<Url, std::time::Instant>>,
}

impl ActorCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(60);
    /// The least time between two refetches of one actor: a rotated key is
    /// picked up by the first, and forged signatures cannot make us fetch
    /// (and write) on every request.
    pub const REFETCH_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
    const MAX: usize = 10_000;

    /// The actor at `id`, from the cache or else as [`StoredActor::dereference`] finds it.
    pub async fn get(&self, id: &Url, data: &FedData) -> Result<StoredActor, FedError> {
        if let Some((at, actor)) = self.lock().get(id)
            && at.elapsed() < Self::TTL
        {
            return Ok(actor.clone());
        }
        let actor = StoredActor::dereference(id, data).await?;
        self.keep(id, &actor);
        Ok(actor)
    }

    /// Fetches the actor again, as after a failed signature; within
    /// [`Self::REFETCH_EVERY`] of the last time, the actor as we have it.
    pub async fn refetch(&self, id: &Url, data: &FedData) -> Result<StoredActor, FedError> {
        if !self.may_refetch(id) {
            return self.get(id, data).await;
        }
        self.lock().remove(id);
        let actor = StoredActor::refetch(id, data).await?;
        self.keep(id, &actor);
        Ok(actor)
    }

    fn may_refetch(&self, id: &Url) -> bool {
        let mut refetched = self.refetched.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if refetched
            .get(id)
            .is_some_and(|at| now.duration_since(*at) < Self::REFETCH_EVERY)
        {
            return false;
        }
        if refetched.len() >= Self::MAX {
            refetched.retain(|_, at| now.duration_since(*at) < Self::REFETCH_EVERY);
            if refetched.len() >= Self::MAX {
                refetched.clear();
            }
        }
        refetched.insert(id.clone(), now);
        true
    }

    fn keep(&self, id: &Url, actor: &StoredActor) {
        let mut actors = self.lock();
        if actors.len() >= Self::MAX {
            actors.retain(|_, (at, _)| at.elapsed() < Self::TTL);
            if actors.len() >= Self::MAX {
                actors.clear();
            }
        }
        actors.insert(id.clone(), (std::time::Instant::now(), actor.clone()));
    }

    #[allow(clippy::type_complexity)]
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<Url, (std::time::Instant, StoredActor)>>
    {
        self.actors.lock().unwrap_or_else(|e| e.into_inner())
    }
}
