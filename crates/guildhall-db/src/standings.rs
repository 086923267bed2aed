//! Reading reputation (a member's standing, leaderboards, ledger history)
//! and the admin's and moderators' reputation actions (adjustments,
//! granted badges, TL4, bans).

use crate::error::{Result, StoreError};
use crate::reputation::{DAY_MS, award, insert, member};
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{GroupId, UserId};
use guildhall_core::reputation::TrustLevel;
use guildhall_core::reputation::badges::{BadgeAward, Earned, badge};
use guildhall_core::reputation::ranks::rank_for;
use guildhall_core::reputation::votes::adjustment;
use sqlx::{AssertSqlSafe, FromRow};

/// Which stretch of time a leaderboard sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    All,
    /// The last 30 days, today included.
    Month,
    /// The last 7 days, today included.
    Week,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "all" => Some(Period::All),
            "month" => Some(Period::Month),
            "week" => Some(Period::Week),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::All => "all",
            Period::Month => "month",
            Period::Week => "week",
        }
    }

    /// Days summed, or `None` for all time.
    pub fn days(self) -> Option<i64> {
        match self {
            Period::All => None,
            Period::Month => Some(30),
            Period::Week => Some(7),
        }
    }
}

/// One line of a leaderboard.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Standing {
    pub user_id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    pub points: i64,
}

/// A member's points in one group.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct GroupPoints {
    pub group_id: GroupId,
    pub group_name: String,
    /// Who may see the group (and so these points).
    #[sqlx(try_from = "String")]
    pub group_visibility: guildhall_core::visibility::Visibility,
    pub points: i64,
}

/// A badge a member holds.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct HeldBadge {
    pub badge: String,
    /// "thread" or "reply" for a post badge, "" otherwise.
    pub object_type: String,
    pub object_id: i64,
    pub granted_by: Option<i64>,
    pub awarded_at: i64,
}

/// A member's standing: what profiles and the API show.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberReputation {
    pub user_id: UserId,
    pub total: i64,
    pub groups: Vec<GroupPoints>,
    pub rank: String,
    pub trust_level: guildhall_core::reputation::TrustLevel,
    pub badges: Vec<HeldBadge>,
    pub banned: bool,
    /// For a remote member: the attestation their home instance sent, and
    /// our policy for that instance (None: not a partner).
    pub attestation: Option<(crate::ImportedAttestation, Option<crate::Partner>)>,
}

/// One ledger row as the history shows it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct LedgerRow {
    pub id: i64,
    pub kind: String,
    pub vote: Option<i64>,
    pub points: i64,
    pub group_name: Option<String>,
    pub source_name: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub detail: Option<String>,
    pub created_at: i64,
}

impl Store {
    /// A member's points (total and per group), rank, trust level, badges.
    pub async fn member_reputation(&self, user_id: UserId) -> Result<MemberReputation> {
        let mut conn = self.pool.acquire().await?;
        let member = member(&mut conn, user_id).await?;
        let total: Option<i64> = sqlx::query_scalar(
            "SELECT points FROM reputation_scores WHERE member_id = $1 AND group_id = 0",
        )
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
        let total = total.unwrap_or(0);
        let groups = sqlx::query_as::<_, GroupPoints>(
            "SELECT s.group_id, g.name AS group_name, g.visibility AS group_visibility, s.points FROM reputation_scores s \
             JOIN groups g ON g.id = s.group_id WHERE s.member_id = $1 ORDER BY s.points DESC, g.name",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        let badges = sqlx::query_as::<_, HeldBadge>(
            "SELECT badge, object_type, object_id, granted_by, awarded_at FROM member_badges \
             WHERE user_id = $1 ORDER BY awarded_at, id",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        // Let go before the next query takes its own connection: holding one
        // while waiting for another deadlocks the pool once every connection
        // is held by such a caller (a burst of profile fetches did it).
        drop(conn);
        Ok(MemberReputation {
            user_id,
            total,
            groups,
            rank: rank_for(&self.rules.ranks, total).title.clone(),
            trust_level: member.level(&self.rules),
            badges,
            banned: member.banned,
            attestation: self.held_attestation(user_id).await?,
        })
    }

    /// A member's trust level here.
    pub async fn trust_level(&self, user_id: UserId) -> Result<TrustLevel> {
        let mut conn = self.pool.acquire().await?;
        Ok(member(&mut conn, user_id).await?.level(&self.rules))
    }

    /// The title `points` earn under the configured ranks.
    pub fn rank_title(&self, points: i64) -> &str {
        &rank_for(&self.rules.ranks, points).title
    }

    /// The best `limit` members by points: instance-wide or in one group,
    /// over all time or the last 30 or 7 days. Banned members are left out.
    pub async fn leaderboard(
        &self,
        group: Option<GroupId>,
        period: Period,
        limit: i64,
    ) -> Result<Vec<Standing>> {
        let group_id = group.map_or(0, GroupId::get);
        let (source, since) = match period.days() {
            None => ("reputation_scores", 0),
            Some(days) => ("reputation_days", now_ms().div_euclid(DAY_MS) - days + 1),
        };
        let window = if source == "reputation_days" {
            "AND r.day >= $2"
        } else {
            "AND $2 = $2"
        };
        let sql = format!(
            "SELECT u.id AS user_id, u.username, u.display_name, \
                    CAST(SUM(r.points) AS BIGINT) AS points \
             FROM {source} r JOIN users u ON u.id = r.member_id \
             WHERE r.group_id = $1 {window} AND u.banned_at IS NULL \
             GROUP BY u.id, u.username, u.display_name HAVING SUM(r.points) > 0 \
             ORDER BY points DESC, u.id LIMIT $3"
        );
        Ok(sqlx::query_as::<_, Standing>(AssertSqlSafe(sql))
            .bind(group_id)
            .bind(since)
            .bind(limit.clamp(1, 100))
            .fetch_all(&self.pool)
            .await?)
    }

    /// A member's ledger, newest first, `before` an entry id for the next page.
    pub async fn ledger(
        &self,
        user_id: UserId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<LedgerRow>> {
        Ok(sqlx::query_as::<_, LedgerRow>(
            "SELECT l.id, l.kind, l.vote, l.points, g.name AS group_name, s.username AS source_name, \
                    l.object_type, l.object_id, l.detail, l.created_at \
             FROM reputation_ledger l LEFT JOIN groups g ON g.id = l.group_id \
             LEFT JOIN users s ON s.id = l.source_id \
             WHERE l.member_id = $1 AND l.id < $2 ORDER BY l.id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.pool)
        .await?)
    }

    /// An admin's manual adjustment, with its reason (required).
    pub async fn adjust_reputation(
        &self,
        user_id: UserId,
        points: i64,
        reason: &str,
        admin: UserId,
    ) -> Result<()> {
        let line = adjustment(user_id, points, reason, admin, now_ms())?;
        let mut tx = self.writer.begin().await?;
        member(&mut tx, user_id).await?;
        insert(&mut tx, &[line]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A moderator grants a badge that is granted rather than earned.
    pub async fn grant_badge(&self, user_id: UserId, key: &str, by: UserId) -> Result<()> {
        let key = match badge(key) {
            Some(b) if matches!(b.earned, Earned::Granted) => b.key,
            Some(_) => {
                return Err(
                    RuleError::invalid("badge", "this badge is earned, not granted").into(),
                );
            }
            None => return Err(StoreError::NotFound("badge")),
        };
        let granted = BadgeAward {
            member: user_id,
            key,
            object: None,
            group: None,
            granted_by: Some(by),
        };
        let mut tx = self.writer.begin().await?;
        member(&mut tx, user_id).await?;
        award(&mut tx, &granted, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants or withdraws TL4, which only an admin gives.
    pub async fn set_leader(&self, user_id: UserId, leader: bool) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        member(&mut tx, user_id).await?;
        sqlx::query(
            "INSERT INTO member_stats (user_id, leader) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET leader = excluded.leader",
        )
        .bind(user_id)
        .bind(leader as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
