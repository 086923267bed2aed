//! The part of the configuration the use cases read.

use guildhall_core::content::Limits;
use guildhall_core::permissions::GroupCreation;

#[derive(Debug, Clone)]
pub struct Settings {
    /// The public host name, e.g. `community.example`.
    pub domain: String,
    pub limits: Limits,
    /// Threads per page when the client does not say; and the most it may ask for.
    pub page_size: i64,
    pub page_size_max: i64,
    pub registration_open: bool,
    pub group_creation: GroupCreation,
    /// How long a login lasts.
    pub session_days: i64,
    /// Password hashes (logins, registrations) running at once; 0 = one
    /// per CPU core. Each holds 19 MiB while it runs.
    pub password_hash_concurrency: usize,
    /// How many more may wait for a turn; beyond that, refused as busy.
    pub password_hash_queue: usize,
    pub rate_limits: crate::limits::RateLimits,
    /// The stages ideas move through.
    pub stages: guildhall_core::ideas::Stages,
    /// Whether a group's public mod log names its moderators.
    pub show_moderator_names: bool,
    /// What newcomers get: default groups, the welcome.
    pub onboarding: crate::onboarding::Onboarding,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            domain: "localhost:8080".into(),
            limits: Limits::default(),
            page_size: 20,
            page_size_max: 100,
            registration_open: true,
            group_creation: GroupCreation::Admins,
            session_days: 30,
            password_hash_concurrency: 0,
            password_hash_queue: 32,
            rate_limits: Default::default(),
            stages: Default::default(),
            show_moderator_names: true,
            onboarding: Default::default(),
        }
    }
}

impl Settings {
    pub fn session_ttl_ms(&self) -> i64 {
        self.session_days * 24 * 60 * 60 * 1000
    }
}
