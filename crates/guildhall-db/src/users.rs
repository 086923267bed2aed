use crate::error::{Result, StoreError};
use crate::{Store, now_ms};
use guildhall_core::ids::{Origin, UserId};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, FromRow, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: String,
    pub bio_html: String,
    pub avatar_url: Option<String>,
    pub is_admin: bool,
    pub created_at: i64,
    /// An account here, or a copy of a user on another instance.
    pub origin: Origin,
    /// Banned from the instance since then, if so.
    pub banned_at: Option<i64>,
    /// Suspended until then, if so (possibly a time now past).
    pub suspended_until: Option<i64>,
}

impl User {
    /// The end of a suspension still in force at `now`.
    pub fn suspended_at(&self, now: i64) -> Option<i64> {
        self.suspended_until.filter(|&until| until > now)
    }
}

impl FromRow<'_, AnyRow> for User {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(User {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            bio: row.try_get("bio")?,
            bio_html: row.try_get("bio_html")?,
            avatar_url: row.try_get("avatar_url")?,
            // Flags are 0/1 BIGINTs in both stores.
            is_admin: row.try_get::<i64, _>("is_admin")? != 0,
            created_at: row.try_get("created_at")?,
            origin: row.try_get::<Option<String>, _>("domain")?.into(),
            banned_at: row.try_get("banned_at")?,
            suspended_until: row.try_get("suspended_until")?,
        })
    }
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.bio, u.bio_html, u.avatar_url, u.is_admin, u.created_at, u.domain, u.banned_at, u.suspended_until";

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub display_name: Option<&'a str>,
    pub is_admin: bool,
    /// Make this account an admin if it is the instance's first.
    pub first_is_admin: bool,
    /// The member's actor keys, stored in the same statement (`None` only
    /// for members that never federate: store tests and benches).
    pub keys: Option<&'a crate::KeyPair>,
}

pub struct ProfileUpdate<'a> {
    pub display_name: Option<&'a str>,
    pub bio: &'a str,
    pub bio_html: &'a str,
    pub avatar_url: Option<&'a str>,
}

/// Who a moderator or author is, for display.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct UserSummary {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
}

impl Store {
    /// Creates an account. The username must already be normalized
    /// (`guildhall_core::names::username`); a taken one is `Taken`.
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User> {
        // One statement, so "first account" is decided atomically on SQLite.
        let sql = format!(
            "INSERT INTO users (username, password_hash, display_name, is_admin, created_at, public_key_pem, private_key_pem) \
             VALUES ($1, $2, $3, CASE WHEN $4 = 1 OR ($5 = 1 AND NOT EXISTS (SELECT 1 FROM users)) THEN 1 ELSE 0 END, $6, $7, $8) \
             RETURNING {}",
            USER_COLUMNS.replace("u.", "")
        );
        sqlx::query_as::<_, User>(AssertSqlSafe(sql))
            .bind(new.username)
            .bind(new.password_hash)
            .bind(new.display_name)
            .bind(new.is_admin as i64)
            .bind(new.first_is_admin as i64)
            .bind(now_ms())
            .bind(new.keys.map(|k| k.public_key_pem.as_str()))
            .bind(new.keys.map(|k| k.private_key_pem.as_str()))
            .fetch_one(&self.writer)
            .await
            .map_err(|e| {
                StoreError::taken_or(e, format!("the username {:?} is taken", new.username))
            })
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1");
        Ok(sqlx::query_as::<_, User>(AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        Ok(sqlx::query_as::<_, User>(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The instance's admins, for marking their posts as staff.
    pub async fn admin_ids(&self) -> Result<Vec<UserId>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM users WHERE is_admin <> 0 ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The account and its password hash, for login.
    pub async fn credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let Some(user) = self.user_by_name(username).await? else {
            return Ok(None);
        };
        let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some((user, hash)))
    }

    pub async fn update_profile(&self, user_id: UserId, p: ProfileUpdate<'_>) -> Result<User> {
        let sql = format!(
            "UPDATE users SET display_name = $1, bio = $2, bio_html = $3, avatar_url = $4 WHERE id = $5 RETURNING {}",
            USER_COLUMNS.replace("u.", "")
        );
        sqlx::query_as::<_, User>(AssertSqlSafe(sql))
            .bind(p.display_name)
            .bind(p.bio)
            .bind(p.bio_html)
            .bind(p.avatar_url)
            .bind(user_id)
            .fetch_optional(&self.writer)
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    pub async fn set_admin(&self, user_id: UserId, is_admin: bool) -> Result<()> {
        sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2")
            .bind(is_admin as i64)
            .bind(user_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
