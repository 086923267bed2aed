//! Rows as the rest of Guildhall sees them. Times are Unix milliseconds.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: String,
    pub bio_html: String,
    pub avatar_url: Option<String>,
    pub is_admin: bool,
    pub created_at: i64,
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
        })
    }
}

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.bio, u.bio_html, u.avatar_url, u.is_admin, u.created_at";

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
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub rules: String,
    pub rules_html: String,
    pub kind: String,
    pub visibility: String,
    pub creator_id: i64,
    pub member_count: i64,
    pub thread_count: i64,
    pub created_at: i64,
    /// 1 when starting threads takes TL2 (moderators always may).
    pub restricted: i64,
}

pub struct NewGroup<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub description_html: &'a str,
    pub rules: &'a str,
    pub rules_html: &'a str,
    pub creator_id: i64,
    /// The group's actor keys, stored in the same transaction (`None`
    /// only for groups that never federate: store tests and benches).
    pub keys: Option<&'a crate::KeyPair>,
}

pub struct GroupUpdate<'a> {
    pub restricted: bool,
    pub title: &'a str,
    pub description: &'a str,
    pub description_html: &'a str,
    pub rules: &'a str,
    pub rules_html: &'a str,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Thread {
    pub id: i64,
    pub group_id: i64,
    pub group_name: String,
    pub author_id: i64,
    pub author_name: String,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub reply_count: i64,
    pub hot_rank: f64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub last_activity_at: i64,
    pub deleted_at: Option<i64>,
    /// The viewer's vote (1, -1), if a viewer was given and voted.
    pub my_vote: Option<i64>,
    /// The author's points here, and the rank they earn (shown by the name).
    pub author_points: i64,
    #[sqlx(skip)]
    pub author_rank: String,
}

pub struct NewThread<'a> {
    pub group_id: i64,
    pub author_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
}

/// One page of a listing and the cursor for the next, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<guildhall_core::cursor::Cursor>,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Reply {
    pub id: i64,
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub body_html: String,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub my_vote: Option<i64>,
    pub author_points: i64,
    #[sqlx(skip)]
    pub author_rank: String,
}

/// A post whose author's rank is shown beside their name.
pub(crate) trait Authored {
    fn rank_from(&mut self, rules: &guildhall_core::reputation::Rules);
}

macro_rules! authored {
    ($($t:ty),*) => {$(
        impl Authored for $t {
            fn rank_from(&mut self, rules: &guildhall_core::reputation::Rules) {
                self.author_rank =
                    guildhall_core::reputation::ranks::rank_for(&rules.ranks, self.author_points)
                        .title
                        .clone();
            }
        }
    )*};
}
authored!(Thread, Reply);

pub struct NewReply<'a> {
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub body: &'a str,
    pub body_html: &'a str,
}

/// Tallies of an object after a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tallies {
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub my_vote: Option<i64>,
}

/// Identity of a remote thread or reply being stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Federated<'a> {
    /// Its ActivityPub id.
    pub ap_id: &'a str,
    /// When it was published (ms), never later than now.
    pub published: i64,
}

/// A user with the fields federation needs. `domain` is `None` for local users.
#[derive(Debug, Clone, PartialEq)]
pub struct FedUser {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub bio_html: String,
    pub avatar_url: Option<String>,
    pub domain: Option<String>,
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
            domain: row.try_get("domain")?,
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

/// A group with the fields federation needs. `domain` is `None` for local groups.
#[derive(Debug, Clone, PartialEq)]
pub struct FedGroup {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description_html: String,
    pub visibility: String,
    pub member_count: i64,
    pub domain: Option<String>,
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
            visibility: row.try_get("visibility")?,
            member_count: row.try_get("member_count")?,
            domain: row.try_get("domain")?,
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
    pub creator_id: Option<i64>,
    pub domain: String,
    pub ap_id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub profile_url: Option<String>,
    pub posting_restricted: bool,
    pub public_key_pem: String,
}

/// Which stretch of time a leaderboard sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    All,
    /// The last 30 days, today included.
    Month,
    /// The last 7 days, today included.
    Week,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "all" => Some(Period::All),
            "month" => Some(Period::Month),
            "week" => Some(Period::Week),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::All => "all",
            Period::Month => "month",
            Period::Week => "week",
        }
    }

    /// Days summed, or `None` for all time.
    pub fn days(self) -> Option<i64> {
        match self {
            Period::All => None,
            Period::Month => Some(30),
            Period::Week => Some(7),
        }
    }
}

/// One line of a leaderboard.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Standing {
    pub user_id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub points: i64,
}

/// A member's points in one group.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct GroupPoints {
    pub group_id: i64,
    pub group_name: String,
    pub points: i64,
}

/// A badge a member holds.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct HeldBadge {
    pub badge: String,
    /// "thread" or "reply" for a post badge, "" otherwise.
    pub object_type: String,
    pub object_id: i64,
    pub granted_by: Option<i64>,
    pub awarded_at: i64,
}

/// A member's standing: what profiles and the API show.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberReputation {
    pub user_id: i64,
    pub total: i64,
    pub groups: Vec<GroupPoints>,
    pub rank: String,
    pub trust_level: guildhall_core::reputation::TrustLevel,
    pub badges: Vec<HeldBadge>,
    pub banned: bool,
    /// For a remote member: the attestation their home instance sent, and
    /// our policy for that instance (None: not a partner).
    pub attestation: Option<(crate::ImportedAttestation, Option<crate::Partner>)>,
}

/// One ledger row as the history shows it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct LedgerRow {
    pub id: i64,
    pub kind: String,
    pub vote: Option<i64>,
    pub points: i64,
    pub group_name: Option<String>,
    pub source_name: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub detail: Option<String>,
    pub created_at: i64,
}
