//! What the API accepts: request bodies (each a JSON object, see
//! `extract::ApiJson`) and query strings. Their bounds are written into the
//! OpenAPI document from the enforcing rules by `doc::add_bounds`.

use guildhall_app::partners::Terms;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    /// 1–30 characters of a-z, 0-9 and _ (folded to lower case).
    pub username: String,
    /// 8–256 characters.
    pub password: String,
    pub display_name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    pub display_name: Option<String>,
    /// Markdown.
    pub bio: Option<String>,
    /// http(s) URL; empty string clears it.
    pub avatar_url: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupCreate {
    pub name: String,
    pub title: String,
    /// `discussion` (the default), `questions`, `ideas` or `reviews`.
    pub kind: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub rules: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub rules: Option<String>,
    /// Whether starting threads takes trust level TL2 (moderators always may).
    pub restricted: Option<bool>,
    /// `discussion`, `questions`, `ideas` or `reviews`; only admins change it.
    pub kind: Option<String>,
    /// `public`, `private` (content for approved members; joining by
    /// request) or `hidden` (found by its members only); logged.
    pub visibility: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModeratorInput {
    pub username: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadCreate {
    pub title: String,
    /// Markdown.
    pub body: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadPatch {
    pub title: Option<String>,
    pub body: Option<String>,
    /// A review's new stars, a whole number from 1 to 5.
    #[schema(value_type = Option<i64>)]
    pub rating: Option<serde_json::Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyCreate {
    /// Markdown.
    pub body: String,
    /// Answer this reply instead of the thread.
    pub parent_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyPatch {
    pub body: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteInput {
    /// 1 or -1.
    pub value: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `hot` (default), `new`, `old` (oldest first), `active` or `top`.
    pub sort: Option<String>,
    /// With `sort=top`: `day`, `week`, `month` or `all` (default).
    pub t: Option<String>,
    /// Only questions in this state: `unanswered` (no reply), `unsolved`
    /// (no accepted answer, unanswered ones included) or `solved`. With
    /// `sort=old`, `unsolved` is the support team's "needs an answer" queue.
    pub state: Option<String>,
    /// Only ideas at this stage (a key of the instance's stages, e.g.
    /// `planned`; see `GET /api/v1/instance`).
    pub status: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Threads per page, 1 to the configured maximum (100 by default).
    pub limit: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstancePolicy {
    /// `allow`, `block`, or null to clear.
    pub policy: Option<String>,
}

// The config file's `[[federation.partners]]` tables take these fields
// too, beside `domain` (`guildhall::config::PartnerConfig` flattens this
// struct), so the two cannot drift apart. Doc comments here are the OpenAPI
// document's text: keep other notes in plain comments.
/// A partner policy to set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    /// 0 to 1.
    pub trust_weight: f64,
    /// 0 to 4.
    pub max_trust_level: u8,
    #[serde(default = "yes")]
    pub show_imported: bool,
}

impl From<PartnerInput> for Terms {
    fn from(input: PartnerInput) -> Terms {
        Terms {
            trust_weight: input.trust_weight,
            max_trust_level: input.max_trust_level,
            show_imported: input.show_imported,
        }
    }
}

/// Why an admin withdraws a member's attestation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    pub reason: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// `all` (default), `month` (the last 30 days) or `week` (the last 7).
    pub period: Option<String>,
    /// 1 to 100; 10 by default.
    pub limit: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustInput {
    /// Points to add (negative to take), not 0.
    pub points: i64,
    /// Why: kept in the member's ledger.
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BadgeInput {
    /// A badge granted rather than earned: `recognized`.
    pub badge: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderInput {
    pub leader: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagInput {
    /// Why the moderators should look: 1 to 500 characters.
    pub reason: String,
}

fn yes() -> bool {
    true
}

/// The reply to accept as a question's answer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// A reply in the question's thread.
    pub reply_id: i64,
}

/// An idea's new status, with the team's official response.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// A stage key of this instance (`new`, `under_review`, `planned`...).
    pub status: String,
    /// Markdown, shown highlighted on the idea; may be empty.
    #[serde(default)]
    pub response: String,
}

/// The idea a duplicate repeats.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The idea (thread id) this one duplicates, in the same group.
    pub into: i64,
    /// Markdown, shown highlighted on the duplicate; may be empty.
    #[serde(default)]
    pub response: String,
}

/// A product of a reviews group.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductCreate {
    /// One line, 1 to 100 characters.
    pub name: String,
    /// Markdown.
    #[serde(default)]
    pub description: String,
    /// An http(s) URL of its picture.
    #[serde(default)]
    pub image_url: String,
    /// An http(s) URL of its page.
    #[serde(default)]
    pub link_url: String,
}

/// A product's fields to change; absent fields stay as they are (an empty
/// URL removes it).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub link_url: Option<String>,
}

/// A review of a product.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewCreate {
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Stars, a whole number from 1 to 5.
    #[schema(value_type = i64, minimum = 1, maximum = 5)]
    pub rating: serde_json::Value,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// `helpful` (most helpful votes first, the default), `new`, `high`
    /// (highest rating first) or `low`.
    pub sort: Option<String>,
}
