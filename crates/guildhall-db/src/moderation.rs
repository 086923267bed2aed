//! The mod log, and who is barred: bans from one group, suspensions and
//! bans from the instance.
//!
//! [`log`] is called inside each moderator action's own transaction (see
//! `removals.rs`, `locks.rs`, and the status, answer and moderator
//! changes), so the log holds exactly the actions that happened.

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, Via, record_via};
use crate::reputation::member;
use crate::reputation::{Reversal, reverse_votes};
use crate::{Store, now_ms};
use guildhall_core::ids::{GroupId, ThreadId, UserId};
use guildhall_core::moderation::{self, Action};
use guildhall_core::reputation::ledger::Object;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

/// One action for the log.
#[derive(Debug, Clone)]
pub struct LogEntry<'a> {
    /// `None` for the instance's own actions (suspensions, instance bans).
    pub group: Option<GroupId>,
    /// `None`: the operator, at the command line.
    pub moderator: Option<UserId>,
    pub action: Action,
    /// The member acted on (a post's author, the banned member).
    pub target: Option<UserId>,
    pub object: Option<Object>,
    pub reason: &'a str,
    /// JSON with what else the action decided (an expiry, a new status).
    pub detail: Option<String>,
}

impl<'a> LogEntry<'a> {
    /// An action on the instance, by an admin or the operator (`None`).
    pub fn instance(by: Option<UserId>, action: Action) -> LogEntry<'a> {
        LogEntry {
            moderator: by,
            ..LogEntry::new(None, UserId(0), action)
        }
    }

    pub fn new(group: Option<GroupId>, moderator: UserId, action: Action) -> LogEntry<'a> {
        LogEntry {
            group,
            moderator: Some(moderator),
            action,
            target: None,
            object: None,
            reason: "",
            detail: None,
        }
    }
}

/// Writes one entry, inside the action's transaction.
pub(crate) async fn log(conn: &mut AnyConnection, entry: &LogEntry<'_>) -> Result<()> {
    let (object_type, object_id) = entry.object.map(Object::stored).unzip();
    sqlx::query(
        "INSERT INTO mod_log (group_id, moderator_id, action, target_user_id, object_type, object_id, reason, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.group)
    .bind(entry.moderator)
    .bind(entry.action.as_str())
    .bind(entry.target)
    .bind(object_type)
    .bind(object_id)
    .bind(entry.reason)
    .bind(entry.detail.as_deref())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A logged action, as the log's readers see it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct LogRow {
    pub id: i64,
    pub group_name: Option<String>,
    /// `None`: the operator, at the command line.
    pub moderator: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    /// The thread the post is (in), for a link.
    pub thread_id: Option<ThreadId>,
    pub reason: String,
    pub detail: Option<String>,
    pub created_at: i64,
}

/// Whose log to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogScope {
    Group(GroupId),
    /// Every action on the instance, in groups or not (admins).
    Instance,
}

/// A ban from a group, as its moderators list them.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct GroupBan {
    pub user_id: UserId,
    pub username: String,
    pub banned_by: String,
    pub reason: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

/// A ban to record: who, by whom, why, until when, and whether their posts
/// in the group go too.
#[derive(Debug, Clone, Copy)]
pub struct NewBan<'a> {
    pub group: GroupId,
    pub member: UserId,
    pub by: UserId,
    pub reason: &'a str,
    pub expires_at: Option<i64>,
    pub remove_content: bool,
}

/// Refuses `doing` ("post", "vote") to a member banned from `group`.
pub(crate) async fn check_not_banned(
    conn: &mut AnyConnection,
    group: GroupId,
    user: UserId,
    doing: &str,
) -> Result<()> {
    let ban: Option<(Option<i64>, String)> = sqlx::query_as(
        "SELECT expires_at, reason FROM group_bans WHERE group_id = $1 AND user_id = $2 \
         AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(group)
    .bind(user)
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    match ban {
        Some((until, reason)) => {
            Err(moderation::barred(doing, "this group", until, &reason).into())
        }
        None => Ok(()),
    }
}

impl Store {
    /// The log, newest first, from before the entry `before` if given.
    pub async fn mod_log(
        &self,
        scope: LogScope,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<LogRow>> {
        let filter = match scope {
            LogScope::Group(_) => "l.group_id = $1",
            LogScope::Instance => "$1 = $1",
        };
        let sql = format!(
            "SELECT l.id, g.name AS group_name, m.username AS moderator, l.action, tu.username AS target, \
               l.object_type, l.object_id, \
               CASE WHEN l.object_type = 'reply' THEN (SELECT r.thread_id FROM replies r WHERE r.id = l.object_id) \
                    ELSE l.object_id END AS thread_id, \
               l.reason, l.detail, l.created_at \
             FROM mod_log l LEFT JOIN users m ON m.id = l.moderator_id \
             LEFT JOIN groups g ON g.id = l.group_id LEFT JOIN users tu ON tu.id = l.target_user_id \
             WHERE {filter} AND l.id < $2 ORDER BY l.id DESC LIMIT $3"
        );
        let group = match scope {
            LogScope::Group(g) => g.get(),
            LogScope::Instance => 0,
        };
        Ok(sqlx::query_as::<_, LogRow>(AssertSqlSafe(sql))
            .bind(group)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit.clamp(1, 200))
            .fetch_all(&self.pool)
            .await?)
    }

    /// Bans a member from a group (or changes a standing ban's terms),
    /// removing their live posts there if asked; logs it, and tells the
    /// group's followers when it is ours. Returns how many posts went.
    pub async fn ban_from_group(&self, ban: NewBan<'_>, via: Via<'_>) -> Result<usize> {
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO group_bans (group_id, user_id, banned_by, reason, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (group_id, user_id) DO UPDATE \
             SET banned_by = excluded.banned_by, reason = excluded.reason, \
                 expires_at = excluded.expires_at, created_at = excluded.created_at",
        )
        .bind(ban.group)
        .bind(ban.member)
        .bind(ban.by)
        .bind(ban.reason)
        .bind(ban.expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut removed = 0;
        if ban.remove_content {
            // The Block says `removeData`: followers remove the posts
            // themselves, so the removals send nothing of their own.
            let quiet = Via::Remote { announce: None };
            for object in crate::removals::live_posts_in(&mut tx, ban.group, ban.member).await? {
                let taken = crate::removals::take_down(
                    &mut tx,
                    &self.rules,
                    object,
                    Some(ban.by),
                    ("", false),
                    quiet,
                )
                .await;
                match taken {
                    Ok(()) => removed += 1,
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let detail = serde_json::json!({
            "expires_at": ban.expires_at,
            "removed_posts": removed,
        });
        let entry = LogEntry {
            target: Some(ban.member),
            reason: ban.reason,
            detail: Some(detail.to_string()),
            ..LogEntry::new(Some(ban.group), ban.by, Action::BanMember)
        };
        log(&mut tx, &entry).await?;
        let payload = serde_json::json!({
            "member": ban.member.get(),
            "reason": ban.reason,
            "expires_at": ban.expires_at,
            "remove_data": ban.remove_content,
        })
        .to_string();
        let object = EventObject::Group(ban.group);
        let kind = EventKind::Ban;
        record_via(
            &mut tx,
            via,
            kind,
            object,
            ban.group,
            ban.by,
            Some(&payload),
        )
        .await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// Lifts a member's ban from a group; false if there was none.
    pub async fn unban_from_group(
        &self,
        group: GroupId,
        member_id: UserId,
        by: UserId,
        reason: &str,
        via: Via<'_>,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let lifted = sqlx::query("DELETE FROM group_bans WHERE group_id = $1 AND user_id = $2")
            .bind(group)
            .bind(member_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if !lifted {
            return Ok(false);
        }
        let entry = LogEntry {
            target: Some(member_id),
            reason,
            ..LogEntry::new(Some(group), by, Action::UnbanMember)
        };
        log(&mut tx, &entry).await?;
        let payload =
            serde_json::json!({ "member": member_id.get(), "reason": reason }).to_string();
        let object = EventObject::Group(group);
        record_via(
            &mut tx,
            via,
            EventKind::Unban,
            object,
            group,
            by,
            Some(&payload),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A group's bans in force, newest first.
    pub async fn group_bans(&self, group: GroupId) -> Result<Vec<GroupBan>> {
        Ok(sqlx::query_as::<_, GroupBan>(
            "SELECT b.user_id, u.username, m.username AS banned_by, b.reason, b.expires_at, b.created_at \
             FROM group_bans b JOIN users u ON u.id = b.user_id JOIN users m ON m.id = b.banned_by \
             WHERE b.group_id = $1 AND (b.expires_at IS NULL OR b.expires_at > $2) \
             ORDER BY b.created_at DESC LIMIT 500",
        )
        .bind(group)
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await?)
    }

    /// A member's ban from a group, if one is in force.
    pub async fn group_ban(&self, group: GroupId, user: UserId) -> Result<Option<GroupBan>> {
        Ok(sqlx::query_as::<_, GroupBan>(
            "SELECT b.user_id, u.username, m.username AS banned_by, b.reason, b.expires_at, b.created_at \
             FROM group_bans b JOIN users u ON u.id = b.user_id JOIN users m ON m.id = b.banned_by \
             WHERE b.group_id = $1 AND b.user_id = $2 AND (b.expires_at IS NULL OR b.expires_at > $3)",
        )
        .bind(group)
        .bind(user)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Suspends an account until `until` (or lifts a suspension, with
    /// `None`); logged as the admin's. False if nothing changed.
    pub async fn suspend_user(
        &self,
        user_id: UserId,
        by: Option<UserId>,
        until: Option<i64>,
        reason: &str,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let now = now_ms();
        let sql = match until {
            Some(_) => "UPDATE users SET suspended_until = $1 WHERE id = $2 RETURNING id",
            None => {
                "UPDATE users SET suspended_until = $1 WHERE id = $2 AND suspended_until > $3 RETURNING id"
            }
        };
        let changed: Option<i64> = sqlx::query_scalar(sql)
            .bind(until)
            .bind(user_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        if changed.is_none() {
            member(&mut tx, user_id).await?;
            return Ok(false);
        }
        let action = if until.is_some() {
            Action::SuspendUser
        } else {
            Action::UnsuspendUser
        };
        let entry = LogEntry {
            target: Some(user_id),
            reason,
            detail: until.map(|u| serde_json::json!({ "until": u }).to_string()),
            ..LogEntry::instance(by, action)
        };
        log(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Bans an account from the instance: they can no longer post or vote,
    /// and the points their votes gave anyone are reversed. False if they
    /// were banned already.
    pub async fn ban_user(
        &self,
        user_id: UserId,
        by: Option<UserId>,
        reason: &str,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let banned: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET banned_at = $1 WHERE id = $2 AND banned_at IS NULL RETURNING id",
        )
        .bind(now_ms())
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if banned.is_none() {
            member(&mut tx, user_id).await?;
            return Ok(false);
        }
        reverse_votes(&mut tx, &self.rules, Reversal::Voter(user_id)).await?;
        crate::attestations::revoke(&mut tx, user_id, "banned").await?;
        let entry = LogEntry {
            target: Some(user_id),
            reason,
            ..LogEntry::instance(by, Action::BanUser)
        };
        log(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Lifts an instance ban. The reversed points stay reversed: the votes
    /// count again only if cast again.
    pub async fn unban_user(
        &self,
        user_id: UserId,
        by: Option<UserId>,
        reason: &str,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let lifted: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET banned_at = NULL WHERE id = $1 AND banned_at IS NOT NULL RETURNING id",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if lifted.is_none() {
            return Ok(false);
        }
        let entry = LogEntry {
            target: Some(user_id),
            reason,
            ..LogEntry::instance(by, Action::UnbanUser)
        };
        log(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Whether `user` moderates `group` or is one of the instance's admins.
pub(crate) async fn moderates(
    conn: &mut AnyConnection,
    group: GroupId,
    user: UserId,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM users u WHERE u.id = $2 AND (u.is_admin = 1 \
           OR EXISTS (SELECT 1 FROM group_moderators m WHERE m.group_id = $1 AND m.user_id = $2))",
    )
    .bind(group)
    .bind(user)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}
