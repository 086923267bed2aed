//! Warnings at start about configuration that is read but probably not
//! what was meant: a variable with one underscore where two are needed, and
//! a port changed without the domain.

use super::{Config, InstanceConfig, ServerConfig};
use figment::Figment;
use figment::providers::Serialized;

impl Config {
    /// `GUILDHALL_` variables that look meant for the configuration but are
    /// not read: a section name followed by one underscore instead of two
    /// (`GUILDHALL_SERVER_LISTEN`). Each says which variable was probably
    /// meant. Other `GUILDHALL_` names (GUILDHALL_CONFIG, the tests'
    /// GUILDHALL_TEST_POSTGRES_URL, CI's) are not config and pass in silence;
    /// a SECTION__KEY variable naming no key is already an error at load.
    pub fn env_warnings(names: impl IntoIterator<Item = String>) -> Vec<String> {
        let defaults = Figment::from(Serialized::defaults(Config::default()));
        let Ok(tree) = defaults.extract::<figment::value::Dict>() else {
            return vec![];
        };
        let mut warnings = vec![];
        for name in names {
            let Some(rest) = name.strip_prefix("GUILDHALL_") else {
                continue;
            };
            if rest.contains("__") {
                continue;
            }
            let lower = rest.to_ascii_lowercase();
            // The longest section that prefixes it (rate_limits before a
            // hypothetical "rate").
            let section = tree
                .keys()
                .filter(|s| lower.starts_with(&format!("{s}_")))
                .max_by_key(|s| s.len());
            let Some(section) = section else { continue };
            let key = &lower[section.len() + 1..];
            let known = tree
                .get(section)
                .and_then(|v| v.as_dict())
                .is_some_and(|d| d.contains_key(key));
            let meant = format!(
                "GUILDHALL_{}__{}",
                section.to_ascii_uppercase(),
                key.to_ascii_uppercase()
            );
            warnings.push(if known {
                format!(
                    "{name} is not read (one underscore); did you mean {meant} \
                     (the key {section}.{key})?"
                )
            } else {
                format!(
                    "{name} is not read: configuration variables are \
                     GUILDHALL_<SECTION>__<KEY> with two underscores, and [{section}] has no \
                     key {key:?}"
                )
            });
        }
        warnings
    }

    /// When the port changed but `instance.domain` still names the default
    /// `localhost:8080`, links, ActivityPub ids and federation point at a
    /// server that is not there.
    pub fn domain_warning(&self) -> Option<String> {
        let default_domain = InstanceConfig::default().domain;
        let default_listen = ServerConfig::default().listen;
        let port = |a: &str| a.rsplit_once(':').map(|(_, p)| p.to_string());
        if self.instance.domain == default_domain
            && port(&self.server.listen) != port(&default_listen)
        {
            Some(format!(
                "server.listen is {} but instance.domain is still the default {default_domain}: \
                 links, ActivityPub ids and federation use instance.domain, so set it too \
                 (GUILDHALL_INSTANCE__DOMAIN), e.g. to the public host name or localhost:{}",
                self.server.listen,
                port(&self.server.listen).unwrap_or_default()
            ))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_underscore_variables_are_named_with_what_was_meant() {
        let w = Config::env_warnings(
            [
                "GUILDHALL_SERVER_LISTEN",
                "GUILDHALL_RATE_LIMITS_ENABLED",
                "GUILDHALL_DATABASE_URLL",
                "GUILDHALL_SERVER__LISTEN",
                "GUILDHALL_TEST_POSTGRES_URL",
                "GUILDHALL_CI_POSTGRES",
                "GUILDHALL_CONFIG",
                "PATH",
            ]
            .map(String::from),
        );
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].contains("did you mean GUILDHALL_SERVER__LISTEN"),
            "{}",
            w[0]
        );
        assert!(w[1].contains("GUILDHALL_RATE_LIMITS__ENABLED"), "{}", w[1]);
        assert!(w[2].contains("[database] has no key \"urll\""), "{}", w[2]);
    }

    #[test]
    fn a_changed_port_with_the_default_domain_is_pointed_out() {
        let mut c = Config::default();
        assert!(c.domain_warning().is_none());
        c.server.listen = "0.0.0.0:9000".into();
        let w = c.domain_warning().unwrap();
        assert!(
            w.contains("instance.domain") && w.contains("localhost:9000"),
            "{w}"
        );
        c.instance.domain = "forum.example".into();
        assert!(c.domain_warning().is_none());
    }
}
