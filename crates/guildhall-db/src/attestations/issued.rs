//! Attestations we issue for our members, with where each was delivered,
//! so a revocation reaches every instance that holds one.

use crate::error::Result;
use crate::federation::events::{self, EventKind, EventObject};
use crate::{Store, now_ms};
use guildhall_core::ids::UserId;
use sqlx::FromRow;

/// One attestation we issued.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct IssuedAttestation {
    pub id: i64,
    pub user_id: UserId,
    /// What it states that makes a re-issue due when it changes.
    pub fingerprint: String,
    /// The signed document, verbatim.
    pub document: String,
    pub valid_until: i64,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_why: Option<String>,
}

const ISSUED: &str =
    "id, user_id, fingerprint, document, valid_until, issued_at, revoked_at, revoked_why";

impl Store {
    /// A member's newest attestation, revoked or not.
    pub async fn current_attestation(&self, user_id: UserId) -> Result<Option<IssuedAttestation>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ISSUED} FROM attestations WHERE user_id = $1 ORDER BY id DESC LIMIT 1"
        )))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// One attestation by its id.
    pub async fn attestation(&self, id: i64) -> Result<Option<IssuedAttestation>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ISSUED} FROM attestations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Stores a new attestation for `user_id`. `sign` gets the new row's id
    /// (the document's id is built from it) and returns the signed
    /// document; if it fails, nothing is stored.
    pub async fn issue_attestation<E>(
        &self,
        user_id: UserId,
        fingerprint: &str,
        valid_until: i64,
        sign: impl FnOnce(i64) -> std::result::Result<String, E>,
    ) -> Result<std::result::Result<IssuedAttestation, E>> {
        let mut tx = self.writer.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attestations (user_id, fingerprint, document, valid_until, issued_at) \
             VALUES ($1, $2, '', $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(fingerprint)
        .bind(valid_until)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let document = match sign(id) {
            Ok(document) => document,
            Err(e) => return Ok(Err(e)), // dropped: rolled back
        };
        let issued: IssuedAttestation = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE attestations SET document = $1 WHERE id = $2 RETURNING {ISSUED}"
        )))
        .bind(document)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(issued))
    }

    /// Revokes a member's attestations (a ban, or an admin's withdrawal) and
    /// queues the revocation to every instance that holds one. Returns how
    /// many were revoked.
    pub async fn revoke_attestations(&self, user_id: UserId, why: &str) -> Result<u64> {
        let mut tx = self.writer.begin().await?;
        let revoked = revoke(&mut tx, user_id, why).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// Records that attestation `id` goes to `domain` (at `inbox`); false if
    /// it went there before.
    pub async fn attestation_delivered(&self, id: i64, domain: &str, inbox: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO attestation_deliveries (attestation_id, domain, inbox, delivered_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(domain)
        .bind(inbox)
        .bind(now_ms())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Where a member's attestations revoked at `revoked_at` (one
    /// revocation; all revoked ones when `None`) went: (attestation id, inbox).
    pub async fn revoked_attestation_holders(
        &self,
        user_id: UserId,
        revoked_at: Option<i64>,
    ) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT d.attestation_id, d.inbox FROM attestation_deliveries d \
             JOIN attestations a ON a.id = d.attestation_id \
             WHERE a.user_id = $1 AND a.revoked_at IS NOT NULL \
               AND ($2 IS NULL OR a.revoked_at = $2) ORDER BY d.attestation_id, d.inbox",
        )
        .bind(user_id)
        .bind(revoked_at)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every instance a member's attestations were offered to: (domain, inbox).
    pub async fn attestation_holders(&self, user_id: UserId) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT d.domain, d.inbox FROM attestation_deliveries d \
             JOIN attestations a ON a.id = d.attestation_id \
             WHERE a.user_id = $1 ORDER BY d.domain, d.inbox",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Queues a renewal ([`EventKind::Renew`]) for each member whose
    /// standing attestation some instance holds, unless one is pending.
    /// Returns how many were queued.
    pub async fn queue_attestation_renewals(&self) -> Result<u64> {
        let mut tx = self.writer.begin().await?;
        let members: Vec<UserId> = sqlx::query_scalar(
            "SELECT DISTINCT a.user_id FROM attestations a \
             JOIN attestation_deliveries d ON d.attestation_id = a.id \
             WHERE a.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM federation_events e \
               WHERE e.kind = 'renew' AND e.object_type = 'user' AND e.object_id = a.user_id) \
             ORDER BY a.user_id",
        )
        .fetch_all(&mut *tx)
        .await?;
        for &member in &members {
            events::record(
                &mut tx,
                EventKind::Renew,
                EventObject::User(member),
                None,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(members.len() as u64)
    }
}

/// Revokes inside `tx`, queueing the revocation for delivery when any was
/// revoked.
pub(crate) async fn revoke(
    conn: &mut sqlx::AnyConnection,
    user_id: UserId,
    why: &str,
) -> Result<u64> {
    let now = now_ms();
    let revoked = sqlx::query(
        "UPDATE attestations SET revoked_at = $1, revoked_why = $2 \
         WHERE user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(why)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if revoked > 0 {
        // The time names this revocation's attestations, so that only
        // they are announced (not those an earlier revocation announced).
        events::record(
            conn,
            EventKind::Revoke,
            EventObject::User(user_id),
            None,
            Some(&now.to_string()),
        )
        .await?;
    }
    Ok(revoked)
}
