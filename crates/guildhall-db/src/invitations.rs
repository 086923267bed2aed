//! Invitations into private and hidden groups: to a member by name, or by
//! a link with an expiry and a number of uses. Using one makes the member
//! an approved member at once (a request waiting is approved with it).

use crate::error::Result;
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{GroupId, UserId};
use sqlx::FromRow;

/// An invitation as moderators list it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Invitation {
    pub id: i64,
    pub group_id: GroupId,
    pub invited_by: String,
    /// The member invited by name; `None` for a link.
    pub username: Option<String>,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

/// An invitation to record: to `user`, or a link whose token hashes to
/// `token_hash`.
#[derive(Debug, Clone, Copy)]
pub struct NewInvitation<'a> {
    pub group: GroupId,
    pub by: UserId,
    pub user: Option<UserId>,
    pub token_hash: Option<&'a str>,
    pub max_uses: Option<i64>,
    pub expires_at: Option<i64>,
}

const LIVE: &str = "i.revoked_at IS NULL AND (i.expires_at IS NULL OR i.expires_at > $9) \
                    AND (i.max_uses IS NULL OR i.uses < i.max_uses)";

const FIELDS: &str = "i.id, i.group_id, b.username AS invited_by, u.username, i.max_uses, i.uses, \
                      i.expires_at, i.created_at";

const FROM: &str =
    "invitations i JOIN users b ON b.id = i.invited_by LEFT JOIN users u ON u.id = i.user_id";

impl Store {
    /// Records an invitation; its id.
    pub async fn create_invitation(&self, new: NewInvitation<'_>) -> Result<i64> {
        let mut tx = self.writer.begin().await?;
        let id = sqlx::query_scalar(
            "INSERT INTO invitations (group_id, invited_by, user_id, token_hash, max_uses, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.group)
        .bind(new.by)
        .bind(new.user)
        .bind(new.token_hash)
        .bind(new.max_uses)
        .bind(new.expires_at)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        // The member invited by name hears of it.
        if let Some(user) = new.user {
            let kind = crate::federation::events::NoticeKind::Invited;
            let who = serde_json::json!({ "member": user.get() });
            let object = crate::federation::events::EventObject::Group(new.group);
            crate::federation::events::notice(&mut tx, kind, object, Some(new.by), Some(who))
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// A group's invitations still usable, newest first.
    pub async fn invitations(&self, group: GroupId) -> Result<Vec<Invitation>> {
        let sql = format!(
            "SELECT {FIELDS} FROM {FROM} WHERE i.group_id = $1 AND {} ORDER BY i.id DESC LIMIT 500",
            LIVE.replace("$9", "$2")
        );
        Ok(sqlx::query_as::<_, Invitation>(sqlx::AssertSqlSafe(sql))
            .bind(group)
            .bind(now_ms())
            .fetch_all(&self.pool)
            .await?)
    }

    /// A usable invitation of `user` to `group`, if there is one.
    pub async fn invitation_for(&self, group: GroupId, user: UserId) -> Result<Option<i64>> {
        let sql = format!(
            "SELECT i.id FROM invitations i WHERE i.group_id = $1 AND i.user_id = $2 AND {} \
             ORDER BY i.id DESC LIMIT 1",
            LIVE.replace("$9", "$3")
        );
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(group)
            .bind(user)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The invitation a link's token names, usable or not, and whether it
    /// still is.
    pub async fn invitation_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Invitation, bool)>> {
        let sql = format!(
            "SELECT {FIELDS}, CAST(CASE WHEN {} THEN 1 ELSE 0 END AS BIGINT) AS live \
             FROM {FROM} WHERE i.token_hash = $1",
            LIVE.replace("$9", "$2")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        use sqlx::Row as _;
        let live: i64 = row.try_get("live")?;
        Ok(Some((Invitation::from_row(&row)?, live != 0)))
    }

    /// A moderator revokes an invitation of `group`; false if there was
    /// none usable.
    pub async fn revoke_invitation(&self, group: GroupId, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND group_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .bind(group)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Uses an invitation: counts the use (refused once it is revoked,
    /// expired or used up) and makes `user` an approved member, in one
    /// transaction. False if they were a member already (nothing is used).
    pub async fn accept_invitation(&self, id: i64, user: UserId) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let now = now_ms();
        let group: Option<GroupId> = sqlx::query_scalar(
            "UPDATE invitations SET uses = uses + 1 WHERE id = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2) AND (max_uses IS NULL OR uses < max_uses) \
             RETURNING group_id",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(group) = group else {
            return Err(RuleError::Conflict(
                "this invitation has expired, was revoked or is used up: ask for a new one".into(),
            )
            .into());
        };
        let before: Option<i64> = sqlx::query_scalar(
            "SELECT pending FROM group_members WHERE group_id = $1 AND user_id = $2",
        )
        .bind(group)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
        match before {
            Some(0) => return Ok(false),
            Some(_) => {
                sqlx::query(
                    "UPDATE group_members SET pending = 0 WHERE group_id = $1 AND user_id = $2",
                )
                .bind(group)
                .bind(user)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO group_members (group_id, user_id, joined_at, pending) VALUES ($1, $2, $3, 0)",
                )
                .bind(group)
                .bind(user)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("UPDATE groups SET member_count = member_count + 1 WHERE id = $1")
            .bind(group)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}
