use crate::error::{Result, StoreError};
use crate::models::{Group, GroupUpdate, NewGroup, UserSummary};
use crate::{Store, now_ms};
use sqlx::AssertSqlSafe;

const GROUP_COLUMNS: &str = "id, name, title, description, description_html, rules, rules_html, kind, visibility, \
                             creator_id, member_count, thread_count, created_at";

impl Store {
    /// Creates a group; its creator becomes its first moderator and member.
    pub async fn create_group(&self, new: NewGroup<'_>) -> Result<Group> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "INSERT INTO groups (name, title, description, description_html, rules, rules_html, creator_id, member_count, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) RETURNING {GROUP_COLUMNS}"
        );
        let group = sqlx::query_as::<_, Group>(AssertSqlSafe(sql))
            .bind(new.name)
            .bind(new.title)
            .bind(new.description)
            .bind(new.description_html)
            .bind(new.rules)
            .bind(new.rules_html)
            .bind(new.creator_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                StoreError::taken_or(e, format!("a group named {:?} already exists", new.name))
            })?;
        for table in [
            "group_moderators (group_id, user_id, added_at)",
            "group_members (group_id, user_id, joined_at)",
        ] {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {table} VALUES ($1, $2, $3)"
            )))
            .bind(group.id)
            .bind(new.creator_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(group)
    }

    pub async fn group_by_name(&self, name: &str) -> Result<Option<Group>> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE name = $1");
        Ok(sqlx::query_as::<_, Group>(AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Public groups, largest first.
    pub async fn list_groups(&self, limit: i64) -> Result<Vec<Group>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM groups WHERE visibility = 'public' \
             ORDER BY member_count DESC, name ASC LIMIT $1"
        );
        Ok(sqlx::query_as::<_, Group>(AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn update_group(&self, group_id: i64, u: GroupUpdate<'_>) -> Result<Group> {
        let sql = format!(
            "UPDATE groups SET title = $1, description = $2, description_html = $3, rules = $4, rules_html = $5 \
             WHERE id = $6 RETURNING {GROUP_COLUMNS}"
        );
        sqlx::query_as::<_, Group>(AssertSqlSafe(sql))
            .bind(u.title)
            .bind(u.description)
            .bind(u.description_html)
            .bind(u.rules)
            .bind(u.rules_html)
            .bind(group_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("group"))
    }

    /// Subscribes a member; false if they already were. Keeps `member_count` exact.
    pub async fn join_group(&self, group_id: i64, user_id: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let added = sqlx::query(
            "INSERT INTO group_members (group_id, user_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(group_id)
        .bind(user_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added > 0 {
            sqlx::query("UPDATE groups SET member_count = member_count + 1 WHERE id = $1")
                .bind(group_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(added > 0)
    }

    /// Unsubscribes a member; false if they were not one.
    pub async fn leave_group(&self, group_id: i64, user_id: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(group_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed > 0 {
            sqlx::query("UPDATE groups SET member_count = member_count - 1 WHERE id = $1")
                .bind(group_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }

    pub async fn is_member(&self, group_id: i64, user_id: i64) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2",
            group_id,
            user_id,
        )
        .await
    }

    pub async fn is_moderator(&self, group_id: i64, user_id: i64) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM group_moderators WHERE group_id = $1 AND user_id = $2",
            group_id,
            user_id,
        )
        .await
    }

    async fn exists(&self, sql: &'static str, a: i64, b: i64) -> Result<bool> {
        Ok(sqlx::query(sql)
            .bind(a)
            .bind(b)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// The group's moderators, longest-serving first.
    pub async fn moderators(&self, group_id: i64) -> Result<Vec<UserSummary>> {
        Ok(sqlx::query_as::<_, UserSummary>(
            "SELECT u.id, u.username, u.display_name FROM group_moderators m JOIN users u ON u.id = m.user_id \
             WHERE m.group_id = $1 ORDER BY m.added_at, u.id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Makes a member a moderator; false if they already were.
    pub async fn add_moderator(&self, group_id: i64, user_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO group_moderators (group_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(group_id)
        .bind(user_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes a moderator; false if they were not one.
    pub async fn remove_moderator(&self, group_id: i64, user_id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM group_moderators WHERE group_id = $1 AND user_id = $2")
            .bind(group_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
