//! What the API sends and accepts. Times are RFC 3339 strings in UTC.

use crate::settings::WebSettings;
use guildhall_db::{Group, InstanceState, Reply, Tallies, Thread, User, UserSummary};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
            id: u.id,
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
            id: u.id,
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
    /// `discussion` for now; `questions`, `ideas` and `reviews` come later.
    pub kind: String,
    /// `public` for now; `private` comes later.
    pub visibility: String,
    pub member_count: i64,
    pub thread_count: i64,
    pub created_at: String,
    /// Starting threads takes trust level TL2 (moderators always may).
    pub restricted: bool,
    pub moderators: Vec<UserRef>,
    /// Whether the caller has joined (false when anonymous).
    pub joined: bool,
    pub url: String,
}

impl GroupView {
    pub fn new(g: Group, moderators: Vec<UserSummary>, joined: bool, s: &WebSettings) -> Self {
        GroupView {
            url: format!("{}/g/{}", s.public_url(), g.name),
            restricted: g.restricted != 0,
            id: g.id,
            name: g.name,
            title: g.title,
            description: g.description,
            description_html: g.description_html,
            rules: g.rules,
            rules_html: g.rules_html,
            kind: g.kind,
            visibility: g.visibility,
            member_count: g.member_count,
            thread_count: g.thread_count,
            created_at: time(g.created_at),
            moderators: moderators.into_iter().map(UserRef::from).collect(),
            joined,
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
    /// The caller's vote: 1, -1 or null.
    pub my_vote: Option<i64>,
    pub url: String,
}

impl ThreadView {
    pub fn new(t: Thread, s: &WebSettings) -> Self {
        ThreadView {
            url: format!("{}/t/{}", s.public_url(), t.id),
            id: t.id,
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
    pub my_vote: Option<i64>,
}

impl ReplyView {
    pub fn new(r: Reply, depth: usize) -> Self {
        ReplyView {
            id: r.id,
            thread_id: r.thread_id,
            parent_id: r.parent_id,
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

/// A member's reputation here.
#[derive(Serialize, ToSchema)]
pub struct ReputationView {
    pub username: String,
    /// Points in all.
    pub points: i64,
    /// The title those points earn (the configured ranks).
    pub rank: String,
    /// 0 to 4 (TL0–TL4).
    pub trust_level: u8,
    pub groups: Vec<GroupPointsView>,
    pub badges: Vec<BadgeView>,
    /// The latest ledger entries, newest first: only for the member
    /// themselves and admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger: Option<Vec<LedgerEntryView>>,
    /// For a remote member: the reputation attestations they hold from
    /// their home instance, verified on receipt, with how each stands here
    /// (left out when the partner policy hides imported reputation).
    pub attestations: Vec<AttestationView>,
}

/// A partner's attestation of its member, as this instance judges it.
#[derive(Serialize, ToSchema)]
pub struct AttestationView {
    /// The issuing instance, e.g. `brand-a.example`.
    pub issuer: String,
    /// The attestation's id (its URL at the issuer).
    pub id: String,
    pub rank: String,
    pub points: i64,
    /// The trust level attested there.
    pub trust_level: u8,
    /// `verified` (applies here), `unverified policy` (this instance does
    /// not trust the issuer: changes nothing), `expired` or `revoked`.
    pub status: String,
    pub valid_until: String,
    /// The trust level it grants here, capped by the partner policy, when
    /// it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants_trust_level: Option<u8>,
    /// One line for people, e.g. "Expert at brand-a.example, 1,240 points,
    /// verified, valid until 2026-12-24".
    pub summary: String,
}

impl AttestationView {
    fn new(
        (held, partner): (
            guildhall_db::ImportedAttestation,
            Option<guildhall_db::Partner>,
        ),
    ) -> Option<AttestationView> {
        use guildhall_core::attestation::Held;
        if partner.as_ref().is_some_and(|p| !p.show_imported) {
            return None;
        }
        let status = Held::of(
            held.revoked_at.is_some(),
            held.valid_until,
            guildhall_db::now_ms(),
            partner.is_some(),
        );
        let valid_until = time(held.valid_until);
        let summary = format!(
            "{} at {}, {} points, {}, valid until {}",
            held.rank_title,
            held.domain,
            thousands(held.points),
            status.label(),
            &valid_until[..10]
        );
        Some(AttestationView {
            grants_trust_level: (status == Held::Verified).then(|| {
                held.trust_level
                    .min(partner.as_ref().map_or(0, |p| p.max_trust_level))
                    .clamp(0, 4) as u8
            }),
            issuer: held.domain,
            id: held.ap_id,
            rank: held.rank_title,
            points: held.points,
            trust_level: held.trust_level.clamp(0, 4) as u8,
            status: status.label().into(),
            valid_until,
            summary,
        })
    }
}

/// 1240 as "1,240".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A partner instance's trust policy.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct PartnerView {
    pub domain: String,
    /// How much its members' votes weigh here, 0 to 1.
    pub trust_weight: f64,
    /// The highest trust level (0–4) its attestations grant here.
    pub max_trust_level: u8,
    /// Whether its attested reputation is shown on profiles.
    pub show_imported: bool,
}

impl From<guildhall_db::Partner> for PartnerView {
    fn from(p: guildhall_db::Partner) -> PartnerView {
        PartnerView {
            domain: p.domain,
            trust_weight: p.trust_percent as f64 / 100.0,
            max_trust_level: p.max_trust_level.clamp(0, 4) as u8,
            show_imported: p.show_imported,
        }
    }
}

/// What an admin did to a member's attestation.
#[derive(Serialize, ToSchema)]
pub struct AttestationAction {
    pub username: String,
    /// `withdrawn` or `issued`.
    pub attestation: String,
    /// How many were revoked, when withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupPointsView {
    pub group: String,
    pub points: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BadgeView {
    /// Stable key, e.g. `first_reply`.
    pub key: String,
    pub name: String,
    /// `bronze`, `silver` or `gold`.
    pub tier: String,
    pub description: String,
    pub awarded_at: String,
    /// The post that earned it, for post badges: `thread` or `reply`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub id: i64,
    /// `vote_received`, `vote_cast`, `vote_withdrawn`, `answer_accepted`,
    /// `answer_accepted_by`, `idea_staged`, `post_removed`, `badge_awarded`
    /// or `adjustment`.
    pub kind: String,
    /// +1 or -1 for votes.
    pub vote: Option<i64>,
    pub points: i64,
    pub group: Option<String>,
    /// Who caused it: the voter, moderator or admin.
    pub source: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    /// An adjustment's reason, a badge's key.
    pub detail: Option<String>,
    pub created_at: String,
}

impl ReputationView {
    pub fn new(
        user: &User,
        r: guildhall_db::MemberReputation,
        ledger: Option<Vec<guildhall_db::LedgerRow>>,
    ) -> ReputationView {
        use guildhall_core::reputation::badges::badge;
        ReputationView {
            username: user.username.clone(),
            points: r.total,
            rank: r.rank,
            trust_level: r.trust_level.into(),
            groups: r
                .groups
                .into_iter()
                .map(|g| GroupPointsView {
                    group: g.group_name,
                    points: g.points,
                })
                .collect(),
            badges: r
                .badges
                .into_iter()
                .filter_map(|b| {
                    let known = badge(&b.badge)?;
                    let on_post = !b.object_type.is_empty();
                    Some(BadgeView {
                        key: b.badge,
                        name: known.name.into(),
                        tier: serde_json::to_value(known.tier).ok()?.as_str()?.to_owned(),
                        description: known.description.into(),
                        awarded_at: time(b.awarded_at),
                        object_type: on_post.then_some(b.object_type),
                        object_id: on_post.then_some(b.object_id),
                    })
                })
                .collect(),
            attestations: r
                .attestation
                .and_then(AttestationView::new)
                .into_iter()
                .collect(),
            ledger: ledger.map(|rows| {
                rows.into_iter()
                    .map(|l| LedgerEntryView {
                        id: l.id,
                        kind: l.kind,
                        vote: l.vote,
                        points: l.points,
                        group: l.group_name,
                        source: l.source_name,
                        object_type: l.object_type,
                        object_id: l.object_id,
                        detail: l.detail,
                        created_at: time(l.created_at),
                    })
                    .collect()
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LeaderboardView {
    /// The group, or absent for the instance-wide board.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub period: String,
    pub standings: Vec<StandingView>,
}

#[derive(Serialize, ToSchema)]
pub struct StandingView {
    pub position: usize,
    pub username: String,
    pub display_name: Option<String>,
    pub points: i64,
    /// The rank the member's total points earn.
    pub rank: String,
}

impl LeaderboardView {
    pub fn new(
        store: &guildhall_db::Store,
        group: Option<String>,
        period: guildhall_db::Period,
        standings: Vec<guildhall_db::Standing>,
    ) -> LeaderboardView {
        LeaderboardView {
            group,
            period: period.as_str().into(),
            standings: standings
                .into_iter()
                .enumerate()
                .map(|(i, s)| StandingView {
                    position: i + 1,
                    rank: store.rank_title(s.points).to_owned(),
                    username: s.username,
                    display_name: s.display_name,
                    points: s.points,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FlagList {
    pub flags: Vec<FlagView>,
}

#[derive(Serialize, ToSchema)]
pub struct FlagView {
    pub id: i64,
    /// `thread` or `reply`.
    pub object_type: String,
    pub object_id: i64,
    /// The thread it is (in), and its title.
    pub thread_id: i64,
    pub thread_title: String,
    /// Who flagged it.
    pub by: String,
    pub reason: String,
    pub created_at: String,
}

impl From<guildhall_db::Flag> for FlagView {
    fn from(f: guildhall_db::Flag) -> FlagView {
        FlagView {
            id: f.id,
            object_type: f.object_type,
            object_id: f.object_id,
            thread_id: f.thread_id,
            thread_title: f.thread_title,
            by: f.username,
            reason: f.reason,
            created_at: time(f.created_at),
        }
    }
}
