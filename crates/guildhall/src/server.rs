use crate::Config;
use anyhow::Context;
use guildhall_db::Store;
use guildhall_web::AppState;
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running instance: its address, and a way to stop it cleanly.
pub struct Server {
    pub addr: SocketAddr,
    pub store: Store,
    /// The password-hash bound, for tests that need it full.
    pub hash_gate: std::sync::Arc<guildhall_app::credentials::HashGate>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Opens the configured database and brings its schema up to date.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database.url, config.database.max_connections)
        .await
        .with_context(|| format!("opening the database {}", redact(&config.database.url)))?
        .with_rules(config.reputation.clone());
    store
        .migrate()
        .await
        .context("running database migrations")?;
    Ok(store)
}

/// Opens the store, migrates, binds the listen address and serves in the
/// background until [`Server::stop`].
pub async fn start(config: &Config) -> anyhow::Result<Server> {
    let store = open_store(config).await?;
    let app = guildhall_app::App::new(store.clone(), config.app_settings());
    let federation = start_federation(config, &app).await?;
    let worker = guildhall_federation::delivery::spawn(&federation);
    // Notices become notifications in the background (they wait in the
    // database, so a stop loses none).
    let notifier = guildhall_app::notifications::spawn(app.clone());
    let kept = federation.clone();
    let mut settings = config.web_settings();
    // Keys for the web side come from the instance's private key, which the
    // database keeps: CSRF tokens in open forms survive a restart.
    settings.secret = guildhall_web::settings::Secret::derive(
        "guildhall web secret v1",
        federation
            .context()
            .instance_keys
            .private_key_pem
            .as_bytes(),
    );
    let hash_gate = app.hash_gate.clone();
    let state = AppState::new(app, settings).with_federation(federation);
    let app = guildhall_web::router(state);
    let listener = tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .with_context(|| format!("listening on {}", config.server.listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let limits = crate::serve::ConnLimits {
        header_timeout: secs(config.server.header_timeout_secs),
        body_timeout: secs(config.server.body_timeout_secs),
        max_connections: config.server.max_connections.max(1),
    };
    let housekeeping = tokio::spawn(purge_sessions(store.clone()));
    let task = tokio::spawn(async move {
        let served = crate::serve::serve(listener, app, limits, async move {
            let _ = stopped.await;
        })
        .await;
        housekeeping.abort();
        worker.abort();
        notifier.abort();
        // Receipts and vote counts the worker had not written yet.
        if let Err(e) = kept.flush().await {
            tracing::warn!(error = %e, "could not write inbound receipts at shutdown");
        }
        served
    });
    tracing::info!(%addr, backend = ?store.backend(), "Guildhall is serving");
    Ok(Server {
        addr,
        store,
        hash_gate,
        stop,
        task,
    })
}

impl Server {
    /// Stops accepting, lets requests in flight finish, closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await??;
        self.store.close().await;
        Ok(())
    }
}

/// Federation: keys, the library's configuration, and the partner policy
/// from the config file (which the CLI and admin API can change later).
async fn start_federation(
    config: &Config,
    app: &guildhall_app::App,
) -> anyhow::Result<guildhall_federation::Federation> {
    let store = &app.store;
    // The lists are applied at each start; the CLI and the admin API change
    // policies while running (a listed domain gets its policy back at restart).
    use guildhall_core::instances::{Policy, domain};
    for (list, policy) in [
        (&config.federation.allow, Policy::Allow),
        (&config.federation.block, Policy::Block),
    ] {
        for name in list {
            let name = domain(name).with_context(|| format!("federation.{}", policy.as_str()))?;
            store
                .set_instance_policy(&name, Some(policy.as_str()))
                .await?;
        }
    }
    for p in &config.federation.partners {
        let name = domain(&p.domain).context("federation.partners")?;
        let terms = guildhall_app::partners::Terms::from(p.terms.clone());
        let partner = terms
            .policy(&name)
            .map_err(|e| anyhow::anyhow!("federation.partners {name}: {e}"))?;
        store
            .set_partner(&partner)
            .await
            .with_context(|| format!("federation.partners {name}"))?;
    }
    let urls = guildhall_federation::Urls::new(&config.web_settings().public_url()).with_context(
        || {
            format!(
                "instance.domain {:?} is not a host name",
                config.instance.domain
            )
        },
    )?;
    // The inbox applies activities through the use cases of the same app.
    guildhall_federation::Federation::new(app.clone(), config.federation_settings(), urls)
        .await
        .context("starting federation")
}

/// Drops expired sessions once an hour so the table does not grow forever.
async fn purge_sessions(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match store.purge_expired_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions purged"),
            Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
        }
    }
}

/// Seconds from the config (checked positive at load; 10 s if not).
fn secs(s: f64) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero())
        .unwrap_or(std::time::Duration::from_secs(10))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
