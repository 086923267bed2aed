//! What the API sends and accepts. Times are RFC 3339 strings in UTC.

use crate::AppState;
use crate::settings::WebSettings;
use guildhall_core::ideas::Stages;
use guildhall_core::ids::ReplyId;
use guildhall_core::kinds::GroupKind;
use guildhall_core::questions::QuestionState;
use guildhall_db::{
    Group, InstanceState, Product, Reply, StatusChange, Tallies, Thread, User, UserSummary,
};
use serde::Serialize;
use utoipa::ToSchema;

mod reputation;
pub use reputation::*;

pub use super::inputs::*;

pub fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    /// Markdown source.
    pub bio: String,
    /// Sanitized HTML rendered from `bio`.
    pub bio_html: String,
    pub avatar_url: Option<String>,
    pub is_admin: bool,
    pub created_at: String,
    /// The profile page.
    pub url: String,
}

impl UserView {
    pub fn new(u: User, s: &WebSettings) -> Self {
        UserView {
            url: format!("{}/u/{}", s.public_url(), u.username),
            id: u.id.get(),
            username: u.username,
            display_name: u.display_name,
            bio: u.bio,
            bio_html: u.bio_html,
            avatar_url: u.avatar_url,
            is_admin: u.is_admin,
            created_at: time(u.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserRef {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
}

impl From<UserSummary> for UserRef {
    fn from(u: UserSummary) -> Self {
        UserRef {
            id: u.id.get(),
            username: u.username,
            display_name: u.display_name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupView {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub rules: String,
    pub rules_html: String,
    /// `discussion`, `questions`, `ideas` or `reviews`.
    pub kind: String,
    /// `public`; `private` (listed, its content for approved members,
    /// joined by request); or `hidden` (found by its members only).
    pub visibility: String,
    pub member_count: i64,
    pub thread_count: i64,
    pub created_at: String,
    /// Starting threads takes trust level TL2 (moderators always may).
    pub restricted: bool,
    pub moderators: Vec<UserRef>,
    /// Whether the caller has joined (false when anonymous).
    pub joined: bool,
    /// Whether the caller asked to join and waits for a moderator (or, in
    /// a remote group, for its Accept).
    pub requested: bool,
    pub url: String,
}

impl GroupView {
    pub fn new(g: Group, moderators: Vec<UserSummary>, joined: bool, s: &WebSettings) -> Self {
        GroupView {
            url: format!("{}/g/{}", s.public_url(), g.name),
            restricted: g.restricted != 0,
            id: g.id.get(),
            name: g.name,
            title: g.title,
            description: g.description,
            description_html: g.description_html,
            rules: g.rules,
            rules_html: g.rules_html,
            kind: g.kind.to_string(),
            visibility: g.visibility.to_string(),
            member_count: g.member_count,
            thread_count: g.thread_count,
            created_at: time(g.created_at),
            moderators: moderators.into_iter().map(UserRef::from).collect(),
            joined,
            requested: false,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThreadView {
    pub id: i64,
    pub group: String,
    pub author: String,
    /// The author's rank here (the configured titles by points).
    pub author_rank: String,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub reply_count: i64,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub last_activity_at: String,
    /// A deleted thread is a tombstone: no text, but its replies remain.
    pub deleted: bool,
    /// Deleted by a moderator rather than its author: it can be restored.
    pub removed: bool,
    /// A locked thread takes no new replies (but its moderators').
    pub locked: bool,
    /// Why it was locked: shown to its author and the group's moderators
    /// only (null for anyone else).
    pub lock_reason: Option<String>,
    /// Pinned to the top of its group.
    pub pinned: bool,
    /// The caller's vote: 1, -1 or null.
    pub my_vote: Option<i64>,
    pub url: String,
    /// Set when the thread is a question (its group's kind is `questions`).
    pub question: Option<QuestionView>,
    /// Set when the thread is an idea (its group's kind is `ideas`).
    pub idea: Option<IdeaView>,
    /// Set when the thread is a review of a product.
    pub review: Option<ReviewView>,
}

/// What a review rates.
#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    pub product_id: i64,
    /// One to five stars.
    pub rating: i64,
}

/// A product and how its reviews rate it.
#[derive(Serialize, ToSchema)]
pub struct ProductView {
    pub id: i64,
    pub group: String,
    pub name: String,
    pub description: String,
    pub description_html: String,
    pub image_url: Option<String>,
    pub link_url: Option<String>,
    pub url: String,
    pub review_count: i64,
    /// The mean rating to one decimal; null without reviews.
    pub average_rating: Option<f64>,
    /// How many reviews gave one, two, three, four and five stars.
    pub distribution: [i64; 5],
}

impl ProductView {
    pub fn new(p: Product, group: &str, s: &WebSettings) -> Self {
        ProductView {
            url: format!("{}/p/{}", s.public_url(), p.id),
            id: p.id.get(),
            group: group.to_owned(),
            name: p.name,
            description: p.description,
            description_html: p.description_html,
            image_url: p.image_url,
            link_url: p.link_url,
            review_count: p.ratings.count(),
            average_rating: p.ratings.average(),
            distribution: p.ratings.counts,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProductList {
    pub products: Vec<ProductView>,
}

/// An idea's stage.
#[derive(Serialize, ToSchema)]
pub struct IdeaView {
    /// The stage's key (`planned`...), and its label (`Planned`).
    pub status: String,
    pub status_label: String,
    /// For a merged duplicate: the idea it repeats.
    pub duplicate_of: Option<i64>,
}

impl IdeaView {
    fn of(t: &Thread, stages: &Stages) -> Option<IdeaView> {
        if t.group_kind != GroupKind::Ideas {
            return None;
        }
        let status = stages.current(t.idea_status.as_deref());
        Some(IdeaView {
            status: status.to_owned(),
            status_label: stages.label(status).to_owned(),
            duplicate_of: t.duplicate_of.map(|d| d.get()),
        })
    }
}

/// One change of an idea's status.
#[derive(Serialize, ToSchema)]
pub struct StatusChangeView {
    pub by: String,
    pub from: String,
    pub to: String,
    /// The official response, as written and as HTML (empty for none).
    pub response: String,
    pub response_html: String,
    pub at: String,
}

impl From<StatusChange> for StatusChangeView {
    fn from(c: StatusChange) -> Self {
        StatusChangeView {
            by: c.by_name,
            from: c.from_status,
            to: c.to_status,
            response: c.response,
            response_html: c.response_html,
            at: time(c.created_at),
        }
    }
}

/// An idea's history, oldest first.
#[derive(Serialize, ToSchema)]
pub struct StatusHistory {
    pub changes: Vec<StatusChangeView>,
}

/// A question's state and accepted answer.
#[derive(Serialize, ToSchema)]
pub struct QuestionView {
    /// `unanswered` (no reply), `unsolved` (no accepted answer) or `solved`.
    pub state: String,
    /// The accepted reply, if any.
    pub accepted_reply_id: Option<i64>,
    /// Who accepted it: the asker or a moderator.
    pub accepted_by: Option<String>,
    pub accepted_at: Option<String>,
}

impl QuestionView {
    fn of(t: &Thread) -> Option<QuestionView> {
        if t.group_kind != GroupKind::Questions {
            return None;
        }
        let accepted = t.accepted_reply_id.is_some();
        Some(QuestionView {
            state: QuestionState::of(t.answered, accepted).as_str().into(),
            accepted_reply_id: t.accepted_reply_id.map(|r| r.get()),
            accepted_by: t.accepted_by_name.clone(),
            accepted_at: t.accepted_at.map(time),
        })
    }
}

impl ThreadView {
    pub fn new(t: Thread, state: &AppState) -> Self {
        ThreadView {
            question: QuestionView::of(&t),
            idea: IdeaView::of(&t, &state.app.settings.stages),
            review: match (t.product_id, t.rating) {
                (Some(p), Some(rating)) => Some(ReviewView {
                    product_id: p.get(),
                    rating,
                }),
                _ => None,
            },
            url: format!("{}/t/{}", state.settings.public_url(), t.id),
            id: t.id.get(),
            group: t.group_name,
            author: t.author_name,
            author_rank: t.author_rank,
            title: t.title,
            body: t.body,
            body_html: t.body_html,
            score: t.score,
            upvotes: t.upvotes,
            downvotes: t.downvotes,
            reply_count: t.reply_count,
            created_at: time(t.created_at),
            edited_at: t.edited_at.map(time),
            last_activity_at: time(t.last_activity_at),
            deleted: t.deleted_at.is_some(),
            removed: t.removed_at.is_some(),
            locked: t.locked_at.is_some(),
            lock_reason: t.lock_reason.clone(),
            pinned: t.pinned_at.is_some(),
            my_vote: t.my_vote,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThreadList {
    pub sort: String,
    pub threads: Vec<ThreadView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReplyView {
    pub id: i64,
    pub thread_id: i64,
    /// The reply this answers; null for a direct reply to the thread.
    pub parent_id: Option<i64>,
    /// Nesting depth in the thread, 0 for direct replies.
    pub depth: usize,
    pub author: String,
    /// The author's rank here (the configured titles by points).
    pub author_rank: String,
    pub body: String,
    pub body_html: String,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub deleted: bool,
    /// Deleted by a moderator rather than its author: it can be restored.
    pub removed: bool,
    pub my_vote: Option<i64>,
}

impl ReplyView {
    pub fn new(r: Reply, depth: usize) -> Self {
        ReplyView {
            id: r.id.get(),
            thread_id: r.thread_id.get(),
            parent_id: r.parent_id.map(ReplyId::get),
            depth,
            author: r.author_name,
            author_rank: r.author_rank,
            body: r.body,
            body_html: r.body_html,
            score: r.score,
            upvotes: r.upvotes,
            downvotes: r.downvotes,
            created_at: time(r.created_at),
            edited_at: r.edited_at.map(time),
            deleted: r.deleted_at.is_some(),
            removed: r.removed_at.is_some(),
            my_vote: r.my_vote,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReplyList {
    /// Depth-first reading order: each reply is followed by its answers.
    pub replies: Vec<ReplyView>,
}

#[derive(Serialize, ToSchema)]
pub struct TalliesView {
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub my_vote: Option<i64>,
}

impl From<Tallies> for TalliesView {
    fn from(t: Tallies) -> Self {
        TalliesView {
            score: t.score,
            upvotes: t.upvotes,
            downvotes: t.downvotes,
            my_vote: t.my_vote,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub user: UserView,
}

#[derive(Serialize, ToSchema)]
pub struct InstanceView {
    pub name: String,
    pub description: String,
    pub logo_url: Option<String>,
    pub domain: String,
    pub registration_open: bool,
    pub version: &'static str,
    /// The stages of an idea here, in order (the first is where ideas start).
    pub idea_stages: Vec<StageView>,
}

#[derive(Serialize, ToSchema)]
pub struct StageView {
    /// As the API and the config's stage points name it (`under_review`).
    pub key: String,
    /// As people read it (`Under review`).
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ModeratorList {
    pub moderators: Vec<UserRef>,
}

#[derive(Serialize, ToSchema)]
pub struct PeerList {
    /// `open` (all but blocked), `allowlist` (only allowed) or `off`.
    pub mode: String,
    pub instances: Vec<PeerView>,
}

/// Another instance: the admin's policy and how delivery to it goes.
#[derive(Serialize, ToSchema)]
pub struct PeerView {
    pub domain: String,
    /// `allow`, `block` or null (the mode decides).
    pub policy: Option<String>,
    /// `ok`, `failing` (retrying with back-off), `unreachable` or `blocked`.
    pub status: String,
    pub last_success_at: Option<String>,
    pub last_failure_at: Option<String>,
    pub last_error: Option<String>,
    /// Failed attempts since the last success.
    pub failures: i64,
    /// When delivery is next tried, while failing.
    pub next_attempt_at: Option<String>,
    pub unreachable_since: Option<String>,
    /// Deliveries waiting in the queue.
    pub queued: i64,
}

impl From<InstanceState> for PeerView {
    fn from(i: InstanceState) -> Self {
        let status = if i.policy.as_deref() == Some("block") {
            "blocked"
        } else {
            i.delivery_state()
        };
        PeerView {
            status: status.into(),
            next_attempt_at: (i.failures > 0).then(|| time(i.next_attempt_at)),
            domain: i.domain,
            policy: i.policy,
            last_success_at: i.last_success_at.map(time),
            last_failure_at: i.last_failure_at.map(time),
            last_error: i.last_error,
            failures: i.failures,
            unreachable_since: i.unreachable_since.map(time),
            queued: i.queued,
        }
    }
}
