//! Reputation attestations in the store: the ones we issue for our members
//! (with where we delivered them, so a revocation reaches every holder), the
//! ones partners issued for theirs, and the partner-trust policy that says
//! what those count for here. Signing and verifying are the federation's.

use crate::error::Result;
use crate::federation::events::{self, EventKind, EventObject};
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

/// One attestation we issued.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct IssuedAttestation {
    pub id: i64,
    pub user_id: i64,
    /// What it states that makes a re-issue due when it changes.
    pub fingerprint: String,
    /// The signed document, verbatim.
    pub document: String,
    pub valid_until: i64,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_why: Option<String>,
}

/// A partner's attestation of one of its members, verified on receipt.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ImportedAttestation {
    /// The remote member (a user row of ours).
    pub user_id: i64,
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

/// How far this instance trusts one partner's attestations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub domain: String,
    /// The weight of its members' votes here, in percent (0–100).
    pub trust_percent: i64,
    /// The highest trust level its attestations grant here (0–4).
    pub max_trust_level: i64,
    /// Whether its attested reputation is shown on profiles.
    pub show_imported: bool,
}

impl FromRow<'_, AnyRow> for Partner {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Partner {
            domain: row.try_get("domain")?,
            trust_percent: row.try_get("trust_percent")?,
            max_trust_level: row.try_get("max_trust_level")?,
            // A 0/1 flag, as everywhere in this schema.
            show_imported: row.try_get::<i64, _>("show_imported")? != 0,
        })
    }
}

const ISSUED: &str =
    "id, user_id, fingerprint, document, valid_until, issued_at, revoked_at, revoked_why";
const IMPORTED: &str = "user_id, ap_id, issuer, domain, key_id, document, points, rank_title, \
     trust_level, valid_until, verified_at, revoked_at";

impl Store {
    /// A member's newest attestation, revoked or not.
    pub async fn current_attestation(&self, user_id: i64) -> Result<Option<IssuedAttestation>> {
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
        user_id: i64,
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
    pub async fn revoke_attestations(&self, user_id: i64, why: &str) -> Result<u64> {
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
        user_id: i64,
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
    pub async fn attestation_holders(&self, user_id: i64) -> Result<Vec<(String, String)>> {
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
        let members: Vec<i64> = sqlx::query_scalar(
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
    pub async fn imported_attestation(&self, user_id: i64) -> Result<Option<ImportedAttestation>> {
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
        user_id: i64,
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

    /// Every partner's policy, by domain.
    pub async fn partners(&self) -> Result<Vec<Partner>> {
        Ok(sqlx::query_as(
            "SELECT domain, trust_percent, max_trust_level, show_imported \
             FROM partners ORDER BY domain",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// One partner's policy; None when the instance is not trusted.
    pub async fn partner(&self, domain: &str) -> Result<Option<Partner>> {
        Ok(sqlx::query_as(
            "SELECT domain, trust_percent, max_trust_level, show_imported \
             FROM partners WHERE domain = $1",
        )
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Sets a partner's policy (weight 0–100 %, trust level cap 0–4).
    pub async fn set_partner(&self, p: &Partner) -> Result<()> {
        if !(0..=100).contains(&p.trust_percent) {
            return Err(RuleError::invalid("trust_weight", "a trust weight is from 0 to 1").into());
        }
        if !(0..=4).contains(&p.max_trust_level) {
            return Err(
                RuleError::invalid("max_trust_level", "trust levels are TL0 to TL4").into(),
            );
        }
        if p.domain.is_empty() || p.domain.contains(['/', ' ', '@']) {
            return Err(
                RuleError::invalid("domain", "expected a host name, e.g. brand-a.example").into(),
            );
        }
        sqlx::query(
            "INSERT INTO partners (domain, trust_percent, max_trust_level, show_imported, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain) DO UPDATE SET \
             trust_percent = excluded.trust_percent, max_trust_level = excluded.max_trust_level, \
             show_imported = excluded.show_imported, updated_at = excluded.updated_at",
        )
        .bind(&p.domain)
        .bind(p.trust_percent)
        .bind(p.max_trust_level)
        .bind(i64::from(p.show_imported))
        .bind(now_ms())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Stops trusting a partner; false if it was not one.
    pub async fn remove_partner(&self, domain: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM partners WHERE domain = $1")
            .bind(domain)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Revokes inside `tx`, queueing the revocation for delivery when any was
/// revoked.
pub(crate) async fn revoke(conn: &mut sqlx::AnyConnection, user_id: i64, why: &str) -> Result<u64> {
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
