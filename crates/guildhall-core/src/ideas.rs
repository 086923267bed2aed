//! Idea boards: a thread in an `ideas` group is an idea, which the brand
//! moves through stages (`[ideas] stages` in the config; the first is where
//! every idea starts). Only the group's moderators and admins change a
//! status, each time with an optional official response; a duplicate is
//! merged into the idea it repeats.
//!
//! Reputation: reaching a stage the rules name (`idea_stage_points`) gives
//! the author those points in an `idea_staged` row; leaving it takes back
//! exactly what it gave (a row with the opposite amount).

use crate::RuleError;
use crate::ids::{GroupId, ThreadId, UserId};
use crate::kinds::GroupKind;
use crate::permissions::Actor;
use crate::reputation::Rules;
use crate::reputation::ledger::{Before, Entry, Kind, Line, Object, entry_points};
use serde::{Deserialize, Serialize};

/// The stage a merged duplicate is put in.
pub const DUPLICATE: &str = "duplicate";

/// One stage: its key (stored, in the API and the config's points) and
/// the label people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub key: String,
    pub label: String,
}

/// The instance's stages, in order (`[ideas] stages = ["new", ...]`: each
/// a label, whose key is its lower-case words joined by `_`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StagesConfig", into = "StagesConfig")]
pub struct Stages(Vec<Stage>);

/// `[ideas]` as written in the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagesConfig {
    pub stages: Vec<String>,
}

impl Default for Stages {
    fn default() -> Stages {
        let labels = [
            "New",
            "Under review",
            "Planned",
            "In progress",
            "Shipped",
            "Declined",
            "Duplicate",
        ];
        Stages(labels.iter().map(|l| stage(l)).collect())
    }
}

fn stage(label: &str) -> Stage {
    let key = label
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_");
    Stage {
        key,
        label: label.trim().to_owned(),
    }
}

impl TryFrom<StagesConfig> for Stages {
    type Error = String;

    fn try_from(config: StagesConfig) -> Result<Stages, String> {
        let stages: Vec<Stage> = config.stages.iter().map(|l| stage(l)).collect();
        if stages.is_empty() {
            return Err(
                "ideas.stages: name at least one stage (the first is where ideas start)".into(),
            );
        }
        for (i, s) in stages.iter().enumerate() {
            if s.key.is_empty() || s.key.len() > 40 {
                return Err("ideas.stages: a stage needs a name of 1 to 40 characters".into());
            }
            if stages[..i].iter().any(|o| o.key == s.key) {
                return Err(format!("ideas.stages: {:?} is named twice", s.label));
            }
        }
        Ok(Stages(stages))
    }
}

impl From<Stages> for StagesConfig {
    fn from(stages: Stages) -> StagesConfig {
        StagesConfig {
            stages: stages.0.into_iter().map(|s| s.label).collect(),
        }
    }
}

impl Stages {
    pub fn all(&self) -> &[Stage] {
        &self.0
    }

    /// Where new ideas start.
    pub fn initial(&self) -> &Stage {
        &self.0[0]
    }

    /// The key of an idea's stage, from its stored status: none stored is
    /// the first stage.
    pub fn current<'a>(&'a self, stored: Option<&'a str>) -> &'a str {
        stored.unwrap_or(&self.initial().key)
    }

    /// A stage by key; anything else is refused, naming the stages.
    pub fn find(&self, key: &str) -> Result<&Stage, RuleError> {
        self.0.iter().find(|s| s.key == key.trim()).ok_or_else(|| {
            let keys: Vec<&str> = self.0.iter().map(|s| s.key.as_str()).collect();
            RuleError::invalid("status", format!("must be one of {}", keys.join(", ")))
        })
    }

    /// The label of a stored key (a stage since removed from the config
    /// shows as its key).
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.0
            .iter()
            .find(|s| s.key == key)
            .map_or(key, |s| s.label.as_str())
    }
}

/// An idea, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idea {
    pub id: ThreadId,
    pub group: GroupId,
    pub kind: GroupKind,
    pub author: UserId,
    pub deleted: bool,
}

/// Whether `actor` may change the status of `idea` (or merge it): the
/// group's moderators and the instance's admins.
pub fn may_stage(idea: &Idea, actor: Actor, moderates: bool) -> Result<(), RuleError> {
    if idea.kind != GroupKind::Ideas {
        return Err(RuleError::invalid(
            "thread",
            format!(
                "only ideas have a status; this thread is in a {} group",
                idea.kind
            ),
        ));
    }
    if idea.deleted {
        return Err(RuleError::Conflict("this idea was deleted".into()));
    }
    if !moderates && !actor.is_admin {
        return Err(RuleError::Forbidden(
            "only the group's moderators change an idea's status".into(),
        ));
    }
    Ok(())
}

/// Whether `idea` may be merged into `target`.
pub fn check_merge(idea: &Idea, target: &Idea) -> Result<(), RuleError> {
    if idea.id == target.id {
        return Err(RuleError::invalid(
            "into",
            "an idea cannot be merged into itself",
        ));
    }
    if target.group != idea.group || target.kind != GroupKind::Ideas {
        return Err(RuleError::invalid(
            "into",
            format!("thread {} is not an idea of this group", target.id),
        ));
    }
    if target.deleted {
        return Err(RuleError::invalid(
            "into",
            format!("idea {} was deleted", target.id),
        ));
    }
    Ok(())
}

/// The ledger rows of `idea` moving to stage `to` at `at`: what the stage
/// it leaves still gives its author (`standing`, from its rows) taken back,
/// and what the stage it reaches gives under `rules`.
pub fn staging(rules: &Rules, idea: &Idea, standing: i64, to: &str, at: i64) -> Vec<Line> {
    let line = |amount: i64| {
        let entry = Entry {
            member: idea.author,
            group: Some(idea.group),
            source: None,
            object: Some(Object::Thread(idea.id)),
            kind: Kind::IdeaStaged(amount),
            at,
            weight: 100,
            instance: None,
        };
        Line::new(entry, entry_points(rules, &entry, Before::default())).detail(to)
    };
    let mut lines = Vec::new();
    if standing != 0 {
        lines.push(line(-standing));
    }
    let reached = rules.idea_stage_points.get(to).copied().unwrap_or(0);
    if reached != 0 {
        lines.push(line(reached));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idea(id: i64) -> Idea {
        Idea {
            id: ThreadId(id),
            group: GroupId(1),
            kind: GroupKind::Ideas,
            author: UserId(5),
            deleted: false,
        }
    }

    #[test]
    fn stages_come_from_labels_and_refuse_the_unknown() {
        let stages = Stages::default();
        assert_eq!(stages.initial().key, "new");
        assert_eq!(stages.find("under_review").unwrap().label, "Under review");
        let err = stages.find("maybe").unwrap_err().to_string();
        assert!(
            err.contains("must be one of new, under_review, planned"),
            "{err}"
        );
        let config = StagesConfig {
            stages: vec!["Idea".into(), "Done".into(), "done".into()],
        };
        assert!(Stages::try_from(config).unwrap_err().contains("twice"));
        let config = StagesConfig { stages: vec![] };
        assert!(Stages::try_from(config).is_err());
    }

    #[test]
    fn moderators_and_admins_stage_ideas() {
        let member = Actor {
            id: UserId(5),
            is_admin: false,
        };
        assert!(matches!(
            may_stage(&idea(1), member, false),
            Err(RuleError::Forbidden(_))
        ));
        assert!(may_stage(&idea(1), member, true).is_ok());
        let question = Idea {
            kind: GroupKind::Questions,
            ..idea(1)
        };
        assert!(may_stage(&question, member, true).is_err());
    }

    #[test]
    fn merging_needs_another_live_idea_of_the_group() {
        let err = check_merge(&idea(1), &idea(1)).unwrap_err().to_string();
        assert!(err.contains("into itself"), "{err}");
        assert!(check_merge(&idea(1), &idea(2)).is_ok());
        let elsewhere = Idea {
            group: GroupId(9),
            ..idea(2)
        };
        assert!(check_merge(&idea(1), &elsewhere).is_err());
    }

    #[test]
    fn reaching_a_stage_gives_and_leaving_takes_back_exactly() {
        let rules = Rules::default();
        let planned = rules.idea_stage_points["planned"];
        let lines = staging(&rules, &idea(1), 0, "planned", 1);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].points, planned);
        // planned -> in_progress: planned's points go back, nothing comes.
        let lines = staging(&rules, &idea(1), planned, "in_progress", 2);
        assert_eq!(lines.iter().map(|l| l.points).sum::<i64>(), -planned);
        let shipped = rules.idea_stage_points["shipped"];
        let lines = staging(&rules, &idea(1), 0, "shipped", 3);
        assert_eq!(lines[0].points, shipped);
    }
}
