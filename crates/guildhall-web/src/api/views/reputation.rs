//! What the API sends about reputation: a member's standing, partners'
//! attestations and their terms, leaderboards, and the flags moderators read.

use super::time;
use guildhall_db::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    /// The post's text (up to 280 characters; a removed post's as it was)
    /// and its author.
    pub excerpt: String,
    pub author: String,
    /// Whether the post lives on another server, where it can be reported.
    pub remote: bool,
    /// Who flagged it.
    pub by: String,
    pub reason: String,
    pub created_at: String,
    /// How many others flagged the same post and are still waiting.
    pub others: i64,
    /// `open`, `resolved` or `dismissed`; by whom, with what note, when.
    pub status: String,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
    pub resolved_at: Option<String>,
}

impl From<guildhall_db::Flag> for FlagView {
    fn from(f: guildhall_db::Flag) -> FlagView {
        FlagView {
            id: f.id,
            object_type: f.object_type,
            object_id: f.object_id,
            thread_id: f.thread_id.get(),
            thread_title: f.thread_title,
            excerpt: f.excerpt,
            author: f.author,
            remote: f.remote != 0,
            by: f.username,
            reason: f.reason,
            created_at: time(f.created_at),
            others: f.others,
            status: f.status,
            resolved_by: f.resolved_by,
            resolution_note: f.resolution_note,
            resolved_at: f.resolved_at.map(time),
        }
    }
}
