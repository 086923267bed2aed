//! `guildhall`: run and administer a Guildhall instance.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

mod progress;
use guildhall::{Config, open_store};
use guildhall_app::accounts::{self, Registration};
use guildhall_app::{Acting, App, groups, instances, partners};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "guildhall",
    version,
    about = "A self-hosted, federated community server"
)]
struct Cli {
    /// Configuration file (TOML). Default: ./guildhall.toml if it exists.
    /// Any key can also be set as GUILDHALL_<SECTION>__<KEY>.
    #[arg(long, global = true, env = "GUILDHALL_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Subcommand)]
enum Admin {
    /// Create an account. The password is read from stdin unless --password is given.
    CreateUser {
        /// 1–30 characters of a-z, 0-9 and _.
        username: String,
        /// Give the account the admin role.
        #[arg(long)]
        admin: bool,
        /// The password (visible to other local users in the process list; prefer stdin).
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Create a group owned (moderated) by an existing account.
    CreateGroup {
        /// 1–30 characters of a-z, 0-9 and _.
        name: String,
        #[arg(long)]
        title: String,
        /// The account that becomes the group's first moderator.
        #[arg(long)]
        owner: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        rules: String,
        /// discussion (the default), questions, ideas or reviews.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Which instances this one federates with.
    #[command(subcommand)]
    Federation(FederationCommand),
    /// Members' reputation.
    #[command(subcommand)]
    Reputation(ReputationCommand),
    /// The instance's keys for signing reputation attestations.
    #[command(subcommand)]
    Attestation(AttestationCommand),
    /// How far this instance trusts partner instances' attestations.
    #[command(subcommand)]
    Partner(PartnerCommand),
}

#[derive(Subcommand)]
enum PartnerCommand {
    /// Partner instances and their trust policy.
    List,
    /// Trust an instance's attestations: its members start at
    /// min(attested trust level, cap) and their votes weigh `weight`.
    Set {
        domain: String,
        /// How much its members' votes weigh here, 0 to 1.
        #[arg(long)]
        weight: f64,
        /// The highest trust level (0–4) an attestation grants here.
        #[arg(long)]
        max_trust_level: u8,
        /// Do not show its attested reputation on profiles.
        #[arg(long)]
        hide: bool,
    },
    /// Stop trusting an instance's attestations.
    Remove { domain: String },
}

#[derive(Subcommand)]
enum AttestationCommand {
    /// Start signing with a new Ed25519 key. The old key stays listed on the
    /// instance actor as expired, so attestations it signed can still be judged.
    RotateKey,
}

#[derive(Subcommand)]
enum ReputationCommand {
    /// Rebuild every score from the ledger under the current [reputation]
    /// rules (after changing them, or to check the scores).
    Recompute,
}

#[derive(Subcommand)]
enum FederationCommand {
    /// Known instances: policy, delivery health, queued deliveries.
    List,
    /// Federate with an instance (needed in allowlist mode).
    Allow { domain: String },
    /// Refuse an instance's activities and stop delivering to it.
    Block { domain: String },
    /// Remove an instance's policy: the mode decides again.
    Clear { domain: String },
}

/// Each Argon2id hash allocates 19 MiB. glibc's malloc raises its mmap
/// threshold to the size of any mmapped block freed (up to 32 MiB), so after
/// the first hash those blocks come from the per-thread arenas instead and
/// stay in them when freed: a flood of 150 logins left the process at 2.2 GB
/// resident ten seconds later (with the hash bound, still ~280 MB, one block
/// per arena). Pinning the threshold at 1 MiB keeps such blocks mmapped, so
/// each goes back to the OS when its hash ends (figures in
/// docs/performance.md). `MALLOC_MMAP_THRESHOLD_`, when set, wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_os() {
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: mallopt only sets an allocator parameter (under glibc's
        // own lock); it touches no memory of ours.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_os() {}

fn main() {
    return_large_blocks_to_the_os();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
        .block_on(async_main());
}

async fn async_main() {
    // One line for the operator, not a backtrace.
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
    init_logging(&config);
    for warning in
        Config::env_warnings(std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()))
    {
        tracing::warn!("{warning}");
    }
    match cli.command {
        Command::Serve => serve(&config).await,
        Command::Migrate => {
            let store = open_store(&config).await?;
            println!("database is up to date ({:?})", store.backend());
            Ok(())
        }
        Command::Admin(admin) => run_admin(&config, admin).await,
    }
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let server = guildhall::start(config).await?;
    println!(
        "Guildhall is running at http://{}/ (Ctrl-C to stop)",
        server.addr
    );
    if let Some(warning) = config.domain_warning() {
        tracing::warn!("{warning}");
        println!("Note: {warning}");
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

async fn run_admin(config: &Config, admin: Admin) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let app = App::new(store.clone(), config.app_settings());
    let result = match admin {
        Admin::CreateUser {
            username,
            admin,
            password,
            display_name,
        } => {
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            create_user(&app, &username, &password, display_name.as_deref(), admin).await
        }
        Admin::CreateGroup {
            name,
            title,
            owner,
            description,
            rules,
            kind,
        } => {
            let owner = accounts::user(&app, &owner)
                .await
                .map_err(|e| anyhow::anyhow!("owner: {e}"))?;
            let input = groups::GroupInput {
                title: &title,
                kind: kind.as_deref(),
                description: &description,
                rules: &rules,
            };
            let group = groups::create(&app, Acting::Operator, &owner, &name, input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created group {} ({}, a {} group), moderated by {}",
                group.name, group.title, group.kind, owner.username
            );
            Ok(())
        }
        Admin::Federation(command) => federation(&app, command).await,
        Admin::Reputation(ReputationCommand::Recompute) => recompute(&store).await,
        Admin::Attestation(AttestationCommand::RotateKey) => rotate_key(&store).await,
        Admin::Partner(command) => partner(&app, command).await,
    };
    store.close().await;
    result
}

async fn partner(app: &App, command: PartnerCommand) -> anyhow::Result<()> {
    let operator = Acting::Operator;
    match command {
        PartnerCommand::List => {
            for p in partners::list(app, operator).await? {
                println!(
                    "{}\tweight {:.2}\tcap TL{}\t{}",
                    p.domain,
                    p.trust_percent as f64 / 100.0,
                    p.max_trust_level,
                    if p.show_imported { "shown" } else { "hidden" }
                );
            }
        }
        PartnerCommand::Set {
            domain,
            weight,
            max_trust_level,
            hide,
        } => {
            let name = guildhall_core::instances::domain(&domain)?;
            let terms = partners::Terms {
                trust_weight: weight,
                max_trust_level,
                show_imported: !hide,
            };
            partners::set(app, operator, &name, terms).await?;
            println!(
                "{name}: votes weigh {weight}, attestations grant up to TL{max_trust_level}{}",
                if hide { ", not shown" } else { "" }
            );
        }
        PartnerCommand::Remove { domain } => {
            let name = guildhall_core::instances::domain(&domain)?;
            match partners::remove(app, operator, &name).await {
                Err(guildhall_app::Error::NotFound(_)) => anyhow::bail!("{name} is not a partner"),
                done => done?,
            }
            println!("{name} is no longer trusted");
        }
    }
    Ok(())
}

async fn rotate_key(store: &guildhall_db::Store) -> anyhow::Result<()> {
    let (new, old) = store
        .rotate_attestation_key(guildhall_federation::keys::generate_attestation_key)
        .await?;
    match old {
        Some(old) => println!(
            "attestation key {} now signs; key {} is listed as expired",
            new.id, old.id
        ),
        None => println!("attestation key {} now signs", new.id),
    }
    Ok(())
}

async fn recompute(store: &guildhall_db::Store) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut bar = progress::Bar::new("recomputing reputation");
    let done = store
        .recompute_reputation(|done, total| bar.show(done, total))
        .await?;
    bar.finish();
    println!(
        "recomputed {} ledger entries for {} members in {:.2} s; {} entries changed points under the current rules",
        done.entries,
        done.members,
        started.elapsed().as_secs_f64(),
        done.changed
    );
    Ok(())
}

async fn federation(app: &App, command: FederationCommand) -> anyhow::Result<()> {
    use guildhall_core::instances::Policy;
    let (domain, policy) = match command {
        FederationCommand::List => return list_instances(app).await,
        FederationCommand::Allow { domain } => (domain, Some(Policy::Allow)),
        FederationCommand::Block { domain } => (domain, Some(Policy::Block)),
        FederationCommand::Clear { domain } => (domain, None),
    };
    let instance = instances::set_policy(app, Acting::Operator, &domain, policy).await?;
    match policy {
        Some(p) => println!(
            "{}: {} (applies at once to a running server)",
            instance.domain,
            p.as_str()
        ),
        None => println!("{}: policy cleared", instance.domain),
    }
    Ok(())
}

async fn list_instances(app: &App) -> anyhow::Result<()> {
    let instances = instances::list(app, Acting::Operator).await?;
    if instances.is_empty() {
        println!("no known instances yet");
        return Ok(());
    }
    println!(
        "{:<32} {:<7} {:>8} {:>7}  STATE",
        "DOMAIN", "POLICY", "FAILURES", "QUEUED"
    );
    for i in instances {
        let state = match i.delivery_state() {
            "ok" => "ok".to_string(),
            troubled => format!(
                "{troubled}: {}",
                i.last_error.as_deref().unwrap_or_default()
            ),
        };
        println!(
            "{:<32} {:<7} {:>8} {:>7}  {}",
            i.domain,
            i.policy.as_deref().unwrap_or("-"),
            i.failures,
            i.queued,
            state
        );
    }
    Ok(())
}

/// The operator adds an account: registration rules apply, but not
/// whether registration is open, nor the per-address limit.
async fn create_user(
    app: &App,
    username: &str,
    password: &str,
    display_name: Option<&str>,
    admin: bool,
) -> anyhow::Result<()> {
    let registration = Registration {
        username,
        password,
        display_name,
        admin,
    };
    let user = accounts::register(app, Acting::Operator, registration).await?;
    println!(
        "created user {}{}",
        user.username,
        if user.is_admin { " (admin)" } else { "" }
    );
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    eprintln!("password (one line on stdin):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password given: pass it on stdin or with --password");
    }
    Ok(password)
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
