//! Peer help: a thread in a `questions` group is a question, and one of its
//! replies may be accepted as its answer: by the asker, who knows whether it
//! solved their problem, or by a moderator, who tidies up after askers who
//! never come back. Either may change the answer or take it back.
//!
//! An acceptance gives the answer's author and the acceptor points
//! (`accepted_answer`, `answer_acceptor`; nothing when one accepts one's own
//! reply); taking it back writes `answer_withdrawn` rows that reverse
//! exactly what it gave, read from the acceptance's own rows (so a change
//! of rules in between cannot leave points behind).

use crate::RuleError;
use crate::ids::{GroupId, ReplyId, ThreadId, UserId};
use crate::kinds::GroupKind;
use crate::permissions::Actor;
use crate::reputation::Rules;
use crate::reputation::ledger::{Before, Entry, Kind, Line, Object, entry_points};

/// Where a question stands, as listings show and filter it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuestionState {
    /// No reply yet.
    Unanswered,
    /// Replies, none accepted.
    Unsolved,
    /// A reply is accepted as the answer.
    Solved,
}

impl QuestionState {
    pub const ALL: [QuestionState; 3] = [
        QuestionState::Unanswered,
        QuestionState::Unsolved,
        QuestionState::Solved,
    ];

    /// The state of a question with `replies` live (not deleted) replies.
    pub fn of(replies: i64, accepted: bool) -> QuestionState {
        match (accepted, replies) {
            (true, _) => QuestionState::Solved,
            (false, 0) => QuestionState::Unanswered,
            (false, _) => QuestionState::Unsolved,
        }
    }

    /// The wire and filter name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionState::Unanswered => "unanswered",
            QuestionState::Unsolved => "unsolved",
            QuestionState::Solved => "solved",
        }
    }

    /// A listing's filter by name. `unsolved` is every question without an
    /// accepted answer, unanswered ones included: what the support team
    /// still has to look at.
    pub fn parse(name: &str) -> Result<QuestionState, RuleError> {
        QuestionState::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| RuleError::invalid("state", "must be unanswered, unsolved or solved"))
    }
}

/// A question, as the rules of acceptance see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    pub id: ThreadId,
    pub group: GroupId,
    pub kind: GroupKind,
    pub asker: UserId,
    pub deleted: bool,
}

/// A reply offered as the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub id: ReplyId,
    pub thread: ThreadId,
    pub author: UserId,
    pub deleted: bool,
}

/// Whether `actor` may accept, change or take back the answer of `question`:
/// its asker, a moderator of its group, or an admin.
pub fn may_decide(question: &Question, actor: Actor, moderates: bool) -> Result<(), RuleError> {
    if question.kind != GroupKind::Questions {
        return Err(RuleError::invalid(
            "thread",
            format!(
                "answers are accepted on questions only; this thread is in a {} group",
                question.kind
            ),
        ));
    }
    if question.deleted {
        return Err(RuleError::Conflict("this question was deleted".into()));
    }
    if actor.id != question.asker && !moderates && !actor.is_admin {
        return Err(RuleError::Forbidden(
            "only the asker or a moderator of the group may accept an answer".into(),
        ));
    }
    Ok(())
}

/// Whether `reply` can be the answer to `question`.
pub fn check_candidate(question: &Question, reply: &Candidate) -> Result<(), RuleError> {
    if reply.thread != question.id {
        return Err(RuleError::invalid(
            "reply_id",
            format!("reply {} is not in this thread", reply.id),
        ));
    }
    if reply.deleted {
        return Err(RuleError::invalid(
            "reply_id",
            format!("reply {} was deleted", reply.id),
        ));
    }
    Ok(())
}

/// The ledger rows of `acceptor` accepting `reply` on `question` at `at`:
/// the author's and the acceptor's, or none for one's own reply.
pub fn acceptance(
    rules: &Rules,
    question: &Question,
    reply: &Candidate,
    acceptor: UserId,
    at: i64,
) -> Vec<Line> {
    if reply.author == acceptor {
        return Vec::new();
    }
    let line = |member, source, kind| {
        let entry = Entry {
            member,
            group: Some(question.group),
            source: Some(source),
            object: Some(Object::Reply(reply.id)),
            kind,
            at,
            weight: 100,
            instance: None,
        };
        Line::new(entry, entry_points(rules, &entry, Before::default()))
    };
    vec![
        line(reply.author, acceptor, Kind::AnswerAccepted),
        line(acceptor, reply.author, Kind::AnswerAcceptedBy),
    ]
}

/// The rows reversing a standing acceptance, given its rows as written
/// (entry and points) and the time of the withdrawal.
pub fn withdrawal(rules: &Rules, standing: &[(Entry, i64)], at: i64) -> Vec<Line> {
    standing
        .iter()
        .filter(|(e, _)| matches!(e.kind, Kind::AnswerAccepted | Kind::AnswerAcceptedBy))
        .map(|(e, granted)| {
            let entry = Entry {
                kind: Kind::AnswerWithdrawn,
                at,
                ..*e
            };
            let before = Before {
                granted: *granted,
                ..Before::default()
            };
            let side = match e.kind {
                Kind::AnswerAccepted => "accepted",
                _ => "accepted_by",
            };
            Line::new(entry, entry_points(rules, &entry, before)).detail(side)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reputation::ledger::Fold;

    fn question() -> Question {
        Question {
            id: ThreadId(1),
            group: GroupId(3),
            kind: GroupKind::Questions,
            asker: UserId(10),
            deleted: false,
        }
    }

    fn reply(author: i64) -> Candidate {
        Candidate {
            id: ReplyId(5),
            thread: ThreadId(1),
            author: UserId(author),
            deleted: false,
        }
    }

    fn member(id: i64) -> Actor {
        Actor {
            id: UserId(id),
            is_admin: false,
        }
    }

    #[test]
    fn the_asker_a_moderator_or_an_admin_decide() {
        let q = question();
        assert!(may_decide(&q, member(10), false).is_ok());
        assert!(may_decide(&q, member(11), true).is_ok());
        let admin = Actor {
            id: UserId(12),
            is_admin: true,
        };
        assert!(may_decide(&q, admin, false).is_ok());
        assert!(matches!(
            may_decide(&q, member(11), false),
            Err(RuleError::Forbidden(_))
        ));
        let discussion = Question {
            kind: GroupKind::Discussion,
            ..q
        };
        assert!(matches!(
            may_decide(&discussion, member(10), false),
            Err(RuleError::Invalid {
                field: "thread",
                ..
            })
        ));
        let deleted = Question { deleted: true, ..q };
        assert!(matches!(
            may_decide(&deleted, member(10), false),
            Err(RuleError::Conflict(_))
        ));
    }

    #[test]
    fn only_a_live_reply_of_the_thread_can_be_the_answer() {
        let q = question();
        assert!(check_candidate(&q, &reply(20)).is_ok());
        let elsewhere = Candidate {
            thread: ThreadId(2),
            ..reply(20)
        };
        let err = check_candidate(&q, &elsewhere).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid reply_id: reply 5 is not in this thread"
        );
        let deleted = Candidate {
            deleted: true,
            ..reply(20)
        };
        assert!(check_candidate(&q, &deleted).is_err());
    }

    #[test]
    fn states_follow_replies_and_acceptance() {
        assert_eq!(QuestionState::of(0, false), QuestionState::Unanswered);
        assert_eq!(QuestionState::of(2, false), QuestionState::Unsolved);
        assert_eq!(QuestionState::of(2, true), QuestionState::Solved);
        for s in QuestionState::ALL {
            assert_eq!(QuestionState::parse(s.as_str()).unwrap(), s);
        }
        assert!(QuestionState::parse("open").is_err());
    }

    #[test]
    fn accepting_gives_both_and_withdrawing_takes_back_exactly_that() {
        let rules = Rules::default();
        let lines = acceptance(&rules, &question(), &reply(20), UserId(10), 1_000);
        let points: Vec<i64> = lines.iter().map(|l| l.points).collect();
        assert_eq!(points, vec![rules.accepted_answer, rules.answer_acceptor]);
        assert_eq!(lines[0].entry.member, UserId(20));
        assert_eq!(lines[1].entry.member, UserId(10));

        // The rules change between acceptance and withdrawal: what is taken
        // back is what was given.
        let later = Rules {
            accepted_answer: 99,
            ..rules.clone()
        };
        let standing: Vec<(Entry, i64)> = lines.iter().map(|l| (l.entry, l.points)).collect();
        let back = withdrawal(&later, &standing, 2_000);
        let points: Vec<i64> = back.iter().map(|l| l.points).collect();
        assert_eq!(points, vec![-rules.accepted_answer, -rules.answer_acceptor]);
        assert_eq!(back[0].detail.as_deref(), Some("accepted"));
        assert_eq!(back[1].detail.as_deref(), Some("accepted_by"));

        // The fold, replaying the same rows, agrees and ends at zero.
        let mut fold = Fold::new(&rules);
        for l in lines.iter().chain(&back) {
            assert_eq!(fold.apply(&l.entry), l.points);
        }
        assert!(fold.scores.total.values().all(|&p| p == 0));
    }

    #[test]
    fn accepting_ones_own_reply_earns_nothing() {
        let rules = Rules::default();
        assert!(acceptance(&rules, &question(), &reply(10), UserId(10), 1).is_empty());
    }
}
