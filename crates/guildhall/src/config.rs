//! The configuration file (TOML) and its environment overrides.
//!
//! Every key can be set in the file or as `GUILDHALL_<SECTION>__<KEY>`
//! (e.g. `GUILDHALL_DATABASE__URL`); the environment wins. Unknown keys are
//! errors, so a typo does not silently fall back to a default.
//! `config/guildhall.example.toml` documents every key.

mod warnings;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use guildhall_core::content::Limits;
use guildhall_core::permissions::GroupCreation;
use guildhall_web::WebSettings;
pub use guildhall_web::api::views::PartnerInput;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub instance: InstanceConfig,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub limits: LimitsConfig,
    pub accounts: AccountsConfig,
    pub groups: GroupsConfig,
    pub moderation: ModerationConfig,
    pub onboarding: OnboardingConfig,
    /// The stages ideas move through (`[ideas] stages`).
    pub ideas: guildhall_core::ideas::Stages,
    pub log: LogConfig,
    pub federation: FederationConfig,
    /// Points, the daily cap, ranks, trust levels and the defences.
    pub reputation: guildhall_core::reputation::Rules,
    /// Logins, registrations, posts and flags per account, address, member.
    pub rate_limits: guildhall_app::limits::RateLimits,
    pub metrics: MetricsConfig,
}

/// `[metrics]`: who may read `/metrics`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// "off", "loopback" (this machine, not through a proxy) or "token".
    pub access: String,
    /// With access = "token": the bearer token scrapers send.
    pub token: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            access: "loopback".into(),
            token: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InstanceConfig {
    pub name: String,
    pub description: String,
    pub logo_url: Option<String>,
    /// Public host (and port, if not 80/443) members reach the instance at.
    pub domain: String,
    pub https: bool,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            name: "Guildhall".into(),
            description: "A community on Guildhall.".into(),
            logo_url: None,
            domain: "localhost:8080".into(),
            https: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: String,
    pub max_body_bytes: usize,
    /// Proxies (addresses or networks) whose client-address header is believed.
    pub trusted_proxies: Vec<String>,
    /// "x-forwarded-for", "forwarded" or "x-real-ip".
    pub client_address_header: String,
    /// A connection must send a request's headers within this (slowloris).
    pub header_timeout_secs: f64,
    /// ... and its body within this.
    pub body_timeout_secs: f64,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            max_body_bytes: 256 * 1024,
            trusted_proxies: vec![],
            client_address_header: "x-forwarded-for".into(),
            header_timeout_secs: 10.0,
            body_timeout_secs: 30.0,
            max_connections: 512,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite:data/guildhall.db".into(),
            max_connections: 8,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    pub title_max: usize,
    pub body_max: usize,
    pub bio_max: usize,
    pub page_size: i64,
    pub page_size_max: i64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let l = Limits::default();
        LimitsConfig {
            title_max: l.title_max,
            body_max: l.body_max,
            bio_max: l.bio_max,
            page_size: 20,
            page_size_max: 100,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsConfig {
    pub registration_open: bool,
    pub session_days: i64,
    /// Password hashes running at once (0 = one per CPU core).
    pub password_hash_concurrency: usize,
    /// Hashes that may wait for a turn; beyond, 503 with Retry-After.
    pub password_hash_queue: usize,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            registration_open: true,
            session_days: 30,
            password_hash_concurrency: 0,
            password_hash_queue: 32,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupsConfig {
    pub creation: GroupCreation,
}

/// `[moderation]`: how the mod log reads to members.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationConfig {
    /// Whether a public group's mod log names the moderator who acted
    /// (admins and the group's moderators always see the names).
    pub show_moderator_names: bool,
}

/// `[onboarding]`: what a new member gets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OnboardingConfig {
    /// Groups of this instance every new member joins, by name.
    pub default_groups: Vec<String>,
    /// The community team's welcome (Markdown), shown on the welcome page
    /// and sent as a notification; empty: none.
    pub welcome: String,
}

impl Default for ModerationConfig {
    fn default() -> Self {
        ModerationConfig {
            show_moderator_names: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `guildhall=debug,info`. RUST_LOG wins.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "text".into(),
            level: "info".into(),
        }
    }
}

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "guildhall.toml";

impl Config {
    /// Defaults, then the file (`path`, or `guildhall.toml` if present), then
    /// `GUILDHALL_<SECTION>__<KEY>` variables.
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(p) if !p.exists() => return Err(format!("config file {} not found", p.display())),
            Some(p) => figment = figment.merge(Toml::file(p)),
            None if Path::new(DEFAULT_FILE).exists() => {
                figment = figment.merge(Toml::file(DEFAULT_FILE))
            }
            None => {}
        }
        // Only SECTION__KEY variables are config; GUILDHALL_TEST_* and the like are not.
        let env = Env::prefixed("GUILDHALL_")
            .filter(|k| k.as_str().contains("__"))
            .split("__");
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|e| format!("configuration: {e}"))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        let l = &self.limits;
        if l.title_max == 0 || l.body_max == 0 {
            return Err("limits.title_max and limits.body_max must be at least 1".into());
        }
        if !(1..=1000).contains(&l.page_size_max) || !(1..=l.page_size_max).contains(&l.page_size) {
            return Err(
                "limits.page_size must be between 1 and limits.page_size_max (at most 1000)".into(),
            );
        }
        self.reputation.validate()?;
        if self.server.max_body_bytes < 1024 {
            return Err("server.max_body_bytes must be at least 1024".into());
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(format!(
                "log.format must be \"text\" or \"json\", not {:?}",
                self.log.format
            ));
        }
        if !matches!(self.federation.mode.as_str(), "open" | "allowlist") {
            return Err(format!(
                "federation.mode must be \"open\" or \"allowlist\", not {:?}",
                self.federation.mode
            ));
        }
        self.federation_settings().address_rule()?;
        if self.federation.retry_base_secs <= 0.0
            || self.federation.retry_cap_secs < self.federation.retry_base_secs
        {
            return Err(
                "federation.retry_base_secs must be positive and at most retry_cap_secs".into(),
            );
        }
        // (NaN is refused too.)
        if self.federation.attestation_renewal_minutes.is_nan()
            || self.federation.attestation_renewal_minutes <= 0.0
        {
            return Err("federation.attestation_renewal_minutes must be positive".into());
        }
        if self.accounts.session_days < 1 {
            return Err("accounts.session_days must be at least 1".into());
        }
        self.rate_limits.validate()?;
        guildhall_web::client::parse_proxies(&self.server.trusted_proxies)?;
        guildhall_web::client::ClientHeader::parse(&self.server.client_address_header)?;
        self.metrics_access()?;
        let s = &self.server;
        for (name, secs) in [
            ("header_timeout_secs", s.header_timeout_secs),
            ("body_timeout_secs", s.body_timeout_secs),
        ] {
            // (NaN is refused too.)
            if !(secs > 0.0 && secs <= 86_400.0) {
                return Err(format!("server.{name} must be between 0 and 86400"));
            }
        }
        if s.max_connections == 0 {
            return Err("server.max_connections must be at least 1".into());
        }
        Ok(())
    }

    fn metrics_access(&self) -> Result<guildhall_web::settings::MetricsAccess, String> {
        use guildhall_web::settings::MetricsAccess;
        match self.metrics.access.as_str() {
            "off" => Ok(MetricsAccess::Off),
            "loopback" => Ok(MetricsAccess::Loopback),
            "token" if self.metrics.token.len() >= 16 => {
                Ok(MetricsAccess::Token(self.metrics.token.clone()))
            }
            "token" => Err("metrics.token must be at least 16 characters".into()),
            other => Err(format!(
                "metrics.access must be \"off\", \"loopback\" or \"token\", not {other:?}"
            )),
        }
    }

    /// What the use cases read.
    pub fn app_settings(&self) -> guildhall_app::Settings {
        guildhall_app::Settings {
            domain: self.instance.domain.clone(),
            limits: Limits {
                title_max: self.limits.title_max,
                body_max: self.limits.body_max,
                bio_max: self.limits.bio_max,
            },
            page_size: self.limits.page_size,
            page_size_max: self.limits.page_size_max,
            registration_open: self.accounts.registration_open,
            group_creation: self.groups.creation,
            session_days: self.accounts.session_days,
            password_hash_concurrency: self.accounts.password_hash_concurrency,
            password_hash_queue: self.accounts.password_hash_queue,
            rate_limits: self.rate_limits.clone(),
            stages: self.ideas.clone(),
            show_moderator_names: self.moderation.show_moderator_names,
            onboarding: guildhall_app::onboarding::Onboarding {
                default_groups: self
                    .onboarding
                    .default_groups
                    .iter()
                    .map(|g| g.trim().to_ascii_lowercase())
                    .collect(),
                welcome: self.onboarding.welcome.clone(),
            },
        }
    }

    /// What the HTTP side reads.
    pub fn web_settings(&self) -> WebSettings {
        WebSettings {
            instance_name: self.instance.name.clone(),
            instance_description: self.instance.description.clone(),
            instance_logo_url: self.instance.logo_url.clone().filter(|u| !u.is_empty()),
            domain: self.instance.domain.clone(),
            https: self.instance.https,
            max_body_bytes: self.server.max_body_bytes,
            // check() has refused bad values; these fall back only for a
            // Config built in code and never checked.
            trusted_proxies: guildhall_web::client::parse_proxies(&self.server.trusted_proxies)
                .unwrap_or_default(),
            client_address_header: guildhall_web::client::ClientHeader::parse(
                &self.server.client_address_header,
            )
            .unwrap_or_default(),
            metrics_access: self.metrics_access().unwrap_or_default(),
            ..WebSettings::default()
        }
    }
}

/// `[federation]`: who we federate with and how deliveries behave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// "open" (everyone but blocked instances) or "allowlist" (only allowed ones).
    pub mode: String,
    /// Instances allowed (needed in allowlist mode), applied at start.
    pub allow: Vec<String>,
    /// Instances blocked, applied at start.
    pub block: Vec<String>,
    /// Let fetches and deliveries reach loopback/private addresses and plain
    /// http. Only for tests and local development: it opens SSRF.
    pub allow_private_addresses: bool,
    /// Addresses or CIDR networks outgoing requests may reach although they
    /// are not public (docs/FEDERATION.md, "Outbound address rules").
    pub allowed_private_addresses: Vec<String>,
    pub parallelism_per_instance: usize,
    pub retry_base_secs: f64,
    pub retry_cap_secs: f64,
    pub unreachable_after_hours: f64,
    pub remote_votes_per_instance_per_day: i64,
    pub backfill_threads: usize,
    pub request_timeout_secs: f64,
    /// How often attestations held by other instances are renewed there.
    pub attestation_renewal_minutes: f64,
    /// Partner instances whose reputation attestations we trust, applied at
    /// start (docs/ATTESTATIONS.md): `[[federation.partners]]` tables.
    pub partners: Vec<PartnerConfig>,
}

/// `[[federation.partners]]`: how far one partner's attestations count here.
/// Beside `domain`, the fields the admin API takes to set a partner:
/// `trust_weight`, how much its members' votes weigh here (0 to 1);
/// `max_trust_level`, the highest trust level (0–4) an attestation grants
/// here; `show_imported`, whether its attested reputation is shown on
/// profiles (true when left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerConfig {
    pub domain: String,
    /// One type for the file and the API, so the two take the same fields.
    #[serde(flatten)]
    pub terms: PartnerInput,
}

impl Default for FederationConfig {
    fn default() -> Self {
        let d = guildhall_federation::FederationSettings::default();
        FederationConfig {
            mode: "open".into(),
            allow: vec![],
            block: vec![],
            allow_private_addresses: d.allow_private_addresses,
            allowed_private_addresses: d.allowed_private_addresses,
            parallelism_per_instance: d.parallelism_per_instance,
            retry_base_secs: d.retry_base_ms as f64 / 1000.0,
            retry_cap_secs: d.retry_cap_ms as f64 / 1000.0,
            unreachable_after_hours: d.unreachable_after_ms as f64 / 3_600_000.0,
            remote_votes_per_instance_per_day: d.remote_votes_per_instance_per_day,
            backfill_threads: d.backfill_threads,
            request_timeout_secs: d.request_timeout_ms as f64 / 1000.0,
            attestation_renewal_minutes: d.attestation_renewal_ms as f64 / 60_000.0,
            partners: vec![],
        }
    }
}

impl Config {
    pub fn federation_settings(&self) -> guildhall_federation::FederationSettings {
        let f = &self.federation;
        guildhall_federation::FederationSettings {
            mode: if f.mode == "allowlist" {
                guildhall_federation::FederationMode::Allowlist
            } else {
                guildhall_federation::FederationMode::Open
            },
            allow_private_addresses: f.allow_private_addresses,
            allowed_private_addresses: f.allowed_private_addresses.clone(),
            parallelism_per_instance: f.parallelism_per_instance.max(1),
            retry_base_ms: (f.retry_base_secs * 1000.0) as i64,
            retry_cap_ms: (f.retry_cap_secs * 1000.0) as i64,
            unreachable_after_ms: (f.unreachable_after_hours * 3_600_000.0) as i64,
            remote_votes_per_instance_per_day: f.remote_votes_per_instance_per_day,
            backfill_threads: f.backfill_threads,
            request_timeout_ms: (f.request_timeout_secs * 1000.0) as u64,
            attestation_renewal_ms: (f.attestation_renewal_minutes * 60_000.0) as i64,
            max_activity_bytes: self.server.max_body_bytes,
            open_registrations: self.accounts.registration_open,
            limits: Limits {
                title_max: self.limits.title_max,
                body_max: self.limits.body_max,
                bio_max: self.limits.bio_max,
            },
        }
    }
}

#[cfg(test)]
// figment::Jail's error type is large; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests;
