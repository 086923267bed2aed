//! Reputation: the full recompute from the ledger, and the ledger's
//! incremental update per vote, on SQLite.
//!
//! 1. A fresh store (SQLite file, migrated, default rules) is filled with a
//!    realistic ledger (default 1,000,000 entries over 180 days ending now):
//!    2,000 members (a fifth remote, on 10 instances), 20 groups, 50,000
//!    threads and replies (their rows exist, with tallies), and entries in
//!    the mix a live instance writes: upvotes and some downvotes received
//!    (most on recent posts, from random voters, each voter once per post),
//!    the voter's cost of each downvote on a reply, withdrawn and changed
//!    votes (the rows naming the vote they reverse), accepted answers,
//!    badges, admin adjustments, removals, staged ideas. Each entry's points
//!    are decided by the fold of `guildhall_core` as the entries are made,
//!    so the stored points are what the rules give (a recompute changes
//!    none), and the standing votes' rows say what each vote stands for.
//!    The rows are inserted in one transaction, many per statement, through
//!    the ledger's triggers (setup, timed but not a target).
//! 2. Timed: `Store::recompute_reputation`, the full recompute from
//!    scratch, several times (default 3) with the rules unchanged. Before
//!    the first, five folded rows are spoiled on purpose; after each, the
//!    folded tables and the standing votes must be exactly as the triggers
//!    built them and no entry's points may have changed. Then once under
//!    other rules (most entries and folded rows change) and once back
//!    under the defaults, which must give the triggers' tables again.
//! 3. Timed: the incremental path. Members, a group and threads are made
//!    through the store's API on that database; then votes (`Store::vote`,
//!    an upvote on a thread each, every (voter, thread) pair once), one at a
//!    time and from many tasks at once. The same on a fresh, empty
//!    database, and on the full one on threads by its most active members:
//!    the work per vote must not grow with the ledger.

use guildhall_bench::{Args, Stats, machine};
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::ranking::hot_rank;
use guildhall_core::reputation::Rules;
use guildhall_core::reputation::ledger::{Entry, Fold, Kind, KindName, Object};
use guildhall_core::votes::Vote;
use guildhall_db::{NewGroup, NewThread, NewUser, Store, VoteTarget};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Sqlite, SqliteConnection, SqlitePool};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

const USAGE: &str = "reputation: the ledger's full recompute and the per-vote update, on SQLite

cargo run --release -p guildhall-bench --bin reputation -- [options]

  --events N       ledger entries to fill the database with (default 1000000)
  --users N        members they are spread over (default 2000; a fifth remote)
  --groups N       groups (default 20)
  --posts N        threads and replies they are about (default 50000; a fifth threads)
  --days N         days the entries span, ending now (default 180)
  --runs N         timed full recomputes (default 3)
  --votes N        votes per incremental run (default 5000; 0 skips that part)
  --concurrency N  tasks voting at once in the concurrent runs (default 64)
  --dir PATH       where the databases go (default: a new folder in the temp dir,
                   removed at the end)";

const DAY: i64 = 86_400_000;
/// Remote instances the remote members are spread over.
const DOMAINS: i64 = 10;
/// Ledger rows per INSERT: 14 columns, well under SQLite's 32,766 parameters.
const LEDGER_CHUNK: usize = 1_000;
/// Rows per INSERT for the other tables.
const CHUNK: usize = 500;
const BADGES: [&str; 6] = [
    "first_thread",
    "first_reply",
    "nice_reply",
    "good_reply",
    "nice_thread",
    "popular",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse(
        USAGE,
        &[
            "events",
            "users",
            "groups",
            "posts",
            "days",
            "runs",
            "votes",
            "concurrency",
            "dir",
        ],
    );
    let shape = Shape {
        events: args.get("events", 1_000_000usize).max(1),
        users: args.get("users", 2_000i64).max(30),
        groups: args.get("groups", 20i64).max(1),
        posts: args.get("posts", 50_000usize).max(10),
        days: args.get("days", 180i64).max(1),
    };
    let runs: usize = args.get("runs", 3).max(1);
    let votes: usize = args.get("votes", 5_000);
    let concurrency: usize = args.get("concurrency", 64).max(1);
    let (dir, remove_dir) = match args.string("dir", "").as_str() {
        "" => (
            std::env::temp_dir().join(format!("guildhall-bench-reputation-{}", std::process::id())),
            true,
        ),
        d => (PathBuf::from(d), false),
    };
    std::fs::create_dir_all(&dir)?;

    println!(
        "reputation on {}, revision {}",
        machine(),
        guildhall_bench::revision()
    );
    println!(
        "{} ledger entries, {} members ({} remote on {DOMAINS} instances), {} groups, {} posts, \
         {} days; {runs} recomputes; {votes} votes per incremental run, {concurrency} tasks; \
         release build: {}",
        shape.events,
        shape.users,
        shape.users - shape.remote_from() + 1,
        shape.groups,
        shape.posts,
        shape.days,
        !cfg!(debug_assertions)
    );

    let result = run(&shape, runs, votes, concurrency, &dir).await;
    if remove_dir {
        std::fs::remove_dir_all(&dir).ok();
    }
    result
}

async fn run(
    shape: &Shape,
    runs: usize,
    votes: usize,
    concurrency: usize,
    dir: &Path,
) -> anyhow::Result<()> {
    // 1. The full database.
    let path = dir.join("full.db");
    let url = sqlite_url(&path);
    let store = Store::connect(&url, 4).await?;
    store.migrate().await?;

    let started = Instant::now();
    let rules = Rules::default();
    let ledger = generate(shape, &rules);
    let generated = started.elapsed();
    println!(
        "generated {} entries in {:.1} s: {} (not timed)",
        ledger.rows.len(),
        generated.as_secs_f64(),
        ledger.mix()
    );

    let raw = raw_pool(&path).await?;
    let started = Instant::now();
    fill(&raw, shape, &ledger).await?;
    let inserted = started.elapsed();
    let started = Instant::now();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&raw)
        .await?;
    let checkpointed = started.elapsed();
    let size = std::fs::metadata(&path)?.len();
    println!(
        "inserted in {:.1} s ({:.0} entries/s through the triggers, with {} users, {} posts, \
         {} standing votes), checkpoint {:.1} s; database {:.0} MB",
        inserted.as_secs_f64(),
        ledger.rows.len() as f64 / inserted.as_secs_f64(),
        shape.users,
        ledger.posts.len(),
        ledger.votes.len(),
        checkpointed.as_secs_f64(),
        size as f64 / 1e6
    );
    let folded_by_triggers = checksums(&raw).await?;
    println!("folded by the triggers: {folded_by_triggers}");

    // 2. The full recompute. The first must put right a few folded rows
    // spoiled on purpose (one score gone, one day's points off, a stray
    // day, an instance day gone, one standing vote's points off).
    spoil(&raw).await?;
    let mut recomputes: Vec<Recompute> = Vec::new();
    for i in 1..=runs {
        let what = if i == 1 {
            "rules unchanged, 5 folded rows spoiled"
        } else {
            "rules unchanged"
        };
        let r = recompute(&store, what).await?;
        anyhow::ensure!(
            r.done.entries == ledger.rows.len() as u64,
            "the recompute read {} entries of {}",
            r.done.entries,
            ledger.rows.len()
        );
        anyhow::ensure!(
            r.done.changed == 0,
            "the recompute decided {} entries differently from the fold that wrote them",
            r.done.changed
        );
        same_as_triggers(&raw, &folded_by_triggers).await?;
        recomputes.push(r);
    }
    println!(
        "  checked: no entry changed, and the folded tables are again as the triggers built them"
    );
    // Under other rules many entries change, and so does almost every
    // folded row; then back.
    let other_rules = Rules {
        reply_upvote: 12,
        daily_vote_cap: 250,
        ..Rules::default()
    };
    let other = Store::connect(&url, 4).await?.with_rules(other_rules);
    let r = recompute(&other, "other rules (reply upvote 12, daily cap 250)").await?;
    anyhow::ensure!(r.done.changed > 0, "other rules changed nothing");
    let changed = r.done.changed;
    recomputes.push(r);
    other.close().await;
    let r = recompute(&store, "back to the default rules").await?;
    anyhow::ensure!(
        r.done.changed == changed,
        "back to the defaults, {} entries changed, not {changed}",
        r.done.changed
    );
    same_as_triggers(&raw, &folded_by_triggers).await?;
    println!(
        "  checked: back to the default rules, the folded tables are as the triggers built them"
    );
    recomputes.push(r);
    store.close().await;

    // 3. The incremental path.
    let mut incremental = Vec::new();
    if votes > 0 {
        let store = Store::connect(&url, 4)
            .await?
            .with_rules(guildhall_db::testing::trusting_rules());
        let before = ledger_rows(&raw).await?;
        let people = People::make(&store, "full").await?;
        let heavy: Vec<i64> = sqlx::query_scalar(
            "SELECT member_id FROM reputation_scores WHERE group_id = 0 \
             ORDER BY points DESC, member_id LIMIT 25",
        )
        .fetch_all(&raw)
        .await?;
        let mine = people.threads(&store, &people.authors).await?;
        let theirs = people.threads(&store, &heavy).await?;
        for (authors, threads) in [("new members", &mine), ("top 25 members", &theirs)] {
            let mut pairs = people.pairs(threads, 2 * votes);
            let second = pairs.split_off(votes);
            for (mode, tasks, pairs) in [
                ("one at a time", 1, pairs),
                ("concurrent", concurrency, second),
            ] {
                let rows = ledger_rows(&raw).await?;
                let timed = vote_all(&store, pairs, tasks).await?;
                timed.print(&format!("full database, threads by {authors}, {mode}"));
                incremental.push(IncRow {
                    database: "full",
                    ledger: rows,
                    authors,
                    tasks,
                    timed,
                });
            }
        }
        println!(
            "  the ledger went from {before} to {} rows",
            ledger_rows(&raw).await?
        );
        store.close().await;

        let fresh_path = dir.join("fresh.db");
        let store = Store::connect(&sqlite_url(&fresh_path), 4)
            .await?
            .with_rules(guildhall_db::testing::trusting_rules());
        store.migrate().await?;
        let fresh_raw = raw_pool(&fresh_path).await?;
        let people = People::make(&store, "fresh").await?;
        let threads = people.threads(&store, &people.authors).await?;
        let mut pairs = people.pairs(&threads, 2 * votes);
        let second = pairs.split_off(votes);
        for (mode, tasks, pairs) in [
            ("one at a time", 1, pairs),
            ("concurrent", concurrency, second),
        ] {
            let rows = ledger_rows(&fresh_raw).await?;
            let timed = vote_all(&store, pairs, tasks).await?;
            timed.print(&format!("empty database, {mode}"));
            incremental.push(IncRow {
                database: "empty",
                ledger: rows,
                authors: "new members",
                tasks,
                timed,
            });
        }
        store.close().await;
        fresh_raw.close().await;
    }
    raw.close().await;

    // Summary.
    println!();
    println!(
        "Setup: {} entries generated in {:.1} s, inserted through the triggers in {:.1} s ({:.0}/s).",
        ledger.rows.len(),
        generated.as_secs_f64(),
        inserted.as_secs_f64(),
        ledger.rows.len() as f64 / inserted.as_secs_f64()
    );
    println!();
    println!("| recompute | entries | time s | entries/s | read + fold s | write s | changed |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &recomputes {
        println!(
            "| {} | {} | {:.3} | {:.0} | {:.3} | {:.3} | {} |",
            r.what,
            r.done.entries,
            r.took.as_secs_f64(),
            r.done.entries as f64 / r.took.as_secs_f64(),
            r.read.as_secs_f64(),
            (r.took - r.read).as_secs_f64(),
            r.done.changed,
        );
    }
    if !incremental.is_empty() {
        println!();
        println!(
            "| database | ledger rows | threads by | tasks | votes | wall s | µs/vote | votes/s | p50 ms | p99 ms |"
        );
        println!("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for r in &incremental {
            let s = Stats::of(&r.timed.latencies);
            println!(
                "| {} | {} | {} | {} | {} | {:.2} | {:.0} | {:.0} | {:.2} | {:.2} |",
                r.database,
                r.ledger,
                r.authors,
                r.tasks,
                r.timed.latencies.len(),
                r.timed.wall.as_secs_f64(),
                r.timed.micros_per_vote(),
                r.timed.per_second(),
                s.p50,
                s.p99
            );
        }
    }
    let unchanged: Vec<Duration> = recomputes[..runs].iter().map(|r| r.took).collect();
    println!();
    println!(
        "target: full recompute of 1,000,000 entries in ≤ 2 s; this run, rules unchanged: {} entries in {:.3}–{:.3} s",
        ledger.rows.len(),
        unchanged
            .iter()
            .min()
            .unwrap_or(&Duration::ZERO)
            .as_secs_f64(),
        unchanged
            .iter()
            .max()
            .unwrap_or(&Duration::ZERO)
            .as_secs_f64(),
    );
    Ok(())
}

/// One timed full recompute.
struct Recompute {
    what: &'static str,
    took: Duration,
    /// Until the last progress call: reading and folding the entries.
    read: Duration,
    done: guildhall_db::Recomputed,
}

/// Under `perf` (see `guildhall_bench::profile`), only the recomputes with
/// the rules unchanged are recorded.
async fn recompute(store: &Store, what: &'static str) -> anyhow::Result<Recompute> {
    let profiled = what.starts_with("rules unchanged");
    guildhall_bench::profile(profiled);
    let started = Instant::now();
    let mut read = Duration::ZERO;
    let mut calls = 0;
    let done = store
        .recompute_reputation(|_, _| {
            read = started.elapsed();
            calls += 1;
        })
        .await?;
    let took = started.elapsed();
    if profiled {
        guildhall_bench::profile(false);
    }
    println!(
        "recompute, {what}: {:.3} s = {:.0} entries/s (reading and folding until the last of \
         {calls} progress calls {:.3} s, then writing {:.3} s); {done:?}",
        took.as_secs_f64(),
        done.entries as f64 / took.as_secs_f64(),
        read.as_secs_f64(),
        (took - read).as_secs_f64()
    );
    Ok(Recompute {
        what,
        took,
        read,
        done,
    })
}

/// Spoils five folded rows, which a recompute must put right.
async fn spoil(raw: &SqlitePool) -> anyhow::Result<()> {
    for sql in [
        "DELETE FROM reputation_scores WHERE rowid = (SELECT MIN(rowid) FROM reputation_scores)",
        "UPDATE reputation_days SET points = points + 7 WHERE rowid = (SELECT MIN(rowid) FROM reputation_days)",
        "INSERT INTO reputation_days (member_id, group_id, day, points) VALUES (1, 1000000, 1, 5)",
        "DELETE FROM reputation_instance_days WHERE rowid = (SELECT MIN(rowid) FROM reputation_instance_days)",
        "UPDATE thread_votes SET author_points = author_points + 1 \
         WHERE rowid = (SELECT MIN(rowid) FROM thread_votes WHERE author_points IS NOT NULL)",
    ] {
        let done = sqlx::query(sql).execute(raw).await?;
        anyhow::ensure!(done.rows_affected() == 1, "{sql}: no row");
    }
    Ok(())
}

async fn same_as_triggers(raw: &SqlitePool, triggers: &str) -> anyhow::Result<()> {
    let now = checksums(raw).await?;
    anyhow::ensure!(
        now == triggers,
        "the recompute's tables differ from the triggers':\n  triggers  {triggers}\n  recompute {now}"
    );
    Ok(())
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

/// A plain SQLite connection to the same file, for the bulk insert and the
/// checks (the store's own pools are not public).
async fn raw_pool(path: &Path) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(60));
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

async fn ledger_rows(raw: &SqlitePool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM reputation_ledger")
        .fetch_one(raw)
        .await?)
}

/// Counts and weighted sums of the folded tables, to compare what the
/// triggers built with what a recompute writes.
async fn checksums(raw: &SqlitePool) -> anyhow::Result<String> {
    let mut out = Vec::new();
    for (table, sql) in [
        (
            "scores",
            "SELECT COUNT(*), COALESCE(SUM(points), 0), \
             COALESCE(SUM(points * (member_id * 31 + group_id + 1)), 0) FROM reputation_scores",
        ),
        (
            "days",
            "SELECT COUNT(*), COALESCE(SUM(points + 3 * vote_gains + 7 * upvotes), 0), \
             COALESCE(SUM((points + 3 * vote_gains + 7 * upvotes) * \
             ((member_id * 31 + group_id) * 7 + day % 1000 + 1)), 0) FROM reputation_days",
        ),
        (
            "instance days",
            "SELECT COUNT(*), COALESCE(SUM(points), 0), \
             COALESCE(SUM(points * (length(domain) * 1000 + day % 1000 + unicode(substr(domain, 7, 1)))), 0) \
             FROM reputation_instance_days",
        ),
        (
            "standing votes",
            "SELECT COUNT(*), COALESCE(SUM(author_points), 0), COALESCE(SUM(voter_points), 0) \
             FROM (SELECT author_points, voter_points FROM thread_votes \
                   UNION ALL SELECT author_points, voter_points FROM reply_votes)",
        ),
    ] {
        let (n, a, b): (i64, i64, i64) = sqlx::query_as(sql).fetch_one(raw).await?;
        out.push(format!("{table} {n} rows ({a}, {b})"));
    }
    Ok(out.join("; "))
}

// ---------------------------------------------------------------------------
// The ledger.

struct Shape {
    events: usize,
    users: i64,
    groups: i64,
    posts: usize,
    days: i64,
}

impl Shape {
    /// Members from this id on are remote.
    fn remote_from(&self) -> i64 {
        self.users - self.users / 5 + 1
    }
}

#[derive(Debug, Clone, Copy)]
struct Post {
    object: Object,
    /// The thread's id for a reply, its own for a thread.
    thread: i64,
    author: i64,
    /// The thread's author (who accepts an answer).
    thread_author: i64,
    group: i64,
    created_at: i64,
}

/// A ledger row to insert.
struct Row {
    member: i64,
    group: Option<i64>,
    source: Option<i64>,
    domain: Option<i64>,
    kind: Kind,
    /// For a withdrawal, the vote it reverses.
    withdrawn: Option<i64>,
    object: Option<Object>,
    weight: i64,
    points: i64,
    detail: Option<&'static str>,
    at: i64,
}

/// A vote that stands at the end, with what it stands for.
struct Standing {
    voter: i64,
    post: u32,
    vote: Vote,
    at: i64,
}

struct Ledger {
    posts: Vec<Post>,
    rows: Vec<Row>,
    /// Standing votes and their (author_points, voter_points).
    votes: Vec<(Standing, i64, Option<i64>)>,
    /// Per post: (upvotes, downvotes) standing.
    tallies: Vec<(i64, i64)>,
}

impl Ledger {
    fn mix(&self) -> String {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for row in &self.rows {
            *counts.entry(row.kind.name().as_str()).or_default() += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let n = self.rows.len() as f64;
        let remote = self.rows.iter().filter(|r| r.domain.is_some()).count();
        let downs = self
            .rows
            .iter()
            .filter(|r| r.kind == Kind::VoteReceived(Vote::Down))
            .count();
        let mut parts: Vec<String> = counts
            .iter()
            .map(|(k, c)| format!("{k} {:.1} %", *c as f64 * 100.0 / n))
            .collect();
        parts.push(format!(
            "downvotes {:.1} % of votes received; {:.1} % of entries from remote sources",
            downs as f64 * 100.0
                / counts
                    .iter()
                    .find(|(k, _)| *k == KindName::VoteReceived.as_str())
                    .map_or(1, |(_, c)| *c) as f64,
            remote as f64 * 100.0 / n
        ));
        parts.join(", ")
    }
}

struct Gen<'r> {
    rng: StdRng,
    rules: &'r Rules,
    fold: Fold<'r>,
    users: i64,
    remote_from: i64,
    posts: Vec<Post>,
    rows: Vec<Row>,
    standing: Vec<Standing>,
    voted: HashSet<(i64, u32)>,
    tallies: Vec<(i64, i64)>,
}

/// The ledger of `shape`, each entry's points decided by the fold.
fn generate(shape: &Shape, rules: &Rules) -> Ledger {
    let end = guildhall_db::now_ms() - 60_000;
    let span = shape.days * DAY;
    let start = end - span;
    let mut rng = StdRng::seed_from_u64(20_261_123);

    // Posts, created from a tenth of the span before the first entry on.
    let mut posts: Vec<Post> = Vec::with_capacity(shape.posts);
    let mut threads: Vec<usize> = Vec::new();
    let (mut thread_ids, mut reply_ids) = (0i64, 0i64);
    let first = start - span / 10;
    let step = (end - first) / shape.posts as i64;
    for k in 0..shape.posts {
        let created_at = first + k as i64 * step;
        let author = skewed(&mut rng, shape.users, 2.0);
        if k % 5 == 0 || threads.is_empty() {
            thread_ids += 1;
            threads.push(k);
            posts.push(Post {
                object: Object::Thread(ThreadId(thread_ids)),
                thread: thread_ids,
                author,
                thread_author: author,
                group: skewed(&mut rng, shape.groups, 1.5),
                created_at,
            });
        } else {
            // Most replies go to recent threads.
            let t = posts[threads[recent(&mut rng, threads.len())]];
            reply_ids += 1;
            posts.push(Post {
                object: Object::Reply(ReplyId(reply_ids)),
                thread: t.thread,
                author,
                thread_author: t.author,
                group: t.group,
                created_at,
            });
        }
    }

    let mut g = Gen {
        rng,
        rules,
        fold: Fold::new(rules),
        users: shape.users,
        remote_from: shape.remote_from(),
        tallies: vec![(0, 0); posts.len()],
        posts,
        rows: Vec::with_capacity(shape.events + 4),
        standing: Vec::new(),
        voted: HashSet::new(),
    };
    while g.rows.len() < shape.events {
        let at = start + (g.rows.len() as i64 * span) / shape.events as i64;
        let left = shape.events - g.rows.len();
        let r: f64 = g.rng.r#gen();
        if left < 4 {
            g.adjustment(at);
        } else if r < 0.030 {
            g.badge(at);
        } else if r < 0.045 {
            g.accept(at);
        } else if r < 0.050 {
            g.adjustment(at);
        } else if r < 0.053 {
            g.removal(at);
        } else if r < 0.055 {
            g.idea(at);
        } else if r < 0.140 {
            g.withdraw(at);
        } else {
            g.vote(at);
        }
    }

    let granted: HashMap<(UserId, UserId, Object), i64> =
        g.fold.standing().map(|(k, v)| (*k, *v)).collect();
    let votes = g
        .standing
        .drain(..)
        .map(|s| {
            let post = g.posts[s.post as usize];
            let author_points = granted
                .get(&(UserId(post.author), UserId(s.voter), post.object))
                .copied()
                .unwrap_or(0);
            let voter_points = (s.vote == Vote::Down && matches!(post.object, Object::Reply(_)))
                .then(|| {
                    granted
                        .get(&(UserId(s.voter), UserId(post.author), post.object))
                        .copied()
                        .unwrap_or(0)
                });
            (s, author_points, voter_points)
        })
        .collect();
    Ledger {
        posts: g.posts,
        rows: g.rows,
        votes,
        tallies: g.tallies,
    }
}

/// 1..=n, low numbers more often (`power` > 1).
fn skewed(rng: &mut StdRng, n: i64, power: f64) -> i64 {
    let u: f64 = rng.r#gen();
    1 + ((n as f64 * u.powf(power)) as i64).min(n - 1)
}

/// An index below `n`, recent (high) ones far more often.
fn recent(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.r#gen();
    n - 1 - ((n as f64 * u * u * u) as usize).min(n - 1)
}

impl Row {
    /// A row of `kind` for `member` at `at`, about nothing, from no one.
    fn new(member: i64, kind: Kind, at: i64) -> Row {
        Row {
            member,
            group: None,
            source: None,
            domain: None,
            kind,
            withdrawn: None,
            object: None,
            weight: 100,
            points: 0,
            detail: None,
            at,
        }
    }

    /// About `post`, in its group.
    fn on(mut self, post: Post) -> Row {
        self.group = Some(post.group);
        self.object = Some(post.object);
        self
    }

    fn by(mut self, source: i64) -> Row {
        self.source = Some(source);
        self
    }
}

impl Gen<'_> {
    fn domain(&self, user: i64) -> Option<i64> {
        (user >= self.remote_from).then_some(user % DOMAINS)
    }

    /// Appends `row` with the points the fold gives it.
    fn push(&mut self, mut row: Row) {
        row.points = self.fold.apply(&Entry {
            member: UserId(row.member),
            group: row.group.map(GroupId),
            source: row.source.map(UserId),
            object: row.object,
            kind: row.kind,
            at: row.at,
            weight: row.weight,
            // The recompute numbers instances in the order it meets them;
            // any one-to-one numbering decides the same points.
            instance: row.domain.map(|d| d as u32),
        });
        self.rows.push(row);
    }

    /// A post that exists at `at`, recent ones more often.
    fn post_at(&mut self, at: i64) -> Post {
        let i = self.post_index(at);
        self.posts[i as usize]
    }

    fn post_index(&mut self, at: i64) -> u32 {
        let n = self.posts.partition_point(|p| p.created_at <= at).max(1);
        recent(&mut self.rng, n) as u32
    }

    fn vote(&mut self, at: i64) {
        for _ in 0..100 {
            let p = self.post_index(at);
            let voter = self.rng.gen_range(1..=self.users);
            if voter == self.posts[p as usize].author || self.voted.contains(&(voter, p)) {
                continue;
            }
            let vote = if self.rng.gen_bool(0.06) {
                Vote::Down
            } else {
                Vote::Up
            };
            self.cast(voter, p, vote, at);
            return;
        }
        self.adjustment(at);
    }

    /// A new vote: what the author receives and, for a downvote on a
    /// reply, what it costs the voter.
    fn cast(&mut self, voter: i64, p: u32, vote: Vote, at: i64) {
        let post = self.posts[p as usize];
        // Most votes count in full; a ring's at half; a few not at all.
        let weight = match self.rng.gen_range(0..100) {
            0 => 0,
            1..=2 => 50,
            _ => 100,
        };
        self.push(Row {
            domain: self.domain(voter),
            weight,
            ..Row::new(post.author, Kind::VoteReceived(vote), at)
                .on(post)
                .by(voter)
        });
        if vote == Vote::Down && matches!(post.object, Object::Reply(_)) {
            self.push(Row {
                weight,
                ..Row::new(voter, Kind::VoteCast(vote), at)
                    .on(post)
                    .by(post.author)
            });
        }
        self.standing.push(Standing {
            voter,
            post: p,
            vote,
            at,
        });
        self.voted.insert((voter, p));
        let t = &mut self.tallies[p as usize];
        match vote {
            Vote::Up => t.0 += 1,
            Vote::Down => t.1 += 1,
        }
    }

    /// A vote taken back (mostly a recent one): the rows naming what it
    /// reverses. A fifth are changed to the other way at once.
    fn withdraw(&mut self, at: i64) {
        if self.standing.is_empty() {
            return self.vote(at);
        }
        let i = recent(&mut self.rng, self.standing.len());
        let s = self.standing.swap_remove(i);
        self.voted.remove(&(s.voter, s.post));
        let post = self.posts[s.post as usize];
        self.push(Row {
            domain: self.domain(s.voter),
            withdrawn: Some(s.vote.value()),
            detail: Some("received"),
            ..Row::new(post.author, Kind::VoteWithdrawn, at)
                .on(post)
                .by(s.voter)
        });
        if s.vote == Vote::Down && matches!(post.object, Object::Reply(_)) {
            self.push(Row {
                withdrawn: Some(s.vote.value()),
                detail: Some("cast"),
                ..Row::new(s.voter, Kind::VoteWithdrawn, at)
                    .on(post)
                    .by(post.author)
            });
        }
        let t = &mut self.tallies[s.post as usize];
        match s.vote {
            Vote::Up => t.0 -= 1,
            Vote::Down => t.1 -= 1,
        }
        if self.rng.gen_bool(0.2) {
            let other = match s.vote {
                Vote::Up => Vote::Down,
                Vote::Down => Vote::Up,
            };
            self.cast(s.voter, s.post, other, at);
        }
    }

    /// A reply accepted as the answer by the thread's author: both rows.
    fn accept(&mut self, at: i64) {
        for _ in 0..100 {
            let p = self.post_at(at);
            if matches!(p.object, Object::Thread(_)) || p.author == p.thread_author {
                continue;
            }
            let (author, acceptor) = (p.author, p.thread_author);
            self.push(
                Row::new(author, Kind::AnswerAccepted, at)
                    .on(p)
                    .by(acceptor),
            );
            self.push(
                Row::new(acceptor, Kind::AnswerAcceptedBy, at)
                    .on(p)
                    .by(author),
            );
            return;
        }
        self.adjustment(at);
    }

    /// A member badge (no post, no group) or a post badge.
    fn badge(&mut self, at: i64) {
        let key = BADGES[self.rng.gen_range(0..BADGES.len())];
        let row = if key.starts_with("nice") || key.starts_with("good") {
            let p = self.post_at(at);
            Row::new(p.author, Kind::BadgeAwarded, at).on(p)
        } else {
            let member = skewed(&mut self.rng, self.users, 2.0);
            Row::new(member, Kind::BadgeAwarded, at)
        };
        self.push(Row {
            detail: Some(key),
            ..row
        });
    }

    /// An admin's adjustment: instance-wide, with a reason.
    fn adjustment(&mut self, at: i64) {
        let member = skewed(&mut self.rng, self.users, 2.0);
        let amount = [-50, -20, -10, 10, 20, 50, 100][self.rng.gen_range(0..7)];
        self.push(Row {
            detail: Some("bench adjustment"),
            ..Row::new(member, Kind::Adjustment(amount), at).by(1)
        });
    }

    /// A moderator (members 2..=21) removed a post.
    fn removal(&mut self, at: i64) {
        let p = self.post_at(at);
        let moderator = Some(2 + p.group % 20)
            .filter(|m| *m != p.author)
            .unwrap_or(1);
        let kind = Kind::PostRemoved(self.rules.post_removed);
        self.push(Row::new(p.author, kind, at).on(p).by(moderator));
    }

    /// An idea thread moved to a stage that gives points.
    fn idea(&mut self, at: i64) {
        let p = self.post_at(at);
        let kind = Kind::IdeaStaged([10, 25][self.rng.gen_range(0..2)]);
        let moderator = 2 + p.group % 20;
        self.push(Row::new(p.thread_author, kind, at).on(p).by(moderator));
    }
}

// ---------------------------------------------------------------------------
// The bulk insert.

type Query = sqlx::query::Query<'static, Sqlite, SqliteArguments>;

/// Inserts `rows` into `into` ("table (columns)"), `chunk` rows per statement.
async fn insert_rows<T>(
    conn: &mut SqliteConnection,
    into: &str,
    columns: usize,
    chunk: usize,
    rows: &[T],
    bind: impl Fn(Query, &T) -> Query,
) -> anyhow::Result<()> {
    let one = format!("({})", vec!["?"; columns].join(", "));
    for part in rows.chunks(chunk) {
        let sql = format!(
            "INSERT INTO {into} VALUES {}",
            vec![one.as_str(); part.len()].join(", ")
        );
        let mut query: Query = sqlx::query(AssertSqlSafe(sql));
        for row in part {
            query = bind(query, row);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Members, groups, posts, the ledger and the standing votes, in one
/// transaction (the ledger's triggers fold each row).
async fn fill(raw: &SqlitePool, shape: &Shape, ledger: &Ledger) -> anyhow::Result<()> {
    let joined = ledger.posts[0].created_at - 30 * DAY;
    let remote_from = shape.remote_from();
    let mut tx = raw.begin().await?;

    let users: Vec<i64> = (1..=shape.users).collect();
    insert_rows(
        &mut tx,
        "users (id, username, password_hash, created_at, domain, ap_id)",
        6,
        CHUNK,
        &users,
        |q, &id| {
            let domain = (id >= remote_from).then(|| format!("remote{}.example", id % DOMAINS));
            let ap_id = domain.as_ref().map(|d| format!("https://{d}/users/m{id}"));
            let name = match &domain {
                Some(d) => format!("m{id}@{d}"),
                None => format!("m{id}"),
            };
            q.bind(id)
                .bind(name)
                .bind("!")
                .bind(joined)
                .bind(domain)
                .bind(ap_id)
        },
    )
    .await?;

    let groups: Vec<i64> = (1..=shape.groups).collect();
    insert_rows(
        &mut tx,
        "groups (id, name, title, creator_id, created_at)",
        5,
        CHUNK,
        &groups,
        |q, &id| {
            q.bind(id)
                .bind(format!("group{id}"))
                .bind(format!("Group {id}"))
                .bind(1i64)
                .bind(joined)
        },
    )
    .await?;

    let mut replies_of: HashMap<i64, i64> = HashMap::new();
    for p in &ledger.posts {
        if matches!(p.object, Object::Reply(_)) {
            *replies_of.entry(p.thread).or_default() += 1;
        }
    }
    type Posts<'a> = Vec<(usize, &'a Post)>;
    let (threads, replies): (Posts, Posts) = ledger
        .posts
        .iter()
        .enumerate()
        .partition(|(_, p)| matches!(p.object, Object::Thread(_)));
    insert_rows(
        &mut tx,
        "threads (id, group_id, author_id, title, body, body_html, score, upvotes, downvotes, \
         reply_count, hot_rank, created_at, last_activity_at)",
        13,
        CHUNK,
        &threads,
        |q, (k, p)| {
            let (up, down) = ledger.tallies[*k];
            q.bind(p.thread)
                .bind(p.group)
                .bind(p.author)
                .bind(format!("Thread {}", p.thread))
                .bind("Does anyone know why the printer jams?")
                .bind("<p>Does anyone know why the printer jams?</p>")
                .bind(up - down)
                .bind(up)
                .bind(down)
                .bind(replies_of.get(&p.thread).copied().unwrap_or(0))
                .bind(hot_rank(up - down, p.created_at))
                .bind(p.created_at)
                .bind(p.created_at)
        },
    )
    .await?;
    insert_rows(
        &mut tx,
        "replies (id, thread_id, author_id, body, body_html, score, upvotes, downvotes, created_at)",
        9,
        CHUNK,
        &replies,
        |q, (k, p)| {
            let (up, down) = ledger.tallies[*k];
            let Object::Reply(id) = p.object else {
                unreachable!()
            };
            q.bind(id)
                .bind(p.thread)
                .bind(p.author)
                .bind("Check the paper path.")
                .bind("<p>Check the paper path.</p>")
                .bind(up - down)
                .bind(up)
                .bind(down)
                .bind(p.created_at)
        },
    )
    .await?;

    insert_rows(
        &mut tx,
        "reputation_ledger (member_id, group_id, source_id, source_domain, kind, vote, \
         object_type, object_id, amount, weight, points, detail, day, created_at)",
        14,
        LEDGER_CHUNK,
        &ledger.rows,
        |q, r| {
            let (object_type, object_id) = r.object.map(Object::stored).unzip();
            q.bind(r.member)
                .bind(r.group)
                .bind(r.source)
                .bind(r.domain.map(|d| format!("remote{d}.example")))
                .bind(r.kind.name().as_str())
                .bind(r.kind.vote().map(Vote::value).or(r.withdrawn))
                .bind(object_type)
                .bind(object_id)
                .bind(r.kind.amount())
                .bind(r.weight)
                .bind(r.points)
                .bind(r.detail)
                .bind(r.at.div_euclid(DAY))
                .bind(r.at)
        },
    )
    .await?;

    for thread_votes in [true, false] {
        let votes: Vec<_> = ledger
            .votes
            .iter()
            .filter(|(s, _, _)| {
                matches!(ledger.posts[s.post as usize].object, Object::Thread(_)) == thread_votes
            })
            .collect();
        let into = if thread_votes {
            "thread_votes (user_id, thread_id, value, created_at, author_points, voter_points)"
        } else {
            "reply_votes (user_id, reply_id, value, created_at, author_points, voter_points)"
        };
        insert_rows(&mut tx, into, 6, CHUNK, &votes, |q, (s, author, voter)| {
            let id = match ledger.posts[s.post as usize].object {
                Object::Thread(id) => id.get(),
                Object::Reply(id) => id.get(),
            };
            q.bind(s.voter)
                .bind(id)
                .bind(s.vote.value())
                .bind(s.at)
                .bind(*author)
                .bind(*voter)
        })
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The incremental path.

/// Members and a group made through the store's API.
struct People {
    voters: Vec<i64>,
    /// The first 25 voters, who also start threads.
    authors: Vec<i64>,
    group: i64,
}

impl People {
    async fn make(store: &Store, tag: &str) -> anyhow::Result<People> {
        let mut voters = Vec::new();
        for i in 0..300 {
            let user = store
                .create_user(NewUser {
                    username: &format!("bench{tag}{i}"),
                    password_hash: "!",
                    display_name: None,
                    is_admin: false,
                    first_is_admin: false,
                    keys: None,
                })
                .await?;
            voters.push(user.id.get());
        }
        let group = store
            .create_group(NewGroup {
                name: &format!("bench{tag}"),
                title: "Benchmark votes",
                description: "",
                description_html: "",
                rules: "",
                rules_html: "",
                kind: guildhall_core::kinds::GroupKind::Discussion,
                creator_id: UserId(voters[0]),
                keys: None,
            })
            .await?;
        Ok(People {
            authors: voters[..25].to_vec(),
            voters,
            group: group.id.get(),
        })
    }

    /// Two threads by each of `authors`, through the API.
    async fn threads(&self, store: &Store, authors: &[i64]) -> anyhow::Result<Vec<(i64, i64)>> {
        let mut threads = Vec::new();
        for round in 0..2 {
            for &author in authors {
                let thread = store
                    .create_thread(NewThread {
                        group_id: GroupId(self.group),
                        author_id: UserId(author),
                        title: &format!("Benchmark thread {round} by {author}"),
                        body: "Votes land here.",
                        body_html: "<p>Votes land here.</p>",
                    })
                    .await?;
                threads.push((thread.id.get(), author));
            }
        }
        Ok(threads)
    }

    /// `n` distinct (voter, thread) pairs, in a random order, never a
    /// voter on their own thread.
    fn pairs(&self, threads: &[(i64, i64)], n: usize) -> Vec<(i64, i64)> {
        let mut pairs: Vec<(i64, i64)> = self
            .voters
            .iter()
            .flat_map(|&v| {
                threads
                    .iter()
                    .filter(move |(_, author)| *author != v)
                    .map(move |(t, _)| (v, *t))
            })
            .collect();
        pairs.shuffle(&mut StdRng::seed_from_u64(threads.len() as u64 + n as u64));
        assert!(
            pairs.len() >= n,
            "{} (voter, thread) pairs for {n} votes: use fewer --votes",
            pairs.len()
        );
        pairs.truncate(n);
        pairs
    }
}

struct Timed {
    wall: Duration,
    latencies: Vec<Duration>,
}

impl Timed {
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    fn micros_per_vote(&self) -> f64 {
        self.wall.as_secs_f64() * 1e6 / self.latencies.len() as f64
    }

    fn print(&self, what: &str) {
        println!(
            "{what}: {} votes in {:.2} s = {:.0} µs per vote, {:.0} votes/s; latency {}",
            self.latencies.len(),
            self.wall.as_secs_f64(),
            self.micros_per_vote(),
            self.per_second(),
            Stats::of(&self.latencies)
        );
    }
}

struct IncRow {
    database: &'static str,
    ledger: i64,
    authors: &'static str,
    tasks: usize,
    timed: Timed,
}

/// Upvotes every (voter, thread) of `pairs`, from `tasks` tasks at once.
async fn vote_all(store: &Store, pairs: Vec<(i64, i64)>, tasks: usize) -> anyhow::Result<Timed> {
    let n = pairs.len();
    let mut shares: Vec<Vec<(i64, i64)>> = vec![Vec::new(); tasks];
    for (i, pair) in pairs.into_iter().enumerate() {
        shares[i % tasks].push(pair);
    }
    guildhall_bench::profile(true);
    let started = Instant::now();
    let handles: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(share.len());
                for (voter, thread) in share {
                    let t = Instant::now();
                    let tallies = store
                        .vote(
                            UserId(voter),
                            VoteTarget::Thread(ThreadId(thread)),
                            Some(Vote::Up),
                        )
                        .await?;
                    latencies.push(t.elapsed());
                    anyhow::ensure!(tallies.my_vote == Some(1), "the vote did not stand");
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(n);
    for handle in handles {
        latencies.extend(handle.await??);
    }
    let wall = started.elapsed();
    guildhall_bench::profile(false);
    Ok(Timed { wall, latencies })
}
