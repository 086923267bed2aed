use crate::Federated;
use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, OwnedVia, Via, record_via};
use crate::moderation::{check_not_banned, moderates};
use crate::removals::take_down;
use crate::reputation::{after_post, check_post, member};
use crate::threads::viewer_id;
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::moderation::may_reply_locked;
use guildhall_core::permissions::can_reply;
use guildhall_core::reputation::Rules;
use guildhall_core::reputation::ledger::Object;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Reply {
    pub id: ReplyId,
    pub thread_id: ThreadId,
    pub parent_id: Option<ReplyId>,
    pub author_id: UserId,
    pub author_name: String,
    pub body: String,
    pub body_html: String,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// Set (with `deleted_at`) when a moderator removed it: restorable.
    pub removed_at: Option<i64>,
    pub my_vote: Option<i64>,
    pub author_points: i64,
    #[sqlx(skip)]
    pub author_rank: String,
}

pub struct NewReply<'a> {
    pub thread_id: ThreadId,
    pub parent_id: Option<ReplyId>,
    pub author_id: UserId,
    pub body: &'a str,
    pub body_html: &'a str,
}

const REPLY_SELECT: &str = "SELECT r.id, r.thread_id, r.parent_id, r.author_id, u.username AS author_name, r.body, \
     r.body_html, r.score, r.upvotes, r.downvotes, r.created_at, r.edited_at, r.deleted_at, r.removed_at, v.value AS my_vote, \
     CAST(COALESCE(rs.points, 0) AS BIGINT) AS author_points \
     FROM replies r JOIN users u ON u.id = r.author_id \
     LEFT JOIN reply_votes v ON v.reply_id = r.id AND v.user_id = $1 \
     LEFT JOIN reputation_scores rs ON rs.member_id = r.author_id AND rs.group_id = 0";

impl Store {
    /// Adds a reply to a live thread, under a live parent reply of the same
    /// thread if one is given; bumps the thread's reply count and activity.
    pub async fn create_reply(&self, new: NewReply<'_>) -> Result<Reply> {
        let author_id = new.author_id;
        let id = self.create_reply_via(new, Via::Local, None).await?;
        self.reply(id, Some(author_id))
            .await?
            .ok_or(StoreError::NotFound("reply"))
    }

    /// A new reply, local or (with `remote`) a copy of a remote Note; its id.
    pub async fn create_reply_via(
        &self,
        new: NewReply<'_>,
        via: Via<'_>,
        remote: Option<Federated<'_>>,
    ) -> Result<ReplyId> {
        let (thread_id, parent_id, author_id) = (new.thread_id, new.parent_id, new.author_id);
        let (body, body_html) = (new.body.to_owned(), new.body_html.to_owned());
        let remote = remote.map(|r| (r.ap_id.to_owned(), r.published));
        let via = OwnedVia::of(via);
        let rules = self.rules.clone();
        self.write(Box::new(move |conn| {
            let (body, body_html) = (body.clone(), body_html.clone());
            let (remote, via, rules) = (remote.clone(), via.clone(), rules.clone());
            Box::pin(async move {
                let new = NewReply {
                    thread_id,
                    parent_id,
                    author_id,
                    body: &body,
                    body_html: &body_html,
                };
                let remote = remote.as_ref().map(|(ap_id, published)| Federated {
                    ap_id,
                    published: *published,
                });
                reply_in(conn, &rules, new, via.as_via(), remote).await
            })
        }))
        .await
    }

    pub async fn reply(&self, id: ReplyId, viewer: Option<UserId>) -> Result<Option<Reply>> {
        let sql = format!("{REPLY_SELECT} WHERE r.id = $2");
        let reply = sqlx::query_as::<_, Reply>(AssertSqlSafe(sql))
            .bind(viewer_id(viewer))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(self.ranked_one(reply))
    }

    /// All replies of a thread, oldest first (tombstones included, so the
    /// replies under them keep their place). Lay them out with
    /// `guildhall_core::tree::layout`.
    pub async fn replies(
        &self,
        thread_id: ThreadId,
        viewer: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<Reply>> {
        let sql =
            format!("{REPLY_SELECT} WHERE r.thread_id = $2 ORDER BY r.created_at, r.id LIMIT $3");
        let replies = sqlx::query_as::<_, Reply>(AssertSqlSafe(sql))
            .bind(viewer_id(viewer))
            .bind(thread_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(self.ranked(replies))
    }

    pub async fn edit_reply(&self, id: ReplyId, body: &str, body_html: &str) -> Result<()> {
        self.edit_reply_via(id, body, body_html, Via::Local).await
    }

    pub async fn edit_reply_via(
        &self,
        id: ReplyId,
        body: &str,
        body_html: &str,
        via: Via<'_>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let found: Option<(UserId, ThreadId)> = sqlx::query_as(
            "UPDATE replies SET body = $1, body_html = $2, edited_at = $3 WHERE id = $4 AND deleted_at IS NULL \
             RETURNING author_id, thread_id",
        )
        .bind(body)
        .bind(body_html)
        .bind(now_ms())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (author_id, thread_id) = found.ok_or(StoreError::NotFound("reply"))?;
        let group_id: GroupId = sqlx::query_scalar("SELECT group_id FROM threads WHERE id = $1")
            .bind(thread_id)
            .fetch_one(&mut *tx)
            .await?;
        let object = EventObject::Reply(id);
        record_via(
            &mut tx,
            via,
            EventKind::Update,
            object,
            group_id,
            author_id,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a reply into a tombstone; the replies under it survive.
    /// Deletes a reply in its author's name.
    pub async fn delete_reply(&self, id: ReplyId) -> Result<()> {
        self.delete_reply_via(id, None, Via::Local).await
    }

    /// Deletes a reply; `by` is whoever did it when not the author (a
    /// moderator's removal), which the event records as its actor.
    pub async fn delete_reply_by(&self, id: ReplyId, by: UserId) -> Result<()> {
        self.delete_reply_via(id, Some(by), Via::Local).await
    }

    pub async fn delete_reply_via(
        &self,
        id: ReplyId,
        by: Option<UserId>,
        via: Via<'_>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let object = Object::Reply(id);
        take_down(&mut tx, &self.rules, object, by, ("", true), via).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The statements of [`Store::create_reply_via`], inside a transaction;
/// the new reply's id.
async fn reply_in(
    conn: &mut AnyConnection,
    rules: &Rules,
    new: NewReply<'_>,
    via: Via<'_>,
    remote: Option<Federated<'_>>,
) -> Result<ReplyId> {
    let now = now_ms();
    let created = remote.map_or(now, |r| r.published.min(now));
    // Write first: takes the lock, and tells us whether the thread is live.
    type Row = (
        Option<i64>,
        GroupId,
        Option<String>,
        Option<ThreadId>,
        Option<i64>,
    );
    let thread: Option<Row> = sqlx::query_as(
        "UPDATE threads SET reply_count = reply_count + 1, last_activity_at = $1 WHERE id = $2 \
             RETURNING deleted_at, group_id, (SELECT domain FROM groups WHERE groups.id = threads.group_id), duplicate_of, locked_at",
    )
    .bind(now)
    .bind(new.thread_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (thread_deleted, group_id, group_domain, merged_into, locked_at) =
        thread.ok_or(StoreError::NotFound("thread"))?;
    if let Some(into) = merged_into {
        return Err(RuleError::Conflict(format!(
            "this idea was merged into idea {into}: reply there"
        ))
        .into());
    }
    let thread_deleted = thread_deleted.is_some();
    let mut parent_deleted = false;
    if let Some(parent_id) = new.parent_id {
        let parent: Option<(ThreadId, Option<i64>)> =
            sqlx::query_as("SELECT thread_id, deleted_at FROM replies WHERE id = $1")
                .bind(parent_id)
                .fetch_optional(&mut *conn)
                .await?;
        let (parent_thread, deleted_at) = parent.ok_or(StoreError::NotFound("parent reply"))?;
        if parent_thread != new.thread_id {
            return Err(RuleError::invalid(
                "parent_id",
                "the parent reply belongs to another thread",
            )
            .into());
        }
        parent_deleted = deleted_at.is_some();
    }
    can_reply(thread_deleted, parent_deleted)?;
    check_not_banned(conn, group_id, new.author_id, "post").await?;
    if locked_at.is_some() {
        // A remote group's lock is its moderators' to lift: our admins
        // are not among them.
        let moderator = group_domain.is_none() && moderates(conn, group_id, new.author_id).await?;
        may_reply_locked(true, moderator)?;
    }
    // Trust levels and reputation are about our groups (see threads.rs).
    let author = match group_domain {
        None => check_post(conn, rules, new.author_id, new.body, false).await?,
        Some(_) => member(conn, new.author_id).await?,
    };
    author.active()?;
    let id: ReplyId = sqlx::query_scalar(
        "INSERT INTO replies (thread_id, parent_id, author_id, body, body_html, created_at, ap_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.thread_id)
    .bind(new.parent_id)
    .bind(new.author_id)
    .bind(new.body)
    .bind(new.body_html)
    .bind(created)
    .bind(remote.map(|r| r.ap_id))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| StoreError::taken_or(e, "this reply is already stored"))?;
    // Badges follow the counts, which include posts anywhere here.
    after_post(conn, &author, new.author_id, false).await?;
    let object = EventObject::Reply(id);
    record_via(
        conn,
        via,
        EventKind::Create,
        object,
        group_id,
        new.author_id,
        None,
    )
    .await?;
    Ok(id)
}
