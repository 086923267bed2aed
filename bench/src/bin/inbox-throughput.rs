//! Inbound verify-and-apply throughput.
//!
//! Starts a real Guildhall (the e2e harness's `TestServer`, SQLite file,
//! loopback port) with a group, a thread whose replies collect votes and a
//! thread that collects replies; stand-in servers serve the remote actors.
//! Every activity is signed before the clock starts. The actors are warmed
//! first (one Like each, untimed), so the timed runs are steady-state
//! verify + apply: signature and Digest check, actor read from the store,
//! receipt, origin checks, the write. Then, timed, with a fixed number of
//! requests in flight over real HTTP:
//!
//! 1. `Like`s of the replies, each (actor, reply) pair once, so the
//!    one-vote-per-actor rule never makes one a no-op, and the daily remote
//!    vote cap raised so it does not either;
//! 2. `Create(Note)` replies to the second thread, Mastodon's shape.
//!
//! After each run the effect is checked through the API (upvotes, reply
//! count), so the figure counts applied activities only.

use guildhall_bench::{Args, Crowd, Key, Run, Signed, machine, post_all, presign};
use guildhall_e2e::{Api, TestServer};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};
use std::time::Instant;

const USAGE: &str = "inbox-throughput: inbound activities per second on SQLite

cargo run --release -p guildhall-bench --bin inbox-throughput -- [options]

  --likes N        Like activities in the timed run (default 20000)
  --notes N        Create(Note) activities in the timed run (default 20000)
  --actors N       remote actors (default 200)
  --domains N      stand-in servers they are spread over (default 4)
  --concurrency N  requests in flight (default 64)
  --db-connections N  database.max_connections (default: the shipped default, 8)";

const AS: &str = "https://www.w3.org/ns/activitystreams";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse(
        USAGE,
        &[
            "likes",
            "notes",
            "actors",
            "domains",
            "concurrency",
            "db-connections",
        ],
    );
    let likes: usize = args.get("likes", 20_000);
    let notes: usize = args.get("notes", 20_000);
    let actors: usize = args.get("actors", 200).max(1);
    let domains: usize = args.get("domains", 4).clamp(1, actors);
    let in_flight: usize = args.get("concurrency", 64).max(1);
    let db_connections: u32 = args.get(
        "db-connections",
        guildhall::config::DatabaseConfig::default().max_connections,
    );
    // Enough replies that every Like is a distinct (actor, reply) pair.
    let replies = likes.div_ceil(actors).max(1);

    println!(
        "inbox-throughput on {}, revision {}",
        machine(),
        guildhall_bench::revision()
    );
    println!(
        "{likes} Likes and {notes} Create(Note) from {actors} actors on {domains} servers, \
         {in_flight} in flight, {db_connections} database connections; release build: {}",
        !cfg!(debug_assertions)
    );

    let key = Key::new().await;
    let server = TestServer::sqlite_with(|c| {
        // The run's Likes all come from a few servers on one day.
        c.federation.remote_votes_per_instance_per_day = 1_000_000_000;
        // The harness shrinks the pool for tests; measure the shipped default.
        c.database.max_connections = db_connections;
    })
    .await;
    let local = format!("http://{}", server.domain());
    let inbox = server.url("/inbox");
    let ann = server.api().register("ann").await;
    ann.post(
        "/groups",
        json!({ "name": "support", "title": "Printer support" }),
    )
    .await
    .expect(201);
    let votes_thread = new_thread(&ann, "Votes land on these replies").await;
    let notes_thread = new_thread(&ann, "Remote replies land here").await;
    let mut reply_ids = Vec::with_capacity(replies);
    for i in 0..replies {
        let reply = ann
            .post(
                &format!("/threads/{votes_thread}/replies"),
                json!({ "body": format!("Answer number {i}: check the paper path.") }),
            )
            .await
            .expect(201);
        reply_ids.push(reply["id"].as_i64().expect("reply id"));
    }

    let per_domain = actors.div_ceil(domains);
    let mut crowds = Vec::new();
    let mut people = Vec::new();
    for d in 0..domains {
        let names: Vec<String> = (d * per_domain..((d + 1) * per_domain).min(actors))
            .map(|i| format!("p{i}"))
            .collect();
        let crowd = Crowd::start(names, &key, true).await;
        people.extend(crowd.names().iter().map(|n| crowd.actor(n)));
        crowds.push(crowd);
    }

    // Every activity, before any clock.
    let warm: Vec<(String, Value)> = people
        .iter()
        .map(|a| {
            let like = like(a, "warm", &format!("{local}/t/{votes_thread}"));
            (inbox.clone(), like)
        })
        .collect();
    let mut pairs: Vec<(&String, i64)> = people
        .iter()
        .flat_map(|a| reply_ids.iter().map(move |r| (a, *r)))
        .collect();
    pairs.shuffle(&mut rand::rngs::StdRng::seed_from_u64(23));
    pairs.truncate(likes);
    let like_jobs: Vec<(String, Value)> = pairs
        .iter()
        .map(|(a, r)| {
            (
                inbox.clone(),
                like(a, &r.to_string(), &format!("{local}/r/{r}")),
            )
        })
        .collect();
    let note_jobs: Vec<(String, Value)> = (0..notes)
        .map(|i| {
            let actor = &people[i % people.len()];
            let note = note(actor, i, &local, notes_thread);
            (inbox.clone(), note)
        })
        .collect();
    let signing = Instant::now();
    let total = warm.len() + like_jobs.len() + note_jobs.len();
    let private = key.private.clone();
    let (warm, like_reqs, note_reqs) = tokio::task::spawn_blocking(move || {
        (
            presign(warm, &private),
            presign(like_jobs, &private),
            presign(note_jobs, &private),
        )
    })
    .await?;
    println!(
        "pre-signed {total} activities in {:.1} s (not timed)",
        signing.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::new();
    let store = guildhall_db::Store::connect(&server.config.database.url, 1).await?;

    // Warm-up: each actor's first activity makes Guildhall fetch it.
    let before = ann
        .get(&format!("/threads/{votes_thread}"))
        .await
        .expect(200);
    let warm_run = post_all(&client, warm, in_flight).await;
    check_all_accepted("warm-up", &warm_run, actors)?;
    let after = ann
        .get(&format!("/threads/{votes_thread}"))
        .await
        .expect(200);
    let warmed = after["upvotes"].as_i64().unwrap() - before["upvotes"].as_i64().unwrap();
    println!(
        "warm-up: {actors} actors fetched and cached, {} Likes in {:.2} s (cold path: one actor fetch each; not timed); {warmed} upvotes landed",
        warm_run.latencies.len(),
        warm_run.wall.as_secs_f64()
    );
    anyhow::ensure!(
        warmed == actors as i64,
        "the warm-up Likes did not all land"
    );
    drain(&store).await?;

    // Timed: Likes.
    let upvotes_before = reply_upvotes(&ann, &reply_ids).await;
    let like_run = timed(&client, "Like", like_reqs, in_flight).await;
    let backlog = store.pending_events(1_000_000).await?.len();
    let landed = reply_upvotes(&ann, &reply_ids).await - upvotes_before;
    println!(
        "  checked: {landed} of {likes} upvotes landed on the replies; {backlog} relay events still queued for expansion at the end"
    );
    check_all_accepted("Like", &like_run, likes)?;
    anyhow::ensure!(landed == likes as i64, "not every Like landed");
    drain(&store).await?;

    // Timed: Create(Note).
    let count_before = reply_count(&ann, notes_thread).await;
    let note_run = timed(&client, "Create(Note)", note_reqs, in_flight).await;
    let backlog = store.pending_events(1_000_000).await?.len();
    let landed = reply_count(&ann, notes_thread).await - count_before;
    println!(
        "  checked: {landed} of {notes} replies landed in the thread; {backlog} relay events still queued for expansion at the end"
    );
    check_all_accepted("Create(Note)", &note_run, notes)?;
    anyhow::ensure!(landed == notes as i64, "not every Create(Note) landed");

    println!();
    println!("| activity | N | in flight | activities/s | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, run) in [("Like", &like_run), ("Create(Note)", &note_run)] {
        let s = run.stats();
        println!(
            "| {name} | {} | {in_flight} | {:.0} | {:.1} | {:.1} |",
            run.latencies.len(),
            run.per_second(),
            s.p50,
            s.p99
        );
    }
    drop(crowds);
    let mut server = server;
    server.stop().await;
    Ok(())
}

async fn new_thread(api: &Api, title: &str) -> i64 {
    api.post(
        "/groups/support/threads",
        json!({ "title": title, "body": "Benchmark thread." }),
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .expect("thread id")
}

/// Mastodon's Like: fragment id, no addressing.
fn like(actor: &str, tag: &str, object: &str) -> Value {
    json!({
        "@context": AS,
        "id": format!("{actor}#likes/{tag}"),
        "type": "Like",
        "actor": actor,
        "object": object,
    })
}

/// Mastodon's public reply to a thread, mentioning its author.
fn note(actor: &str, i: usize, local: &str, thread: i64) -> Value {
    let status = format!("{actor}/statuses/{}", 110_000_000_000_000_000u64 + i as u64);
    let to = json!([PUBLIC]);
    let cc = json!([format!("{actor}/followers"), format!("{local}/u/ann")]);
    json!({
        "@context": [AS, "https://w3id.org/security/v1"],
        "id": format!("{status}/activity"),
        "type": "Create",
        "actor": actor,
        "published": "2026-11-23T10:00:00Z",
        "to": to,
        "cc": cc,
        "object": {
            "id": status,
            "type": "Note",
            "inReplyTo": format!("{local}/t/{thread}"),
            "published": "2026-11-23T10:00:00Z",
            "attributedTo": actor,
            "to": to,
            "cc": cc,
            "content": format!(
                "<p><span class=\"h-card\"><a href=\"{local}/u/ann\" class=\"u-url mention\">@<span>ann</span></a></span> \
                 Reply {i}: have you tried clearing the paper path? That fixed it for me.</p>"
            ),
            "tag": [{ "type": "Mention", "href": format!("{local}/u/ann"), "name": "@ann" }],
        },
    })
}

async fn timed(client: &reqwest::Client, name: &str, reqs: Vec<Signed>, in_flight: usize) -> Run {
    guildhall_bench::profile(true);
    let run = post_all(client, reqs, in_flight).await;
    guildhall_bench::profile(false);
    println!(
        "{name}: {} activities in {:.2} s = {:.0} activities/s; latency {}; statuses {:?}",
        run.latencies.len(),
        run.wall.as_secs_f64(),
        run.per_second(),
        run.stats(),
        run.statuses
    );
    run
}

fn check_all_accepted(what: &str, run: &Run, expected: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        run.accepted() == expected,
        "{what}: {} of {expected} accepted (202); statuses {:?}; first refusal: {}",
        run.accepted(),
        run.statuses,
        run.first_refusal.as_deref().unwrap_or("none")
    );
    Ok(())
}

async fn reply_upvotes(api: &Api, ids: &[i64]) -> i64 {
    let mut sum = 0;
    for id in ids {
        sum += api.get(&format!("/replies/{id}")).await.expect(200)["upvotes"]
            .as_i64()
            .expect("upvotes");
    }
    sum
}

async fn reply_count(api: &Api, thread: i64) -> i64 {
    api.get(&format!("/threads/{thread}")).await.expect(200)["reply_count"]
        .as_i64()
        .expect("reply_count")
}

/// Waits until the delivery worker has expanded every relay event the
/// previous run left, so one run's backlog does not slow the next.
async fn drain(store: &guildhall_db::Store) -> anyhow::Result<()> {
    let start = Instant::now();
    while !store.pending_events(1).await?.is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if start.elapsed().as_millis() > 200 {
        println!(
            "  (waited {:.1} s for the worker to expand the relay events)",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
