use crate::error::{Result, StoreError};
use crate::models::{NewReply, Reply};
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::permissions::can_reply;
use sqlx::AssertSqlSafe;

const REPLY_SELECT: &str = "SELECT r.id, r.thread_id, r.parent_id, r.author_id, u.username AS author_name, r.body, \
     r.body_html, r.score, r.upvotes, r.downvotes, r.created_at, r.edited_at, r.deleted_at, v.value AS my_vote \
     FROM replies r JOIN users u ON u.id = r.author_id \
     LEFT JOIN reply_votes v ON v.reply_id = r.id AND v.user_id = $1";

impl Store {
    /// Adds a reply to a live thread, under a live parent reply of the same
    /// thread if one is given; bumps the thread's reply count and activity.
    pub async fn create_reply(&self, new: NewReply<'_>) -> Result<Reply> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        // Write first: takes the lock, and tells us whether the thread is live.
        let thread_deleted: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE threads SET reply_count = reply_count + 1, last_activity_at = $1 WHERE id = $2 RETURNING deleted_at",
        )
        .bind(now)
        .bind(new.thread_id)
        .fetch_optional(&mut *tx)
        .await?;
        let thread_deleted = thread_deleted
            .ok_or(StoreError::NotFound("thread"))?
            .is_some();
        let mut parent_deleted = false;
        if let Some(parent_id) = new.parent_id {
            let parent: Option<(i64, Option<i64>)> =
                sqlx::query_as("SELECT thread_id, deleted_at FROM replies WHERE id = $1")
                    .bind(parent_id)
                    .fetch_optional(&mut *tx)
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
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO replies (thread_id, parent_id, author_id, body, body_html, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(new.thread_id)
        .bind(new.parent_id)
        .bind(new.author_id)
        .bind(new.body)
        .bind(new.body_html)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.reply(id, Some(new.author_id))
            .await?
            .ok_or(StoreError::NotFound("reply"))
    }

    pub async fn reply(&self, id: i64, viewer: Option<i64>) -> Result<Option<Reply>> {
        let sql = format!("{REPLY_SELECT} WHERE r.id = $2");
        Ok(sqlx::query_as::<_, Reply>(AssertSqlSafe(sql))
            .bind(viewer.unwrap_or(-1))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// All replies of a thread, oldest first (tombstones included, so the
    /// replies under them keep their place). Lay them out with
    /// `guildhall_core::tree::layout`.
    pub async fn replies(
        &self,
        thread_id: i64,
        viewer: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Reply>> {
        let sql =
            format!("{REPLY_SELECT} WHERE r.thread_id = $2 ORDER BY r.created_at, r.id LIMIT $3");
        Ok(sqlx::query_as::<_, Reply>(AssertSqlSafe(sql))
            .bind(viewer.unwrap_or(-1))
            .bind(thread_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn edit_reply(&self, id: i64, body: &str, body_html: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE replies SET body = $1, body_html = $2, edited_at = $3 WHERE id = $4 AND deleted_at IS NULL",
        )
        .bind(body)
        .bind(body_html)
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("reply"));
        }
        Ok(())
    }

    /// Turns a reply into a tombstone; the replies under it survive.
    pub async fn delete_reply(&self, id: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE replies SET body = '', body_html = '', deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("reply"));
        }
        Ok(())
    }
}
