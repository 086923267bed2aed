use super::*;

#[test]
fn defaults_are_valid() {
    Config::default().check().unwrap();
}

#[test]
fn the_attestation_renewal_period_must_be_positive() {
    for minutes in [0.0, -1.0, f64::NAN] {
        let mut config = Config::default();
        config.federation.attestation_renewal_minutes = minutes;
        assert!(config.check().unwrap_err().contains("attestation_renewal"));
    }
}

#[test]
fn file_and_environment_layer_over_defaults() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "g.toml",
            "[instance]\nname = \"Acme\"\n[database]\nurl = \"sqlite:x.db\"\n",
        )?;
        jail.set_env("GUILDHALL_DATABASE__URL", "postgres://db/acme");
        jail.set_env("GUILDHALL_LIMITS__TITLE_MAX", "120");
        jail.set_env("GUILDHALL_TEST_POSTGRES_URL", "ignored");
        let c = Config::load(Some(Path::new("g.toml"))).unwrap();
        assert_eq!(c.instance.name, "Acme");
        assert_eq!(c.database.url, "postgres://db/acme");
        assert_eq!(c.limits.title_max, 120);
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        Ok(())
    });
}

/// The example config documents every key: it loads, and it says
/// what the defaults are.
#[test]
fn the_example_config_loads() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/guildhall.example.toml"
    );
    let c = Config::load(Some(Path::new(example))).unwrap();
    assert_eq!(c.reputation, guildhall_core::reputation::Rules::default());
}

#[test]
fn reputation_rules_are_read_and_checked() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "r.toml",
            "[reputation]\nreply_upvote = 8\n[[reputation.ranks]]\ntitle = \"Fan\"\npoints = 0\n\
             [[reputation.ranks]]\ntitle = \"Superfan\"\npoints = 100\n\
             [reputation.trust.tl1]\ndays_active = 2\n",
        )?;
        let c = Config::load(Some(Path::new("r.toml"))).unwrap();
        assert_eq!(c.reputation.reply_upvote, 8);
        assert_eq!(
            c.reputation.thread_upvote, 5,
            "the rest keep their defaults"
        );
        assert_eq!(c.reputation.ranks.len(), 2);
        assert_eq!(c.reputation.trust.tl1.days_active, 2);
        jail.create_file(
            "bad.toml",
            "[[reputation.ranks]]\ntitle = \"A\"\npoints = 10\n",
        )?;
        assert!(
            Config::load(Some(Path::new("bad.toml")))
                .unwrap_err()
                .contains("first rank")
        );
        Ok(())
    });
}

#[test]
fn new_server_and_limit_keys_are_checked() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "ok.toml",
            "[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n\
             client_address_header = \"forwarded\"\n\
             [rate_limits]\nlogin_per_account = { limit = 3, per_secs = 60 }\n\
             [metrics]\naccess = \"token\"\ntoken = \"0123456789abcdef\"\n",
        )?;
        let c = Config::load(Some(Path::new("ok.toml"))).unwrap();
        assert_eq!(c.rate_limits.login_per_account.limit, 3);
        let w = c.web_settings();
        assert_eq!(w.trusted_proxies.len(), 2);
        assert_eq!(
            w.metrics_access,
            guildhall_web::settings::MetricsAccess::Token("0123456789abcdef".into())
        );
        for bad in [
            "[server]\ntrusted_proxies = [\"proxy.example\"]\n",
            "[server]\nclient_address_header = \"x-client\"\n",
            "[server]\nheader_timeout_secs = 0\n",
            "[server]\nmax_connections = 0\n",
            "[metrics]\naccess = \"token\"\n",
            "[metrics]\naccess = \"open\"\n",
            "[rate_limits]\nposts_per_member = { limit = 3, per_secs = 0 }\n",
        ] {
            jail.create_file("bad.toml", bad)?;
            assert!(Config::load(Some(Path::new("bad.toml"))).is_err(), "{bad}");
        }
        Ok(())
    });
}

/// `[[federation.partners]]` takes `domain`, `trust_weight`,
/// `max_trust_level` and, optionally, `show_imported`; nothing else.
#[test]
fn partner_tables_take_their_four_keys_only() {
    fn read(p: &PartnerConfig) -> (&str, f64, u8, bool) {
        let t = &p.terms;
        (
            &p.domain,
            t.trust_weight,
            t.max_trust_level,
            t.show_imported,
        )
    }
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "p.toml",
            "[[federation.partners]]\ndomain = \"a.example\"\ntrust_weight = 0.5\n\
             max_trust_level = 2\n\
             [[federation.partners]]\ndomain = \"b.example:8443\"\ntrust_weight = 1\n\
             max_trust_level = 4\nshow_imported = false\n",
        )?;
        let c = Config::load(Some(Path::new("p.toml"))).unwrap();
        let read: Vec<_> = c.federation.partners.iter().map(read).collect();
        assert_eq!(
            read,
            [
                ("a.example", 0.5, 2, true),
                ("b.example:8443", 1.0, 4, false)
            ]
        );
        let table = "[[federation.partners]]\ndomain = \"a.example\"\n";
        for bad in [
            "trust_weight = 0.5\nmax_trust_level = 2\nweight = 1\n",
            "trust_weight = 0.5\nmax_trust_level = 2\nshow_imported = \"yes\"\n",
            "trust_weight = 0.5\n",
            "max_trust_level = 2\n",
            "trust_weight = \"half\"\nmax_trust_level = 2\n",
            "trust_weight = 0.5\nmax_trust_level = 256\n",
            "trust_weight = 0.5\nmax_trust_level = -1\n",
            "trust_weight = 0.5\nmax_trust_level = 2.0\n",
        ] {
            jail.create_file("bad.toml", &format!("{table}{bad}"))?;
            assert!(Config::load(Some(Path::new("bad.toml"))).is_err(), "{bad}");
        }
        jail.create_file(
            "nodomain.toml",
            "[[federation.partners]]\ntrust_weight = 0.5\nmax_trust_level = 2\n",
        )?;
        assert!(Config::load(Some(Path::new("nodomain.toml"))).is_err());
        Ok(())
    });
}

#[test]
fn unknown_keys_and_bad_values_are_errors() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("typo.toml", "[databse]\nurl = \"x\"\n")?;
        assert!(
            Config::load(Some(Path::new("typo.toml")))
                .unwrap_err()
                .contains("databse")
        );
        jail.create_file("bad.toml", "[log]\nformat = \"xml\"\n")?;
        assert!(Config::load(Some(Path::new("bad.toml"))).is_err());
        assert!(Config::load(Some(Path::new("missing.toml"))).is_err());
        Ok(())
    });
}
