//! Helpers for tests that need a real database: a fresh SQLite file or a
//! fresh PostgreSQL database per test, so runs never see each other's rows.

use crate::{Store, StoreError};
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;

/// The variable that names the PostgreSQL server tests may use.
pub const POSTGRES_ENV: &str = "GUILDHALL_TEST_POSTGRES_URL";

/// Creates an empty database on the server `GUILDHALL_TEST_POSTGRES_URL`
/// points at and returns its URL, or `None` (after saying so) when unset.
pub async fn fresh_postgres_url(test: &str) -> Result<Option<String>, StoreError> {
    let Ok(base) = std::env::var(POSTGRES_ENV) else {
        eprintln!("SKIPPED {test} on PostgreSQL: {POSTGRES_ENV} is not set");
        return Ok(None);
    };
    sqlx::any::install_default_drivers();
    let mut url =
        url::Url::parse(&base).map_err(|e| StoreError::Config(format!("{POSTGRES_ENV}: {e}")))?;
    let suffix: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ (std::process::id() as u64) << 32;
    let name = format!("guildhall_test_{suffix:x}");
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&base)
        .await?;
    // The name is ours (hex digits), not user input.
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await?;
    admin.close().await;
    url.set_path(&name);
    Ok(Some(url.to_string()))
}

/// A migrated store on a fresh PostgreSQL database, or `None` when skipped.
pub async fn fresh_postgres_store(test: &str) -> Result<Option<Store>, StoreError> {
    let Some(url) = fresh_postgres_url(test).await? else {
        return Ok(None);
    };
    let store = Store::connect(&url, 5).await?.with_rules(trusting_rules());
    store.migrate().await?;
    Ok(Some(store))
}

/// Reputation rules under which every member starts at TL1 (may vote,
/// post links, post without a daily limit): for tests of other features,
/// which would otherwise have each voter post first. Tests of trust levels
/// use the defaults.
pub fn trusting_rules() -> guildhall_core::reputation::Rules {
    let mut rules = guildhall_core::reputation::Rules::default();
    rules.trust.tl1 = Default::default();
    rules
}

/// A remote member `name` of `domain` as federation stores one, with
/// https URLs in Mastodon's shape and a placeholder key.
pub fn remote_user(name: &str, domain: &str) -> crate::RemoteUser {
    crate::RemoteUser {
        username: format!("{name}@{domain}"),
        display_name: None,
        bio_html: String::new(),
        avatar_url: None,
        domain: domain.into(),
        ap_id: format!("https://{domain}/u/{name}"),
        inbox: format!("https://{domain}/u/{name}/inbox"),
        shared_inbox: None,
        profile_url: None,
        public_key_pem: "pem".into(),
    }
}
