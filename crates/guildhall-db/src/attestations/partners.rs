//! The partner-trust policy: what each partner's attestations count for
//! here.

use crate::error::Result;
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

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

impl Store {
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
