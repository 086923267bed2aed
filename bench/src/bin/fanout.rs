//! Fan-out: one new thread in a group to every follower's inbox.
//!
//! Starts a real Guildhall (the e2e harness's `TestServer`, SQLite file,
//! loopback port, default `parallelism_per_instance`) with a group, and
//! stand-in servers on loopback in this process (default 100), each serving
//! its actors (default 10). Every actor follows the group with a signed
//! `Follow` to our inbox; Guildhall fetches the actor and answers with an
//! `Accept`, which the run waits for. Then the clock starts, a member posts
//! one thread through the API, and the run waits until the group's relays
//! have reached every inbox.
//!
//! Two variants: actors without a shared inbox (each follower's own inbox
//! gets a POST: 1,000 by default) and with one (one POST per server: 100).
//! A new thread is relayed twice, as `Announce(Create(Page))` (for Lemmy and
//! Guildhall) and as a bare `Announce(Page)` (Mastodon's boost), so each
//! inbox gets two POSTs; both are timed, and every signature is verified
//! after the clock stops.

use guildhall_bench::{Args, Arrival, Crowd, Key, machine, post_all, presign};
use guildhall_e2e::TestServer;
use guildhall_e2e::remote::cavage::public_key_of;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

const USAGE: &str = "fanout: one thread delivered to every follower

cargo run --release -p guildhall-bench --bin fanout -- [options]

  --instances N     stand-in servers on loopback (default 100)
  --per-instance N  following actors on each (default 10)
  --variant V       inbox (no shared inbox), shared, or both (default both)
  --concurrency N   Follows in flight while setting up (default 32)
  --timeout S       give up waiting after S seconds (default 60)
  --db-connections N  database.max_connections (default: the shipped default, 8)";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse(
        USAGE,
        &[
            "instances",
            "per-instance",
            "variant",
            "concurrency",
            "timeout",
            "db-connections",
        ],
    );
    let setup = Setup {
        instances: args.get("instances", 100).max(1),
        per_instance: args.get("per-instance", 10).max(1),
        in_flight: args.get("concurrency", 32).max(1),
        timeout: Duration::from_secs(args.get("timeout", 60)),
        db_connections: args.get(
            "db-connections",
            guildhall::config::DatabaseConfig::default().max_connections,
        ),
    };
    let variants: &[bool] = match args.string("variant", "both").as_str() {
        "inbox" => &[false],
        "shared" => &[true],
        "both" => &[false, true],
        other => anyhow::bail!("--variant: inbox, shared or both, not {other:?}"),
    };
    println!(
        "fanout on {}, revision {}",
        machine(),
        guildhall_bench::revision()
    );
    println!(
        "{} followers on {} stand-in servers; release build: {}",
        setup.instances * setup.per_instance,
        setup.instances,
        !cfg!(debug_assertions)
    );
    let key = Key::new().await;
    let mut rows = Vec::new();
    for &shared in variants {
        rows.push(run(&setup, &key, shared).await?);
    }
    println!();
    println!(
        "| variant | inboxes | POSTs | API answer ms | Announce(Create) at all inboxes ms | both relays at all inboxes ms | signatures verified |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        println!("{row}");
    }
    Ok(())
}

struct Setup {
    instances: usize,
    per_instance: usize,
    in_flight: usize,
    timeout: Duration,
    db_connections: u32,
}

async fn run(setup: &Setup, key: &Key, shared: bool) -> anyhow::Result<String> {
    let variant = if shared {
        "shared inbox"
    } else {
        "no shared inbox"
    };
    println!("\n== {variant} ==");
    let db_connections = setup.db_connections;
    let mut server = TestServer::sqlite_with(|c| {
        // The harness shrinks the pool for tests; measure the shipped default.
        c.database.max_connections = db_connections;
    })
    .await;
    println!(
        "parallelism_per_instance = {}, max_connections = {}",
        server.config.federation.parallelism_per_instance, server.config.database.max_connections
    );
    let ann = server.api().register("ann").await;
    ann.post(
        "/groups",
        json!({ "name": "support", "title": "Printer support" }),
    )
    .await
    .expect(201);
    let group = format!("http://{}/g/support", server.domain());

    let mut crowds = Vec::new();
    for i in 0..setup.instances {
        let names = (0..setup.per_instance)
            .map(|j| format!("f{}", i * setup.per_instance + j))
            .collect();
        crowds.push(Crowd::start(names, key, shared).await);
    }
    let followers = setup.instances * setup.per_instance;

    // Setup (not timed for the target): every actor follows the group.
    let inbox = server.url("/inbox");
    let jobs: Vec<(String, Value)> = crowds
        .iter()
        .flat_map(|c| c.names().into_iter().map(move |n| c.actor(&n)))
        .map(|actor| {
            let follow = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{actor}/follows/1"),
                "type": "Follow",
                "actor": actor,
                "object": group,
                "to": [group],
            });
            (inbox.clone(), follow)
        })
        .collect();
    let private = key.private.clone();
    let follows = tokio::task::spawn_blocking(move || presign(jobs, &private)).await?;
    let client = reqwest::Client::new();
    let start = Instant::now();
    let follow_run = post_all(&client, follows, setup.in_flight).await;
    anyhow::ensure!(
        follow_run.accepted() == followers,
        "Follows: {:?}; first refusal: {}",
        follow_run.statuses,
        follow_run.first_refusal.as_deref().unwrap_or("none")
    );
    println!(
        "setup: {followers} Follows accepted in {:.2} s ({:.0}/s, each with an actor fetch; latency {})",
        follow_run.wall.as_secs_f64(),
        follow_run.per_second(),
        follow_run.stats()
    );
    wait_for(&crowds, followers, Duration::from_secs(300)).await;
    println!(
        "setup: {followers} Accepts arrived {:.2} s after the first Follow",
        start.elapsed().as_secs_f64()
    );
    let accepts: Vec<Arrival> = crowds.iter().flat_map(Crowd::take).collect();
    let accepted: HashSet<String> = accepts
        .iter()
        .filter(|a| a.json()["type"] == "Accept")
        .filter_map(|a| a.json()["object"]["actor"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(
        accepted.len() == followers,
        "{} distinct followers got an Accept",
        accepted.len()
    );
    let members = ann.get("/groups/support").await.expect(200)["member_count"]
        .as_i64()
        .unwrap_or_default();
    anyhow::ensure!(
        members == followers as i64 + 1,
        "the group has {members} members"
    );

    // Quiet: nothing queued, nothing in flight.
    let store = guildhall_db::Store::connect(&server.config.database.url, 1).await?;
    while !store.pending_events(1).await?.is_empty()
        || !store.due_domains(i64::MAX, 1).await?.is_empty()
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for c in &crowds {
        c.take();
    }
    let group_json: Value = client
        .get(server.url("/g/support"))
        .header("accept", "application/activity+json")
        .send()
        .await?
        .json()
        .await?;
    let group_key = public_key_of(&group_json).expect("the group's public key");

    // Timed: one thread, posted through the API, to every follower.
    let inboxes = if shared { setup.instances } else { followers };
    let expected = 2 * inboxes;
    guildhall_bench::profile(true);
    let t0 = Instant::now();
    let thread = ann
        .post(
            "/groups/support/threads",
            json!({ "title": "New firmware 4.2", "body": "It fixes the **duplex** jam." }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .expect("thread id");
    let api = t0.elapsed();
    let complete = wait_for(&crowds, expected, setup.timeout).await;
    guildhall_bench::profile(false);
    // Anything sent twice would show up now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let arrivals: Vec<(usize, Arrival)> = crowds
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.take().into_iter().map(move |a| (i, a)))
        .collect();

    let thread_url = format!("http://{}/t/{thread}", server.domain());
    let mut create: HashMap<(usize, String), Instant> = HashMap::new();
    let mut page: HashMap<(usize, String), Instant> = HashMap::new();
    let (mut other, mut duplicates, mut verified) = (0, 0, 0);
    let key_id = format!("{group}#main-key");
    for (crowd, a) in &arrivals {
        let body = a.json();
        let slot = if body["type"] == "Announce"
            && body["object"]["type"] == "Create"
            && body["object"]["object"]["id"] == thread_url
        {
            &mut create
        } else if body["type"] == "Announce"
            && body["object"]["type"] == "Page"
            && body["object"]["id"] == thread_url
        {
            &mut page
        } else {
            other += 1;
            continue;
        };
        if slot.insert((*crowd, a.path.clone()), a.at).is_some() {
            duplicates += 1;
        }
        if guildhall_bench::key_id(a).as_deref() == Some(key_id.as_str())
            && guildhall_bench::verify(a, &group_key)
        {
            verified += 1;
        }
    }
    let last =
        |m: &HashMap<(usize, String), Instant>| m.values().max().map(|t| t.duration_since(t0));
    let first =
        |m: &HashMap<(usize, String), Instant>| m.values().min().map(|t| t.duration_since(t0));
    let ms =
        |d: Option<Duration>| d.map_or("-".into(), |d| format!("{:.0}", d.as_secs_f64() * 1e3));
    let all_last = last(&create).max(last(&page));
    println!(
        "API answered in {:.0} ms (thread {thread})",
        api.as_secs_f64() * 1e3
    );
    println!(
        "Announce(Create(Page)): {} of {inboxes} inboxes, first at {} ms, last at {} ms",
        create.len(),
        ms(first(&create)),
        ms(last(&create))
    );
    println!(
        "Announce(Page):         {} of {inboxes} inboxes, first at {} ms, last at {} ms",
        page.len(),
        ms(first(&page)),
        ms(last(&page))
    );
    println!(
        "{} POSTs ({} expected, {duplicates} duplicates, {other} other) {}; {verified} signed by the group and verified",
        arrivals.len(),
        expected,
        if complete {
            "all arrived"
        } else {
            "- TIMED OUT"
        }
    );
    let failures: i64 = store
        .instance_states()
        .await?
        .iter()
        .map(|i| i.failures)
        .sum();
    println!("delivery failures recorded: {failures}");
    anyhow::ensure!(
        create.len() == inboxes && page.len() == inboxes,
        "not every inbox got both relays"
    );
    anyhow::ensure!(
        verified == create.len() + page.len() + duplicates,
        "a signature did not verify"
    );
    store.close().await;
    drop(crowds);
    server.stop().await;
    Ok(format!(
        "| {variant} | {inboxes} | {} | {:.0} | {} | {} | {verified}/{} |",
        arrivals.len(),
        api.as_secs_f64() * 1e3,
        ms(last(&create)),
        ms(all_last),
        arrivals.len() - other
    ))
}

/// Waits until the crowds have received `n` POSTs in all; false on timeout.
async fn wait_for(crowds: &[Crowd], n: usize, timeout: Duration) -> bool {
    let start = Instant::now();
    loop {
        if crowds.iter().map(Crowd::count).sum::<usize>() >= n {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
