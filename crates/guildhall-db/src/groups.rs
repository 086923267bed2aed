//! Groups (communities): creating, listing and editing them. Who belongs
//! to one, and who moderates it, is `members.rs`.

use crate::error::{Result, StoreError};
use crate::{Store, now_ms};
use guildhall_core::ids::{GroupId, Origin, UserId};
use guildhall_core::kinds::GroupKind;
use guildhall_core::visibility::Visibility;
use sqlx::{AssertSqlSafe, FromRow};

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub rules: String,
    pub rules_html: String,
    #[sqlx(try_from = "String")]
    pub kind: GroupKind,
    #[sqlx(try_from = "String")]
    pub visibility: Visibility,
    pub creator_id: UserId,
    pub member_count: i64,
    pub thread_count: i64,
    pub created_at: i64,
    /// 1 when starting threads takes TL2 (moderators always may).
    pub restricted: i64,
    /// Ours, or a copy of another instance's group.
    #[sqlx(rename = "domain", try_from = "Option<String>")]
    pub origin: Origin,
}

pub struct NewGroup<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub description_html: &'a str,
    pub rules: &'a str,
    pub rules_html: &'a str,
    pub kind: GroupKind,
    pub creator_id: UserId,
    /// The group's actor keys, stored in the same transaction (`None`
    /// only for groups that never federate: store tests and benches).
    pub keys: Option<&'a crate::KeyPair>,
}

pub struct GroupUpdate<'a> {
    pub kind: GroupKind,
    pub restricted: bool,
    pub title: &'a str,
    pub description: &'a str,
    pub description_html: &'a str,
    pub rules: &'a str,
    pub rules_html: &'a str,
}

const GROUP_COLUMNS: &str = "id, name, title, description, description_html, rules, rules_html, kind, visibility, \
                             creator_id, member_count, thread_count, created_at, restricted, domain";

impl Store {
    /// Creates a group; its creator becomes its first moderator and member.
    pub async fn create_group(&self, new: NewGroup<'_>) -> Result<Group> {
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        let sql = format!(
            "INSERT INTO groups (name, title, description, description_html, rules, rules_html, creator_id, member_count, created_at, public_key_pem, private_key_pem, kind) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10, $11) RETURNING {GROUP_COLUMNS}"
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
            .bind(new.keys.map(|k| k.public_key_pem.as_str()))
            .bind(new.keys.map(|k| k.private_key_pem.as_str()))
            .bind(new.kind.as_str())
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

    pub async fn group_by_id(&self, id: GroupId) -> Result<Option<Group>> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = $1");
        Ok(sqlx::query_as::<_, Group>(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The groups `viewer` may see listed, largest first: public and
    /// private ones, and hidden ones they belong to (or all, for an admin).
    pub async fn list_groups(
        &self,
        limit: i64,
        viewer: Option<&crate::User>,
    ) -> Result<Vec<Group>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM groups g WHERE g.visibility <> 'hidden' OR $2 = 1 \
               OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = $3 AND m.pending = 0) \
               OR EXISTS (SELECT 1 FROM group_moderators o WHERE o.group_id = g.id AND o.user_id = $3) \
             ORDER BY member_count DESC, name ASC LIMIT $1"
        );
        Ok(sqlx::query_as::<_, Group>(AssertSqlSafe(sql))
            .bind(limit)
            .bind(viewer.is_some_and(|u| u.is_admin) as i64)
            .bind(viewer.map_or(-1, |u| u.id.get()))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn update_group(&self, group_id: GroupId, u: GroupUpdate<'_>) -> Result<Group> {
        let sql = format!(
            "UPDATE groups SET title = $1, description = $2, description_html = $3, rules = $4, rules_html = $5, \
             restricted = $6, kind = $7 WHERE id = $8 RETURNING {GROUP_COLUMNS}"
        );
        sqlx::query_as::<_, Group>(AssertSqlSafe(sql))
            .bind(u.title)
            .bind(u.description)
            .bind(u.description_html)
            .bind(u.rules)
            .bind(u.rules_html)
            .bind(u.restricted as i64)
            .bind(u.kind.as_str())
            .bind(group_id)
            .fetch_optional(&self.writer)
            .await?
            .ok_or(StoreError::NotFound("group"))
    }
}
