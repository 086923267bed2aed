use crate::User;
use crate::error::Result;
use crate::users::USER_COLUMNS;
use crate::{Store, now_ms};
use guildhall_core::ids::UserId;
use sqlx::AssertSqlSafe;

impl Store {
    /// Records a session by the SHA-256 of its token (`kind` is `cookie` or `api`).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        kind: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(kind)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The account a live session belongs to.
    pub async fn session_user(&self, token_hash: &str, kind: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.kind = $2 AND s.expires_at > $3"
        );
        Ok(sqlx::query_as::<_, User>(AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(kind)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Ends a session; true if it existed.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Drops expired sessions; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
