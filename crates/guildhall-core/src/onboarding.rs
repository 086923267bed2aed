//! A newcomer's first steps: the checklist on the home page until it is
//! done, each step ticking itself when the member does what it asks.

use serde::Serialize;

/// What the store counts of a member's first steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// A display name, a bio or an avatar.
    pub profile: bool,
    /// Threads started.
    pub threads: i64,
    /// Questions asked or answered (threads and replies in questions groups).
    pub questions: i64,
    /// Groups joined besides those every new member joins.
    pub groups: i64,
}

/// One step of the checklist.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Step {
    pub key: &'static str,
    pub words: &'static str,
    /// Where to go to do it.
    pub link: &'static str,
    pub done: bool,
}

/// The checklist, in the order a newcomer is led through it.
pub fn checklist(progress: Progress) -> Vec<Step> {
    vec![
        Step {
            key: "profile",
            words: "Complete your profile",
            link: "/settings",
            done: progress.profile,
        },
        Step {
            key: "introduce",
            words: "Introduce yourself in a thread",
            link: "/#groups",
            done: progress.threads > 0,
        },
        Step {
            key: "question",
            words: "Ask or answer a question",
            link: "/#groups",
            done: progress.questions > 0,
        },
        Step {
            key: "group",
            words: "Join or follow a group of your choice",
            link: "/#groups",
            done: progress.groups > 0,
        },
    ]
}

/// Whether every step is done (the checklist then leaves the home page).
pub fn finished(steps: &[Step]) -> bool {
    steps.iter().all(|s| s.done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_ticks_from_what_the_member_did() {
        let fresh = checklist(Progress::default());
        assert_eq!(fresh.len(), 4);
        assert!(fresh.iter().all(|s| !s.done) && !finished(&fresh));
        let some = checklist(Progress {
            profile: true,
            threads: 1,
            ..Progress::default()
        });
        let done: Vec<&str> = some.iter().filter(|s| s.done).map(|s| s.key).collect();
        assert_eq!(done, ["profile", "introduce"]);
        let all = checklist(Progress {
            profile: true,
            threads: 2,
            questions: 1,
            groups: 1,
        });
        assert!(finished(&all));
    }
}
