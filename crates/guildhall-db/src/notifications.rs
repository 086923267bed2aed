//! Notifications as stored: the notices changes write in their own
//! transaction, the notifications the notifier makes of them, what members
//! watch or mute, and how they want each kind. Who hears of what is
//! guildhall-core's `notifications`; guildhall-app's notifier applies it.

use crate::error::Result;
use crate::federation::events::{EventObject, NoticeKind, notice};
use crate::{Store, now_ms};
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::notifications::{Kind, Watch};
use guildhall_core::visibility::Visibility;
// The column names formatted into SQL are `Watched::column`'s constants.
use sqlx::AssertSqlSafe;

/// A change that may concern members, waiting for the notifier.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: i64,
    pub kind: NoticeKind,
    pub object: EventObject,
    pub actor_id: Option<UserId>,
    /// JSON: the reason, the stage, the member, as the kind says.
    pub payload: serde_json::Value,
}

/// What the notifier needs to know of a new post.
#[derive(Debug, Clone)]
pub struct PostFacts {
    pub group_id: GroupId,
    pub thread_id: ThreadId,
    pub reply_id: Option<ReplyId>,
    pub author_id: UserId,
    /// Who wrote what it answers (the thread's author for a direct reply).
    pub answered_id: Option<UserId>,
    pub thread_author_id: UserId,
    /// The Markdown (ours, and Lemmy's) or text, and the HTML.
    pub body: String,
    pub body_html: String,
    pub remote: bool,
    /// The group's kind (`questions`...).
    pub group_kind: String,
    /// Who may read the group (and so hear of the post).
    pub group_visibility: Visibility,
    /// A reply to the thread itself (not to another reply).
    pub direct: bool,
}

/// A notification to make.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: Kind,
    pub actor_id: Option<UserId>,
    pub group_id: Option<GroupId>,
    pub thread_id: Option<ThreadId>,
    pub reply_id: Option<ReplyId>,
    /// What else it says: a reason, a stage, an answer.
    pub detail: Option<String>,
}

/// A notification as a member reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub group_name: Option<String>,
    pub thread_id: Option<ThreadId>,
    pub thread_title: Option<String>,
    pub reply_id: Option<ReplyId>,
    pub detail: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// What a watch is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    Thread(ThreadId),
    Group(GroupId),
}

impl Watched {
    fn column(self) -> (&'static str, i64) {
        match self {
            Watched::Thread(id) => ("thread_id", id.get()),
            Watched::Group(id) => ("group_id", id.get()),
        }
    }
}

/// id, kind, object type, object id, actor, payload.
type NoticeRow = (
    i64,
    String,
    String,
    Option<i64>,
    Option<UserId>,
    Option<String>,
);

type FactsRow = (
    GroupId,
    ThreadId,
    UserId,
    Option<UserId>,
    UserId,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
);

impl Store {
    /// The oldest notices, up to `limit`.
    pub async fn pending_notices(&self, limit: i64) -> Result<Vec<Notice>> {
        let rows: Vec<NoticeRow> = sqlx::query_as(
            "SELECT id, kind, object_type, object_id, actor_id, payload FROM notice_events ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, otype, oid, actor_id, payload)| {
                Some(Notice {
                    id,
                    kind: NoticeKind::parse(&kind)?,
                    object: EventObject::parse(&otype, oid?)?,
                    actor_id,
                    payload: payload
                        .and_then(|p| serde_json::from_str(&p).ok())
                        .unwrap_or_default(),
                })
            })
            .collect())
    }

    /// A new thread's or reply's facts; None once it is gone.
    pub async fn post_facts(&self, object: EventObject) -> Result<Option<PostFacts>> {
        let row: Option<FactsRow> = match object {
            EventObject::Thread(id) => {
                sqlx::query_as(
                    "SELECT t.group_id, t.id, t.author_id, CAST(NULL AS BIGINT), t.author_id, t.body, t.body_html, u.domain, g.kind, CAST(0 AS BIGINT), g.visibility \
                     FROM threads t JOIN users u ON u.id = t.author_id JOIN groups g ON g.id = t.group_id \
                     WHERE t.id = $1 AND t.deleted_at IS NULL AND t.removed_at IS NULL",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
            }
            EventObject::Reply(id) => {
                sqlx::query_as(
                    "SELECT t.group_id, t.id, r.author_id, COALESCE(p.author_id, t.author_id), t.author_id, \
                     r.body, r.body_html, u.domain, g.kind, \
                     CASE WHEN r.parent_id IS NULL THEN 1 ELSE 0 END, g.visibility \
                     FROM replies r JOIN threads t ON t.id = r.thread_id JOIN users u ON u.id = r.author_id \
                     JOIN groups g ON g.id = t.group_id \
                     LEFT JOIN replies p ON p.id = r.parent_id \
                     WHERE r.id = $1 AND r.deleted_at IS NULL AND r.removed_at IS NULL",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
            }
            _ => None,
        };
        let reply_id = match object {
            EventObject::Reply(id) => Some(id),
            _ => None,
        };
        Ok(row.map(
            |(
                group_id,
                thread_id,
                author_id,
                answered_id,
                thread_author_id,
                body,
                body_html,
                domain,
                group_kind,
                direct,
                visibility,
            )| {
                PostFacts {
                    group_id,
                    thread_id,
                    reply_id,
                    author_id,
                    answered_id,
                    thread_author_id,
                    body,
                    body_html,
                    remote: domain.is_some(),
                    group_kind,
                    direct: direct == 1,
                    // An unknown value reads as the most closed.
                    group_visibility: visibility.parse().unwrap_or(Visibility::Hidden),
                }
            },
        ))
    }

    /// Who voted an idea up.
    pub async fn upvoters(&self, thread: ThreadId) -> Result<Vec<UserId>> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM thread_votes WHERE thread_id = $1 AND value > 0 ORDER BY user_id LIMIT 10000",
        )
        .bind(thread)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Who watches (or muted) a thread or a group.
    pub async fn watchers(&self, of: Watched) -> Result<Vec<(UserId, Watch)>> {
        let (column, id) = of.column();
        let sql = format!(
            "SELECT user_id, level FROM watches WHERE {column} = $1 ORDER BY created_at, user_id"
        );
        let rows: Vec<(UserId, String)> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(u, level)| Some((u, level.parse().ok()?)))
            .collect())
    }

    /// A member's watch on a thread or group, if any.
    pub async fn watch_of(&self, user: UserId, of: Watched) -> Result<Option<Watch>> {
        let (column, id) = of.column();
        let sql = format!("SELECT level FROM watches WHERE user_id = $1 AND {column} = $2");
        let level: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(user)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(level.and_then(|l| l.parse().ok()))
    }

    /// Sets (or, with None, clears) a member's watch on a thread or group.
    pub async fn set_watch(&self, user: UserId, of: Watched, level: Option<Watch>) -> Result<()> {
        let (column, id) = of.column();
        let mut tx = self.writer.begin().await?;
        let clear = format!("DELETE FROM watches WHERE user_id = $1 AND {column} = $2");
        sqlx::query(AssertSqlSafe(clear))
            .bind(user)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(level) = level {
            let set = format!(
                "INSERT INTO watches (user_id, {column}, level, created_at) VALUES ($1, $2, $3, $4)"
            );
            sqlx::query(AssertSqlSafe(set))
                .bind(user)
                .bind(id)
                .bind(level.as_str())
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The kinds a member turned off.
    pub async fn kinds_off(&self, user: UserId) -> Result<Vec<Kind>> {
        let kinds: Vec<String> = sqlx::query_scalar(
            "SELECT kind FROM notification_prefs WHERE user_id = $1 AND delivery = 'off'",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(kinds.iter().filter_map(|k| k.parse().ok()).collect())
    }

    /// A member's chosen deliveries: (kind, delivery) as stored.
    pub async fn notification_prefs(&self, user: UserId) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT kind, delivery FROM notification_prefs WHERE user_id = $1 ORDER BY kind",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Sets a member's delivery for a kind.
    pub async fn set_notification_pref(
        &self,
        user: UserId,
        kind: Kind,
        delivery: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO notification_prefs (user_id, kind, delivery) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET delivery = excluded.delivery",
        )
        .bind(user)
        .bind(kind.as_str())
        .bind(delivery)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The local members of these names (lower case), as (id, name).
    pub async fn local_members_named(&self, names: &[String]) -> Result<Vec<(UserId, String)>> {
        let mut found = Vec::new();
        for name in names {
            let id: Option<UserId> =
                sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND domain IS NULL")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
            if let Some(id) = id {
                found.push((id, name.clone()));
            }
        }
        Ok(found)
    }

    /// Makes a notice's notifications and deletes it, in one transaction:
    /// a notice is turned into notifications once, however often asked.
    pub async fn expand_notice(&self, notice: i64, made: &[NewNotification]) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let gone = sqlx::query("DELETE FROM notice_events WHERE id = $1")
            .bind(notice)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Ok(()); // another notifier did it
        }
        let now = now_ms();
        for n in made {
            sqlx::query(
                "INSERT INTO notifications (user_id, kind, actor_id, group_id, thread_id, reply_id, detail, source, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source, user_id) DO NOTHING",
            )
            .bind(n.user_id)
            .bind(n.kind.as_str())
            .bind(n.actor_id)
            .bind(n.group_id)
            .bind(n.thread_id)
            .bind(n.reply_id)
            .bind(&n.detail)
            .bind(notice)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues the mention of `members` in a post elsewhere (`url`) by
    /// `actor`, someone on another server.
    pub async fn mention_elsewhere(
        &self,
        actor: UserId,
        url: &str,
        members: &[UserId],
    ) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        let ids: Vec<i64> = members.iter().map(|m| m.get()).collect();
        let said = serde_json::json!({ "url": url, "members": ids });
        let object = EventObject::User(actor);
        let kind = NoticeKind::MentionElsewhere;
        notice(&mut conn, kind, object, Some(actor), Some(said)).await?;
        Ok(())
    }

    /// Queues the community team's welcome for a new member.
    pub async fn welcome_notice(&self, user: UserId) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        let object = EventObject::User(user);
        notice(&mut conn, NoticeKind::Welcome, object, None, None).await?;
        Ok(())
    }

    /// A member's notifications, newest first, older than `before` (an id).
    pub async fn notifications(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        Ok(sqlx::query_as(
            "SELECT n.id, n.kind, a.username AS actor, g.name AS group_name, n.thread_id, \
             t.title AS thread_title, n.reply_id, n.detail, n.created_at, n.read_at \
             FROM notifications n LEFT JOIN users a ON a.id = n.actor_id \
             LEFT JOIN groups g ON g.id = n.group_id LEFT JOIN threads t ON t.id = n.thread_id \
             WHERE n.user_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR n.id < $2) ORDER BY n.id DESC LIMIT $3",
        )
        .bind(user)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many of a member's notifications are unread.
    pub async fn unread_notifications(&self, user: UserId) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Marks one of a member's notifications read; false if they have no
    /// such notification.
    pub async fn mark_notification_read(&self, user: UserId, id: i64) -> Result<bool> {
        let found = sqlx::query(
            "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
        )
        .bind(now_ms())
        .bind(id)
        .bind(user)
        .execute(&self.writer)
        .await?;
        Ok(found.rows_affected() > 0)
    }

    /// Marks a member's unread notifications of one kind read (the welcome,
    /// once its page was seen).
    pub async fn mark_kind_read(&self, user: UserId, kind: Kind) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND kind = $3 AND read_at IS NULL",
        )
        .bind(now_ms())
        .bind(user)
        .bind(kind.as_str())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// Marks all of a member's notifications read (or those of one thread);
    /// returns how many were unread.
    pub async fn mark_notifications_read(
        &self,
        user: UserId,
        thread: Option<ThreadId>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL \
             AND (CAST($3 AS BIGINT) IS NULL OR thread_id = $3)",
        )
        .bind(now_ms())
        .bind(user)
        .bind(thread)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }
}
