use crate::error::{Result, StoreError};
use crate::{Reply, Thread};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::time::Duration;

/// A post whose author's rank is shown beside their name.
pub(crate) trait Authored {
    fn rank_from(&mut self, rules: &guildhall_core::reputation::Rules);
}

macro_rules! authored {
    ($($t:ty),*) => {$(
        impl Authored for $t {
            fn rank_from(&mut self, rules: &guildhall_core::reputation::Rules) {
                self.author_rank =
                    guildhall_core::reputation::ranks::rank_for(&rules.ranks, self.author_points)
                        .title
                        .clone();
            }
        }
    )*};
}
authored!(Thread, Reply);

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database. Cheap to clone (pools inside).
#[derive(Clone, Debug)]
pub struct Store {
    /// Reads, and on PostgreSQL writes too.
    pub(crate) pool: AnyPool,
    /// Writes. On SQLite a pool of one connection: SQLite takes one writer
    /// at a time, and writers that collide on its lock back off by sleeping
    /// (1 ms and more, each time), which capped inbound activities near
    /// 1,000/s. Queued here instead, a writer waits only as long as the
    /// one before it takes. On PostgreSQL the same pool as reads.
    pub(crate) writer: AnyPool,
    /// On SQLite, the task that batches the busiest writes ([`Store::write`]).
    group_commit: Option<crate::group_commit::GroupCommit>,
    backend: Backend,
    /// Counts this process's changes of instance policies
    /// ([`Store::policy_changes`]), shared by every clone.
    pub(crate) policy_changes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The reputation rules the ledger is written with (`[reputation]`).
    pub(crate) rules: std::sync::Arc<guildhall_core::reputation::Rules>,
}

impl Store {
    /// Opens `url`: `sqlite:path/to/file.db` (created with its folder if
    /// missing) or `postgres://…`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        install_default_drivers();
        let (backend, url) = normalize(url)?;
        let (pool, writer) = match backend {
            Backend::Sqlite => (
                sqlite_pool(&url, max_connections).await?,
                sqlite_pool(&url, 1).await?,
            ),
            Backend::Postgres => {
                let pool = options(max_connections).connect(&url).await?;
                (pool.clone(), pool)
            }
        };
        let group_commit = (backend == Backend::Sqlite)
            .then(|| crate::group_commit::GroupCommit::start(writer.clone()));
        Ok(Store {
            pool,
            writer,
            group_commit,
            backend,
            policy_changes: Default::default(),
            rules: Default::default(),
        })
    }

    /// This store, writing the ledger with `rules` instead of the defaults.
    pub fn with_rules(mut self, rules: guildhall_core::reputation::Rules) -> Store {
        self.rules = std::sync::Arc::new(rules);
        self
    }

    pub fn rules(&self) -> &guildhall_core::reputation::Rules {
        &self.rules
    }

    /// Posts with their authors' ranks filled in.
    pub(crate) fn ranked<P: Authored>(&self, mut posts: Vec<P>) -> Vec<P> {
        for post in &mut posts {
            post.rank_from(&self.rules);
        }
        posts
    }

    /// A post with its author's rank filled in.
    pub(crate) fn ranked_one<P: Authored>(&self, post: Option<P>) -> Option<P> {
        post.map(|mut p| {
            p.rank_from(&self.rules);
            p
        })
    }

    /// Applies the migrations this build carries that the database lacks.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Runs `change` in a transaction: on SQLite batched with the other
    /// changes waiting ([`crate::group_commit`]), on PostgreSQL its own.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        mut change: crate::group_commit::Change<T>,
    ) -> Result<T> {
        if let Some(group_commit) = &self.group_commit {
            return group_commit.write(change).await;
        }
        let mut tx = self.writer.begin().await?;
        let output = change(&mut tx).await?;
        tx.commit().await?;
        Ok(output)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// SQLite's journal mode (`wal` once connected); for checks and tests.
    pub async fn journal_mode(&self) -> Result<String> {
        Ok(sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

fn options(max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(Duration::from_secs(10))
}

async fn sqlite_pool(url: &str, max_connections: u32) -> Result<AnyPool> {
    Ok(options(max_connections)
        // An in-process file cannot drop a connection: the ping sqlx sends
        // before each use would be a wasted round trip to the connection's
        // thread on every query.
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // WAL: readers never block the writer; NORMAL sync is
                // durable across process crashes in WAL mode.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .await?;
                Ok(())
            })
        })
        .connect(url)
        .await?)
}

/// Tells the backend from the URL and, for SQLite, makes sure the file can
/// be created: `mode=rwc` and an existing parent folder.
fn normalize(url: &str) -> Result<(Backend, String)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string()));
    }
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Err(StoreError::Config(format!(
            "{url:?}: use sqlite:path/to/file.db or postgres://user@host/db"
        )));
    };
    let path_part = rest.trim_start_matches("//");
    let (path, query) = path_part.split_once('?').unwrap_or((path_part, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::Config(
            "an in-memory SQLite database would lose everything on restart; give a file path"
                .into(),
        ));
    }
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", parent.display())))?;
    }
    let query = if query.split('&').any(|kv| kv.starts_with("mode=")) {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok((Backend::Sqlite, format!("sqlite://{path}?{query}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_urls() {
        let (b, u) = normalize("sqlite:data/g.db").unwrap();
        assert_eq!(b, Backend::Sqlite);
        assert_eq!(u, "sqlite://data/g.db?mode=rwc");
        assert_eq!(
            normalize("sqlite:///tmp/x.db?mode=ro").unwrap().1,
            "sqlite:///tmp/x.db?mode=ro"
        );
        assert_eq!(normalize("postgres://u@h/db").unwrap().0, Backend::Postgres);
        assert!(normalize("mysql://x").is_err());
        assert!(normalize("sqlite::memory:").is_err());
    }
}
