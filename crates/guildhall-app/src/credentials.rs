//! Passwords and session tokens.
//!
//! Sessions are random 256-bit tokens of which the store keeps only the
//! SHA-256, so a leaked database does not leak live sessions. Password
//! hashes go through a [`HashGate`]: how many run at once is a rule of the
//! sign-in and registration use cases, not of the transport.

use crate::Error;
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Bounds the password hashes running at once. Each Argon2id hash holds
/// `m_cost` (19 MiB with the defaults) for its whole run, so unbounded
/// concurrent logins are unbounded memory before anyone is signed in: 150 at
/// once took the process to 3.9 GB. At most `concurrency` hashes run; up to
/// `queue` more wait for a turn; anything beyond is refused at once with 503
/// and `Retry-After` rather than queued without end.
pub struct HashGate {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

/// What a refused hash tells the client: try again in a second.
const BUSY_RETRY_SECS: u64 = 1;

impl HashGate {
    /// `concurrency` 0 means one per CPU core.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let concurrency = if concurrency == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            concurrency
        };
        HashGate {
            running: Arc::new(Semaphore::new(concurrency)),
            admitted: Arc::new(Semaphore::new(concurrency + queue)),
        }
    }

    /// Runs `f` on the blocking pool once a slot is free. The permits move
    /// into the blocking task: a client that hangs up mid-hash drops its
    /// request, but the hash runs on, and must keep counting until it ends.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Error::Busy {
                detail: "too many sign-ins are being checked right now; try again in a moment"
                    .into(),
                retry_after: BUSY_RETRY_SECS,
            })?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            f()
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))
    }

    /// Takes every slot, as if that many hashes were running, until the
    /// returned guard is dropped. For tests that need the gate full.
    pub async fn hold(&self) -> tokio::sync::OwnedSemaphorePermit {
        let n = self.admitted.available_permits() as u32;
        self.admitted
            .clone()
            .acquire_many_owned(n)
            .await
            .expect("the gate is never closed")
    }
}

/// Argon2id with the crate's defaults (OWASP's recommended parameters).
/// Runs on the blocking pool: hashing takes tens of milliseconds by design.
pub async fn hash_password(gate: &HashGate, password: String) -> Result<String, Error> {
    gate.run(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await?
    .map_err(|e| Error::Internal(e.to_string()))
}

/// Checks a password against a stored hash. With no hash (unknown user) it
/// checks against a dummy one, so the answer takes as long either way and
/// does not reveal which usernames exist.
pub async fn verify_password(
    gate: &HashGate,
    password: String,
    stored: Option<String>,
) -> Result<bool, Error> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let known = stored.is_some();
    let ok = gate
        .run(move || {
            let hash = match stored {
                Some(h) => h,
                None => DUMMY
                    .get_or_init(|| {
                        let salt = SaltString::generate(&mut OsRng);
                        Argon2::default()
                            .hash_password(b"not a password", &salt)
                            .map(|h| h.to_string())
                            .unwrap_or_default()
                    })
                    .clone(),
            };
            PasswordHash::new(&hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await?;
    Ok(ok && known)
}

/// A fresh random token and the hash to store for it.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_with_the_right_hash() {
        let g = HashGate::new(0, 0);
        let hash = hash_password(&g, "correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password(&g, "correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password(&g, "wrong horse".into(), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !verify_password(&g, "not a password".into(), None)
                .await
                .unwrap()
        );
    }

    /// A full gate refuses at once (503 with Retry-After); waiting callers
    /// within the queue get their turn; a dropped caller's hash keeps its
    /// slot until the hash ends.
    #[tokio::test]
    async fn the_gate_bounds_running_and_waiting_hashes() {
        let g = Arc::new(HashGate::new(1, 1));
        let held = g.hold().await;
        let e = hash_password(&g, "pw".into()).await.unwrap_err();
        assert!(matches!(e, Error::Busy { retry_after: 1, .. }), "{e:?}");
        drop(held);

        // One runs (slowly), one waits, the third is refused.
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let g1 = g.clone();
        let first = tokio::spawn(async move {
            g1.run(move || {
                started_tx.send(()).unwrap();
                go_rx.recv().unwrap();
            })
            .await
        });
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        let g2 = g.clone();
        let second = tokio::spawn(async move { g2.run(|| 2).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(matches!(g.run(|| 3).await, Err(Error::Busy { .. })));
        // The first caller goes away; its hash still counts until it ends.
        first.abort();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!second.is_finished(), "the slot is still taken");
        go_tx.send(()).unwrap();
        assert_eq!(second.await.unwrap().unwrap(), 2);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(ha, token_hash(&a));
        assert_eq!(ha.len(), 64);
    }
}
