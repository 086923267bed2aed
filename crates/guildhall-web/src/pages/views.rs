//! What templates see: plain serializable views of the store's rows, with
//! times as both an RFC 3339 stamp (for `<time datetime>`) and a phrase for
//! people ("3 hours ago").

use crate::api::views::time;
use crate::error::AppError;
use guildhall_core::ideas::Stages;
use guildhall_core::ids::{GroupId, ProductId, ReplyId, ThreadId, UserId};
use guildhall_core::kinds::GroupKind;
use guildhall_core::questions::QuestionState;
use guildhall_core::reputation::badges::badge;
use guildhall_db::{Group, Reply, Thread, User, UserSummary};
use serde::Serialize;
use std::collections::HashSet;

/// Replies deeper than this are drawn at this indent (but all are shown).
pub const MAX_INDENT: usize = 8;

#[derive(Serialize)]
pub struct When {
    pub iso: String,
    pub ago: String,
}

pub fn when(ms: i64, now_ms: i64) -> When {
    When {
        iso: time(ms),
        ago: ago(ms, now_ms),
    }
}

/// "just now", "5 minutes ago", "3 days ago", then the date.
pub fn ago(ms: i64, now_ms: i64) -> String {
    let secs = (now_ms - ms).max(0) / 1000;
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    match secs {
        0..60 => "just now".into(),
        60..3600 => plural(secs / 60, "minute"),
        3600..86_400 => plural(secs / 3600, "hour"),
        86_400..2_592_000 => plural(secs / 86_400, "day"),
        _ => chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.format("%-d %b %Y").to_string())
            .unwrap_or_default(),
    }
}

/// "now", "in 40 seconds", "in 5 minutes", "in 1 hour": a time ahead.
pub fn until(ms: i64, now_ms: i64) -> String {
    let secs = (ms - now_ms).max(0) / 1000;
    let plural = |n: i64, unit: &str| format!("in {n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        0 => "now".into(),
        1..60 => plural(secs, "second"),
        60..3600 => plural(secs / 60, "minute"),
        3600..172_800 => plural(secs / 3600, "hour"),
        _ => plural(secs / 86_400, "day"),
    }
}

#[derive(Serialize)]
pub struct UserView {
    pub username: String,
    /// The display name, or the username when there is none.
    pub name: String,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: String,
    pub bio_html: String,
    pub is_admin: bool,
    pub joined: When,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            username: u.username.clone(),
            name: u.display_name.clone().unwrap_or_else(|| u.username.clone()),
            display_name: u.display_name.clone(),
            avatar_url: u.avatar_url.clone(),
            bio: u.bio.clone(),
            bio_html: u.bio_html.clone(),
            is_admin: u.is_admin,
            joined: when(u.created_at, guildhall_db::now_ms()),
        }
    }
}

#[derive(Serialize)]
pub struct SummaryView {
    pub username: String,
    pub name: String,
}

impl From<&UserSummary> for SummaryView {
    fn from(u: &UserSummary) -> Self {
        SummaryView {
            username: u.username.clone(),
            name: u.display_name.clone().unwrap_or_else(|| u.username.clone()),
        }
    }
}

#[derive(Serialize)]
pub struct GroupView {
    pub name: String,
    /// discussion, questions, ideas or reviews.
    pub kind: &'static str,
    /// public, private or hidden.
    pub visibility: &'static str,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub rules: String,
    pub rules_html: String,
    pub member_count: i64,
    pub thread_count: i64,
    pub created: When,
}

impl From<&Group> for GroupView {
    fn from(g: &Group) -> Self {
        GroupView {
            name: g.name.clone(),
            kind: g.kind.as_str(),
            visibility: g.visibility.as_str(),
            title: g.title.clone(),
            description: g.description.clone(),
            description_html: g.description_html.clone(),
            rules: g.rules.clone(),
            rules_html: g.rules_html.clone(),
            member_count: g.member_count,
            thread_count: g.thread_count,
            created: when(g.created_at, guildhall_db::now_ms()),
        }
    }
}

#[derive(Serialize)]
pub struct ThreadView {
    pub id: ThreadId,
    pub group_name: String,
    pub title: String,
    pub author: String,
    pub author_rank: String,
    pub body: String,
    pub body_html: String,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub reply_count: i64,
    pub created: When,
    pub edited: Option<When>,
    pub active: When,
    pub deleted: bool,
    /// Taken down by a moderator (and restorable), not by its author.
    pub removed: bool,
    pub locked: bool,
    /// Why it is locked: for its author and the moderators only (the app
    /// leaves it out for anyone else).
    pub lock_reason: Option<String>,
    pub pinned: bool,
    /// 1, -1, or 0 for no vote.
    pub my_vote: i64,
    /// Whether the viewer wrote it.
    pub mine: bool,
    /// `admin` or `moderator` when the author is staff here (see [`Staff`]).
    pub author_role: Option<&'static str>,
    /// A question's state (`unanswered`, `unsolved`, `solved`); none for
    /// other threads.
    pub state: Option<&'static str>,
    pub accepted_reply_id: Option<ReplyId>,
    pub accepted_by: Option<String>,
    pub accepted: Option<When>,
    /// An idea's stage (key and label; see [`ThreadView::staged`]) and the
    /// idea a merged duplicate repeats.
    pub status: Option<String>,
    pub status_label: Option<String>,
    pub duplicate_of: Option<ThreadId>,
    /// A review's product and stars.
    pub product_id: Option<ProductId>,
    pub rating: Option<i64>,
}

impl ThreadView {
    /// With its idea's stage named, as the instance's stages label it.
    pub fn staged(mut self, t: &Thread, stages: &Stages) -> Self {
        if t.group_kind == GroupKind::Ideas {
            let key = stages.current(t.idea_status.as_deref());
            self.status_label = Some(stages.label(key).to_owned());
            self.status = Some(key.to_owned());
        }
        self
    }

    pub fn new(t: &Thread, viewer: Option<&User>) -> Self {
        let now = guildhall_db::now_ms();
        let deleted = t.deleted_at.is_some();
        ThreadView {
            id: t.id,
            group_name: t.group_name.clone(),
            title: t.title.clone(),
            author: t.author_name.clone(),
            author_rank: t.author_rank.clone(),
            body: if deleted {
                String::new()
            } else {
                t.body.clone()
            },
            body_html: if deleted {
                String::new()
            } else {
                t.body_html.clone()
            },
            score: t.score,
            upvotes: t.upvotes,
            downvotes: t.downvotes,
            reply_count: t.reply_count,
            created: when(t.created_at, now),
            edited: t.edited_at.map(|e| when(e, now)),
            active: when(t.last_activity_at, now),
            deleted,
            removed: t.removed_at.is_some(),
            locked: t.locked_at.is_some(),
            lock_reason: t.lock_reason.clone().filter(|r| !r.is_empty()),
            pinned: t.pinned_at.is_some(),
            my_vote: t.my_vote.unwrap_or(0),
            mine: viewer.is_some_and(|u| u.id == t.author_id),
            author_role: None,
            state: (t.group_kind == GroupKind::Questions)
                .then(|| QuestionState::of(t.answered, t.accepted_reply_id.is_some()).as_str()),
            accepted_reply_id: t.accepted_reply_id,
            accepted_by: t.accepted_by_name.clone(),
            accepted: t.accepted_at.map(|a| when(a, now)),
            status: None,
            status_label: None,
            duplicate_of: t.duplicate_of,
            product_id: t.product_id,
            rating: t.rating,
        }
    }
}

#[derive(Serialize)]
pub struct ReplyView {
    pub id: ReplyId,
    pub thread_id: ThreadId,
    pub parent_id: Option<ReplyId>,
    pub author: String,
    pub author_rank: String,
    pub body: String,
    pub body_html: String,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub created: When,
    pub edited: Option<When>,
    pub deleted: bool,
    /// Taken down by a moderator (and restorable), not by its author.
    pub removed: bool,
    pub my_vote: i64,
    pub mine: bool,
    pub depth: usize,
    /// The depth as drawn: capped at [`MAX_INDENT`].
    pub indent: usize,
    pub author_role: Option<&'static str>,
}

impl ReplyView {
    pub fn new(r: &Reply, depth: usize, viewer: Option<&User>) -> Self {
        let now = guildhall_db::now_ms();
        let deleted = r.deleted_at.is_some();
        ReplyView {
            id: r.id,
            thread_id: r.thread_id,
            parent_id: r.parent_id,
            author: r.author_name.clone(),
            author_rank: r.author_rank.clone(),
            body: if deleted {
                String::new()
            } else {
                r.body.clone()
            },
            body_html: if deleted {
                String::new()
            } else {
                r.body_html.clone()
            },
            score: r.score,
            upvotes: r.upvotes,
            downvotes: r.downvotes,
            created: when(r.created_at, now),
            edited: r.edited_at.map(|e| when(e, now)),
            deleted,
            removed: r.removed_at.is_some(),
            my_vote: r.my_vote.unwrap_or(0),
            mine: viewer.is_some_and(|u| u.id == r.author_id),
            depth,
            indent: depth.min(MAX_INDENT),
            author_role: None,
        }
    }
}

/// Who speaks for the instance or a group, so their posts can say so: the
/// instance's admins and the group's moderators.
pub struct Staff {
    admins: HashSet<UserId>,
    moderators: HashSet<UserId>,
}

impl Staff {
    pub async fn of(store: &guildhall_db::Store, group_id: GroupId) -> Result<Staff, AppError> {
        Ok(Staff {
            admins: store.admin_ids().await?.into_iter().collect(),
            moderators: store
                .moderators(group_id)
                .await?
                .into_iter()
                .map(|m| m.id)
                .collect(),
        })
    }

    /// The mark an author's posts carry here, if any.
    pub fn role(&self, author_id: UserId) -> Option<&'static str> {
        if self.admins.contains(&author_id) {
            Some("admin")
        } else if self.moderators.contains(&author_id) {
            Some("moderator")
        } else {
            None
        }
    }
}

/// A ledger entry's kind in words ("vote_received" with +1 reads "Upvote
/// received"). Unknown kinds (from a newer version) fall back to the key
/// with spaces, never to nothing.
pub fn ledger_words(kind: &str, vote: Option<i64>) -> String {
    let up = vote.unwrap_or(1) > 0;
    let words = match kind {
        "vote_received" if up => "Upvote received",
        "vote_received" => "Downvote received",
        "vote_cast" if up => "Upvote given",
        "vote_cast" => "Downvote given",
        "vote_withdrawn" => "Vote withdrawn",
        "answer_accepted" => "Answer accepted",
        "answer_accepted_by" => "Accepted an answer",
        "answer_withdrawn" => "Accepted answer taken back",
        "idea_staged" => "Idea moved to a new stage",
        "post_removed" => "Post removed by a moderator",
        "post_restored" => "Removed post restored by a moderator",
        "badge_awarded" => "Badge earned",
        "adjustment" => "Adjusted by an admin",
        other => return other.replace('_', " "),
    };
    words.into()
}

/// One line of the profile's reputation history.
#[derive(Serialize)]
pub struct LedgerLine {
    pub when: String,
    pub what: String,
    /// Who or where, and the badge's name or the adjustment's reason.
    pub details: Vec<String>,
    pub points: i64,
}

impl LedgerLine {
    pub fn new(e: &crate::api::views::LedgerEntryView) -> LedgerLine {
        let mut details = Vec::new();
        if let Some(source) = &e.source {
            details.push(source.clone());
        }
        if let Some(group) = &e.group {
            details.push(format!("g/{group}"));
        }
        match (e.kind.as_str(), &e.detail) {
            ("badge_awarded", Some(key)) => details.push(
                badge(key)
                    .map(|b| b.name.to_owned())
                    .unwrap_or_else(|| key.replace('_', " ")),
            ),
            ("vote_withdrawn", _) | (_, None) => {}
            (_, Some(detail)) => details.push(detail.clone()),
        }
        LedgerLine {
            when: e.created_at.get(..16).unwrap_or_default().replace('T', " "),
            what: ledger_words(&e.kind, e.vote),
            details,
            points: e.points,
        }
    }
}

/// A row of the admin's federation table.
#[derive(Serialize)]
pub struct PeerRow {
    pub domain: String,
    pub policy: Option<String>,
    /// `ok`, `failing`, `unreachable` or `blocked`, as the API says.
    pub status: String,
    pub failures: i64,
    pub queued: i64,
    pub last_error: Option<String>,
    pub last_success: Option<When>,
    pub last_failure: Option<When>,
    /// "in 4 minutes", while failing.
    pub next_retry: Option<String>,
}

impl PeerRow {
    pub fn new(i: guildhall_db::InstanceState, now_ms: i64) -> Self {
        let last_failure = i.last_failure_at.map(|t| when(t, now_ms));
        let next_retry = (i.failures > 0).then(|| until(i.next_attempt_at, now_ms));
        let last_success = i.last_success_at.map(|t| when(t, now_ms));
        let api = crate::api::views::PeerView::from(i);
        PeerRow {
            domain: api.domain,
            policy: api.policy,
            status: api.status,
            failures: api.failures,
            queued: api.queued,
            last_error: api.last_error,
            last_success,
            last_failure,
            next_retry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        let now = 1_700_000_000_000;
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now + 5_000, now), "just now");
        assert_eq!(ago(now - 60_000, now), "1 minute ago");
        assert_eq!(ago(now - 5 * 3_600_000, now), "5 hours ago");
        assert_eq!(ago(now - 2 * 86_400_000, now), "2 days ago");
        assert_eq!(ago(0, now), "1 Jan 1970");
    }

    #[test]
    fn every_ledger_kind_reads_as_words() {
        // Every kind the ledger stores.
        for kind in guildhall_core::reputation::ledger::KindName::ALL.map(|k| k.as_str()) {
            let words = ledger_words(kind, Some(1));
            assert!(
                !words.contains('_') && words != kind.replace('_', " "),
                "{kind}: {words}"
            );
        }
        assert_eq!(ledger_words("vote_received", Some(-1)), "Downvote received");
    }

    #[test]
    fn times_ahead_read_naturally() {
        let now = 1_700_000_000_000;
        assert_eq!(until(now - 5_000, now), "now");
        assert_eq!(until(now + 1_000, now), "in 1 second");
        assert_eq!(until(now + 300_000, now), "in 5 minutes");
        assert_eq!(until(now + 3_600_000, now), "in 1 hour");
    }
}
