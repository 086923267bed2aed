//! The instance's attestation keys (Ed25519, multibase): one signs, the
//! rotated ones stay listed as expired.

use crate::error::{Result, StoreError};
use crate::{Store, now_ms};
use sqlx::FromRow;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AttestationKey {
    pub id: i64,
    pub public_multibase: String,
    pub private_multibase: String,
    pub created_at: i64,
    pub expired_at: Option<i64>,
}

/// A new key pair as (public, private) multibase.
pub type NewKey = (String, String);

impl Store {
    /// Every attestation key, the signing one first, then newest first.
    pub async fn attestation_keys(&self) -> Result<Vec<AttestationKey>> {
        Ok(sqlx::query_as::<_, AttestationKey>(
            "SELECT id, public_multibase, private_multibase, created_at, expired_at \
             FROM attestation_keys ORDER BY expired_at IS NOT NULL, id DESC",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The key that signs, made by `make` the first time.
    pub async fn signing_attestation_key(
        &self,
        make: impl FnOnce() -> NewKey,
    ) -> Result<AttestationKey> {
        if let Some(key) = self
            .attestation_keys()
            .await?
            .into_iter()
            .find(|k| k.expired_at.is_none())
        {
            return Ok(key);
        }
        let mut tx = self.writer.begin().await?;
        // Under the writer's lock: another process may have made one since.
        let made: Option<AttestationKey> = sqlx::query_as(
            "SELECT id, public_multibase, private_multibase, created_at, expired_at \
             FROM attestation_keys WHERE expired_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let key = match made {
            Some(key) => key,
            None => insert(&mut tx, make()).await?,
        };
        tx.commit().await?;
        Ok(key)
    }

    /// Rotates: the signing key expires now and a new one (from `make`)
    /// signs from here on. Returns (the new key, the expired one).
    pub async fn rotate_attestation_key(
        &self,
        make: impl FnOnce() -> NewKey,
    ) -> Result<(AttestationKey, Option<AttestationKey>)> {
        let mut tx = self.writer.begin().await?;
        let old: Option<AttestationKey> = sqlx::query_as(
            "UPDATE attestation_keys SET expired_at = $1 WHERE expired_at IS NULL \
             RETURNING id, public_multibase, private_multibase, created_at, expired_at",
        )
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        let new = insert(&mut tx, make()).await?;
        tx.commit().await?;
        Ok((new, old))
    }
}

async fn insert(
    conn: &mut sqlx::AnyConnection,
    (public, private): NewKey,
) -> Result<AttestationKey> {
    sqlx::query_as(
        "INSERT INTO attestation_keys (public_multibase, private_multibase, created_at) VALUES ($1, $2, $3) \
         RETURNING id, public_multibase, private_multibase, created_at, expired_at",
    )
    .bind(public)
    .bind(private)
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("attestation key"))
}
