//! Partners' attestations of their members, kept once verified.

use crate::error::Result;
use crate::{Partner, Store, now_ms};
use guildhall_core::ids::UserId;
use sqlx::FromRow;

/// A partner's attestation of one of its members, verified on receipt.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ImportedAttestation {
    /// The remote member (a user row of ours).
    pub user_id: UserId,
    /// The document's `id`.
    pub ap_id: String,
    /// The issuer's instance actor.
    pub issuer: String,
    /// The issuer's domain, which the partner policy is keyed by.
    pub domain: String,
    pub key_id: String,
    pub document: String,
    pub points: i64,
    pub rank_title: String,
    pub trust_level: i64,
    pub valid_until: i64,
    pub verified_at: i64,
    pub revoked_at: Option<i64>,
}

const IMPORTED: &str = "user_id, ap_id, issuer, domain, key_id, document, points, rank_title, \
     trust_level, valid_until, verified_at, revoked_at";

impl Store {
    /// Keeps a verified partner attestation as the member's current one,
    /// unless a newer one (by validUntil) is already kept.
    pub async fn import_attestation(&self, a: &ImportedAttestation) -> Result<bool> {
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO imported_attestations ({IMPORTED}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL) \
             ON CONFLICT (user_id) DO UPDATE SET ap_id = excluded.ap_id, issuer = excluded.issuer, \
               domain = excluded.domain, key_id = excluded.key_id, document = excluded.document, \
               points = excluded.points, rank_title = excluded.rank_title, \
               trust_level = excluded.trust_level, valid_until = excluded.valid_until, \
               verified_at = excluded.verified_at, revoked_at = NULL \
             WHERE imported_attestations.valid_until <= excluded.valid_until \
               AND imported_attestations.ap_id <> excluded.ap_id"
        )))
        .bind(a.user_id)
        .bind(&a.ap_id)
        .bind(&a.issuer)
        .bind(&a.domain)
        .bind(&a.key_id)
        .bind(&a.document)
        .bind(a.points)
        .bind(&a.rank_title)
        .bind(a.trust_level)
        .bind(a.valid_until)
        .bind(a.verified_at)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The attestation a remote member holds here, if any.
    pub async fn imported_attestation(
        &self,
        user_id: UserId,
    ) -> Result<Option<ImportedAttestation>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {IMPORTED} FROM imported_attestations WHERE user_id = $1"
        )))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A remote member's attestation with its issuer's partner policy.
    pub async fn held_attestation(
        &self,
        user_id: UserId,
    ) -> Result<Option<(ImportedAttestation, Option<Partner>)>> {
        let Some(held) = self.imported_attestation(user_id).await? else {
            return Ok(None);
        };
        let partner = self.partner(&held.domain).await?;
        Ok(Some((held, partner)))
    }

    /// Marks the attestation `ap_id` that `issuer` issued revoked; a
    /// revoked one is never honoured again. False if we hold no such one.
    pub async fn revoke_imported_attestation(&self, ap_id: &str, issuer: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE imported_attestations SET revoked_at = $1 \
             WHERE ap_id = $2 AND issuer = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(ap_id)
        .bind(issuer)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether we hold the attestation `ap_id` of `domain` as revoked.
    pub async fn revoked_imported(&self, ap_id: &str, domain: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM imported_attestations \
             WHERE ap_id = $1 AND domain = $2 AND revoked_at IS NOT NULL",
        )
        .bind(ap_id)
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }
}
