//! Actors as federation sees them: keys and addresses of local users and
//! groups, and the remote users and groups we keep copies of.

use crate::error::{Result, StoreError};
use crate::{Store, now_ms};
use guildhall_core::ids::{GroupId, Origin, ThreadId, UserId};
use guildhall_core::kinds::GroupKind;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, FromRow, Row};

/// Identity of a remote thread or reply being stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Federated<'a> {
    /// Its ActivityPub id.
    pub ap_id: &'a str,
    /// When it was published (ms), never later than now.
    pub published: i64,
}

/// A user with the fields federation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct FedUser {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    pub bio_html: String,
    pub avatar_url: Option<String>,
    pub origin: Origin,
    pub ap_id: Option<String>,
    pub inbox: Option<String>,
    pub shared_inbox: Option<String>,
    pub profile_url: Option<String>,
    pub public_key_pem: Option<String>,
    pub private_key_pem: Option<String>,
    pub fetched_at: Option<i64>,
    pub created_at: i64,
}

impl FromRow<'_, AnyRow> for FedUser {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(FedUser {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            bio_html: row.try_get("bio_html")?,
            avatar_url: row.try_get("avatar_url")?,
            origin: row.try_get::<Option<String>, _>("domain")?.into(),
            ap_id: row.try_get("ap_id")?,
            inbox: row.try_get("inbox")?,
            shared_inbox: row.try_get("shared_inbox")?,
            profile_url: row.try_get("profile_url")?,
            public_key_pem: row.try_get("public_key_pem")?,
            private_key_pem: row.try_get("private_key_pem")?,
            fetched_at: row.try_get("fetched_at")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// A group with the fields federation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct FedGroup {
    pub id: GroupId,
    pub name: String,
    pub title: String,
    pub description_html: String,
    pub visibility: guildhall_core::visibility::Visibility,
    pub member_count: i64,
    /// What the group is for (a remote group's, as its actor says).
    pub kind: GroupKind,
    pub origin: Origin,
    pub ap_id: Option<String>,
    pub inbox: Option<String>,
    pub shared_inbox: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub profile_url: Option<String>,
    pub posting_restricted: bool,
    pub public_key_pem: Option<String>,
    pub private_key_pem: Option<String>,
    pub fetched_at: Option<i64>,
    pub created_at: i64,
}

impl FromRow<'_, AnyRow> for FedGroup {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(FedGroup {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            title: row.try_get("title")?,
            description_html: row.try_get("description_html")?,
            visibility: row
                .try_get::<String, _>("visibility")?
                .parse()
                .map_err(|e: guildhall_core::RuleError| sqlx::Error::Decode(e.into()))?,
            member_count: row.try_get("member_count")?,
            kind: GroupKind::try_from(row.try_get::<String, _>("kind")?)
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
            origin: row.try_get::<Option<String>, _>("domain")?.into(),
            ap_id: row.try_get("ap_id")?,
            inbox: row.try_get("inbox")?,
            shared_inbox: row.try_get("shared_inbox")?,
            outbox_url: row.try_get("outbox_url")?,
            followers_url: row.try_get("followers_url")?,
            profile_url: row.try_get("profile_url")?,
            posting_restricted: row.try_get::<i64, _>("posting_restricted")? != 0,
            public_key_pem: row.try_get("public_key_pem")?,
            private_key_pem: row.try_get("private_key_pem")?,
            fetched_at: row.try_get("fetched_at")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// A remote user's profile as fetched, to store.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteUser {
    /// `name@domain`, lower case.
    pub username: String,
    pub display_name: Option<String>,
    pub bio_html: String,
    pub avatar_url: Option<String>,
    pub domain: String,
    pub ap_id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub profile_url: Option<String>,
    pub public_key_pem: String,
}

/// A remote group as fetched, to store.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteGroup {
    /// `name@domain`, lower case.
    pub name: String,
    pub title: String,
    pub description_html: String,
    /// The local member who first looked it up (a group needs a creator);
    /// the first local account when no one did.
    pub creator_id: Option<UserId>,
    pub domain: String,
    pub ap_id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub profile_url: Option<String>,
    pub posting_restricted: bool,
    pub kind: GroupKind,
    pub public_key_pem: String,
    /// Private when it approves its followers; a remote group is never
    /// hidden (we would not know of it).
    pub visibility: guildhall_core::visibility::Visibility,
}

const FED_USER: &str = "SELECT id, username, display_name, bio_html, avatar_url, domain, ap_id, inbox, shared_inbox, \
     profile_url, public_key_pem, private_key_pem, fetched_at, created_at FROM users";
const FED_GROUP: &str = "SELECT id, name, title, description_html, visibility, member_count, kind, domain, ap_id, inbox, \
     shared_inbox, outbox_url, followers_url, profile_url, posting_restricted, public_key_pem, private_key_pem, \
     fetched_at, created_at FROM groups";
/// [`FED_GROUP`]'s columns of `groups g`, for joins.
const FED_GROUP_OF_G: &str = "g.id, g.name, g.title, g.description_html, g.visibility, g.member_count, g.kind, g.domain, \
     g.ap_id, g.inbox, g.shared_inbox, g.outbox_url, g.followers_url, g.profile_url, g.posting_restricted, \
     g.public_key_pem, g.private_key_pem, g.fetched_at, g.created_at";

/// A PEM key pair (PKCS#8 private key, SPKI public key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub public_key_pem: String,
    pub private_key_pem: String,
}

/// Which table an actor is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorTable {
    Users,
    Groups,
}

impl ActorTable {
    fn name(self) -> &'static str {
        match self {
            ActorTable::Users => "users",
            ActorTable::Groups => "groups",
        }
    }
}

impl Store {
    pub async fn fed_user(&self, column: ActorKey<'_>) -> Result<Option<FedUser>> {
        let (sql, value) = match column {
            ActorKey::Id(id) => (format!("{FED_USER} WHERE id = $1"), id.to_string()),
            ActorKey::Name(n) => (format!("{FED_USER} WHERE username = $1"), n.to_owned()),
            ActorKey::ApId(a) => (format!("{FED_USER} WHERE ap_id = $1"), a.to_owned()),
        };
        let q = sqlx::query_as::<_, FedUser>(AssertSqlSafe(sql));
        let q = match column {
            ActorKey::Id(id) => q.bind(id),
            _ => q.bind(value),
        };
        Ok(q.fetch_optional(&self.pool).await?)
    }

    pub async fn fed_group(&self, column: ActorKey<'_>) -> Result<Option<FedGroup>> {
        let sql = match column {
            ActorKey::Id(_) => format!("{FED_GROUP} WHERE id = $1"),
            ActorKey::Name(_) => format!("{FED_GROUP} WHERE name = $1"),
            ActorKey::ApId(_) => format!("{FED_GROUP} WHERE ap_id = $1"),
        };
        let q = sqlx::query_as::<_, FedGroup>(AssertSqlSafe(sql));
        let q = match column {
            ActorKey::Id(id) => q.bind(id),
            ActorKey::Name(v) | ActorKey::ApId(v) => q.bind(v.to_owned()),
        };
        Ok(q.fetch_optional(&self.pool).await?)
    }

    /// Stores a local actor's key pair (at creation, or for rows made before
    /// federation existed).
    pub async fn set_keys(&self, table: ActorTable, id: i64, keys: &KeyPair) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET public_key_pem = $1, private_key_pem = $2 WHERE id = $3 AND domain IS NULL",
            table.name()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(&keys.public_key_pem)
            .bind(&keys.private_key_pem)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Local actors that have no key pair yet.
    pub async fn actors_without_keys(&self, table: ActorTable) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT id FROM {} WHERE domain IS NULL AND public_key_pem IS NULL ORDER BY id",
            table.name()
        );
        Ok(sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?)
    }

    /// The instance actor's keys, made by `make` the first time.
    pub async fn instance_keys(&self, make: impl FnOnce() -> KeyPair) -> Result<KeyPair> {
        if let Some(keys) = self.read_instance_keys().await? {
            return Ok(keys);
        }
        let keys = make();
        sqlx::query(
            "INSERT INTO instance_actor (id, public_key_pem, private_key_pem, created_at) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&keys.public_key_pem)
        .bind(&keys.private_key_pem)
        .bind(now_ms())
        .execute(&self.writer)
        .await?;
        // Another process may have won the race: its keys are the ones kept.
        self.read_instance_keys()
            .await?
            .ok_or(StoreError::NotFound("instance actor"))
    }

    async fn read_instance_keys(&self) -> Result<Option<KeyPair>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT public_key_pem, private_key_pem FROM instance_actor WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(public_key_pem, private_key_pem)| KeyPair {
            public_key_pem,
            private_key_pem,
        }))
    }

    /// Inserts or refreshes the copy of a remote user, keyed by its id.
    pub async fn upsert_remote_user(&self, u: &RemoteUser) -> Result<FedUser> {
        sqlx::query(
            "INSERT INTO users (username, password_hash, display_name, bio, bio_html, avatar_url, domain, ap_id, \
             inbox, shared_inbox, profile_url, public_key_pem, fetched_at, created_at) \
             VALUES ($1, '', $2, '', $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             ON CONFLICT (ap_id) DO UPDATE SET display_name = excluded.display_name, bio_html = excluded.bio_html, \
             avatar_url = excluded.avatar_url, inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, \
             profile_url = excluded.profile_url, public_key_pem = excluded.public_key_pem, fetched_at = excluded.fetched_at",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.bio_html)
        .bind(&u.avatar_url)
        .bind(&u.domain)
        .bind(&u.ap_id)
        .bind(&u.inbox)
        .bind(&u.shared_inbox)
        .bind(&u.profile_url)
        .bind(&u.public_key_pem)
        .bind(now_ms())
        .execute(&self.writer)
        .await
        .map_err(|e| StoreError::taken_or(e, format!("the name {} is taken", u.username)))?;
        self.fed_user(ActorKey::ApId(&u.ap_id))
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    /// Inserts or refreshes the copy of a remote group, keyed by its id.
    pub async fn upsert_remote_group(&self, g: &RemoteGroup) -> Result<FedGroup> {
        sqlx::query(
            "INSERT INTO groups (name, title, description, description_html, creator_id, domain, ap_id, inbox, \
             shared_inbox, outbox_url, followers_url, profile_url, posting_restricted, public_key_pem, fetched_at, created_at, kind, visibility) \
             VALUES ($1, $2, '', $3, COALESCE($4, (SELECT MIN(id) FROM users WHERE domain IS NULL)), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16) \
             ON CONFLICT (ap_id) DO UPDATE SET title = excluded.title, description_html = excluded.description_html, \
             inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, outbox_url = excluded.outbox_url, \
             followers_url = excluded.followers_url, profile_url = excluded.profile_url, \
             posting_restricted = excluded.posting_restricted, public_key_pem = excluded.public_key_pem, \
             fetched_at = excluded.fetched_at, kind = excluded.kind, visibility = excluded.visibility",
        )
        .bind(&g.name)
        .bind(&g.title)
        .bind(&g.description_html)
        .bind(g.creator_id)
        .bind(&g.domain)
        .bind(&g.ap_id)
        .bind(&g.inbox)
        .bind(&g.shared_inbox)
        .bind(&g.outbox_url)
        .bind(&g.followers_url)
        .bind(&g.profile_url)
        .bind(g.posting_restricted as i64)
        .bind(&g.public_key_pem)
        .bind(now_ms())
        .bind(g.kind.as_str())
        .bind(g.visibility.as_str())
        .execute(&self.writer)
        .await
        .map_err(|e| StoreError::taken_or(e, format!("the name {} is taken", g.name)))?;
        self.fed_group(ActorKey::ApId(&g.ap_id))
            .await?
            .ok_or(StoreError::NotFound("group"))
    }

    /// The thread or reply stored under an ActivityPub id, in one query.
    pub async fn post_by_ap_id(&self, ap_id: &str) -> Result<Option<(PostTable, i64)>> {
        let found: Option<(i64, i64)> = sqlx::query_as(
            "SELECT CAST(0 AS BIGINT), id FROM threads WHERE ap_id = $1 \
             UNION ALL SELECT CAST(1 AS BIGINT), id FROM replies WHERE ap_id = $1 LIMIT 1",
        )
        .bind(ap_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(|(table, id)| {
            let table = if table == 0 {
                PostTable::Threads
            } else {
                PostTable::Replies
            };
            (table, id)
        }))
    }

    /// Where a thread or reply lives, with its group, in one query: inbound
    /// activities about a post need this before anything else.
    pub async fn post_place(
        &self,
        table: PostTable,
        id: i64,
    ) -> Result<Option<(PostPlace, FedGroup)>> {
        let place = match table {
            PostTable::Threads => {
                "SELECT id AS thread_id, author_id, deleted_at, group_id FROM threads WHERE id = $1"
            }
            PostTable::Replies => {
                "SELECT r.thread_id, r.author_id, r.deleted_at, t.group_id \
                 FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.id = $1"
            }
        };
        let sql = format!(
            "SELECT p.thread_id AS place_thread, p.author_id AS place_author, \
             p.deleted_at AS place_deleted, {FED_GROUP_OF_G} \
             FROM ({place}) p JOIN groups g ON g.id = p.group_id"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let group = FedGroup::from_row(&row)?;
        let deleted: Option<i64> = row.try_get("place_deleted")?;
        let place = PostPlace {
            thread_id: row.try_get("place_thread")?,
            author_id: row.try_get("place_author")?,
            deleted: deleted.is_some(),
            group_id: group.id,
        };
        Ok(Some((place, group)))
    }

    /// The ActivityPub id of a thread or reply; `None` for local posts.
    pub async fn ap_id_of(&self, table: PostTable, id: i64) -> Result<Option<String>> {
        let sql = format!("SELECT ap_id FROM {} WHERE id = $1", table.name());
        let found: Option<Option<String>> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.flatten())
    }

    /// The remote followers of a group (actor ids), for its followers collection.
    pub async fn remote_follower_count(&self, group_id: GroupId) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM group_members m JOIN users u ON u.id = m.user_id \
             WHERE m.group_id = $1 AND m.pending = 0 AND u.domain IS NOT NULL",
        )
        .bind(group_id)
        .fetch_one(&self.pool)
        .await?)
    }
}

/// How an actor is looked up.
#[derive(Debug, Clone, Copy)]
pub enum ActorKey<'a> {
    Id(i64),
    Name(&'a str),
    ApId(&'a str),
}

/// Which post table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostTable {
    Threads,
    Replies,
}

impl PostTable {
    fn name(self) -> &'static str {
        match self {
            PostTable::Threads => "threads",
            PostTable::Replies => "replies",
        }
    }
}

/// A post's thread, author and group ([`Store::post_place`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostPlace {
    pub thread_id: ThreadId,
    pub author_id: UserId,
    pub deleted: bool,
    pub group_id: GroupId,
}

/// Usage counts for NodeInfo (local accounts and posts only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub users: i64,
    pub active_month: i64,
    pub active_halfyear: i64,
    pub local_posts: i64,
    pub local_comments: i64,
}

impl Store {
    pub async fn usage(&self, now: i64) -> Result<Usage> {
        let day = 86_400_000i64;
        let active = |since: i64| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM users u WHERE u.domain IS NULL AND (u.created_at >= $1 \
                 OR EXISTS (SELECT 1 FROM threads t WHERE t.author_id = u.id AND t.created_at >= $1) \
                 OR EXISTS (SELECT 1 FROM replies r WHERE r.author_id = u.id AND r.created_at >= $1))",
            )
            .bind(since)
            .fetch_one(&self.pool)
        };
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.pool);
        Ok(Usage {
            users: count("SELECT COUNT(*) FROM users WHERE domain IS NULL").await?,
            active_month: active(now - 30 * day).await?,
            active_halfyear: active(now - 180 * day).await?,
            local_posts: count(
                "SELECT COUNT(*) FROM threads WHERE ap_id IS NULL AND deleted_at IS NULL",
            )
            .await?,
            local_comments: count(
                "SELECT COUNT(*) FROM replies WHERE ap_id IS NULL AND deleted_at IS NULL",
            )
            .await?,
        })
    }
}
