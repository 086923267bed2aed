//! What the federation load runs share.
//!
//! - [`Crowd`]: a stand-in fediverse server for many actors at once (the
//!   e2e [`Remote`](guildhall_e2e::remote::Remote) serves four fixed
//!   ones). It serves each actor's JSON (the e2e stand-in's
//!   [`actor_document`]), with or without a shared inbox, and records every
//!   POST with the instant it arrived.
//! - [`presign`]: signs activities before a clock starts, with the e2e
//!   stand-in's own draft-cavage signer ([`guildhall_e2e::remote::sign`]),
//!   on every core.
//! - [`post_all`]: POSTs pre-signed requests with a fixed number in flight
//!   and keeps each one's latency; [`Stats`] turns latencies into figures.
//! - [`verify`]: checks a received POST's Digest and signature with the
//!   e2e stand-in's own reader, so a run can show that what arrived was
//!   really signed.
//!
//! The binaries (`src/bin/`) print their figures; docs/performance.md keeps
//! them with the machine and the date.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use guildhall_e2e::remote::cavage::{self, signature_params};
use guildhall_e2e::remote::{Serving, activity_json, actor_document, domain_of, listen, serve};
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// One RSA-2048 key pair that every stand-in actor of a run shares: making
/// a thousand keys would take minutes, and the receiving side's cost (one
/// verification per activity, one fetch per actor) is the same either way.
pub struct Key {
    pub private: Arc<RsaPrivateKey>,
    pub public_pem: String,
}

impl Key {
    pub async fn new() -> Key {
        let private = tokio::task::spawn_blocking(guildhall_e2e::remote::new_key)
            .await
            .expect("key generation");
        let public_pem = RsaPublicKey::from(&private)
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM");
        Key {
            private: Arc::new(private),
            public_pem,
        }
    }
}

/// A POST a [`Crowd`] received.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub at: Instant,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Arrival {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

struct CrowdState {
    base: String,
    names: HashSet<String>,
    public_pem: String,
    shared_inbox: bool,
    arrivals: Mutex<Vec<Arrival>>,
    count: AtomicUsize,
}

/// A stand-in server on a loopback port serving `/users/{name}` for its
/// actors (Mastodon's shape), each with its own inbox
/// `/users/{name}/inbox` and, if asked, the shared inbox `/inbox`.
/// Every POST to an inbox is answered 202 and recorded.
pub struct Crowd {
    /// `http://localhost:PORT`
    pub base: String,
    state: Arc<CrowdState>,
    _serving: Serving,
}

impl Crowd {
    pub async fn start(names: Vec<String>, key: &Key, shared_inbox: bool) -> Crowd {
        let (listener, base) = listen("localhost").await;
        let state = Arc::new(CrowdState {
            base: base.clone(),
            names: names.into_iter().collect(),
            public_pem: key.public_pem.clone(),
            shared_inbox,
            arrivals: Mutex::default(),
            count: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/users/{name}", axum::routing::get(actor))
            .fallback(inbox)
            .with_state(state.clone());
        Crowd {
            base,
            state,
            _serving: serve(listener, app),
        }
    }

    /// `localhost:PORT`, the domain Guildhall files this server under.
    pub fn domain(&self) -> String {
        domain_of(&self.base)
    }

    /// The actor id of one of this server's actors.
    pub fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.state.names.iter().cloned().collect();
        names.sort();
        names
    }

    /// How many POSTs arrived since the start or the last [`Crowd::take`].
    pub fn count(&self) -> usize {
        self.state.count.load(Ordering::Acquire)
    }

    /// The POSTs received so far, which are then forgotten.
    pub fn take(&self) -> Vec<Arrival> {
        let mut arrivals = self.state.arrivals.lock().unwrap();
        self.state.count.store(0, Ordering::Release);
        std::mem::take(&mut *arrivals)
    }
}

async fn actor(State(state): State<Arc<CrowdState>>, Path(name): Path<String>) -> Response {
    if !state.names.contains(&name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let shared_inbox = format!("{}/inbox", state.base);
    activity_json(actor_document(
        &format!("{}/users/{name}", state.base),
        "Person",
        &name,
        &state.public_pem,
        state.shared_inbox.then_some(shared_inbox.as_str()),
    ))
}

async fn inbox(
    State(state): State<Arc<CrowdState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let at = Instant::now();
    if method != Method::POST || !uri.path().ends_with("/inbox") {
        return StatusCode::NOT_FOUND;
    }
    state.arrivals.lock().unwrap().push(Arrival {
        at,
        path: uri.path().to_owned(),
        headers,
        body,
    });
    state.count.fetch_add(1, Ordering::AcqRel);
    StatusCode::ACCEPTED
}

/// A POST ready to send: URL, signature headers and body.
pub struct Signed {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

/// Signs each `(inbox, activity)` as its `actor`, with `key`, dated now,
/// split over every core.
pub fn presign(jobs: Vec<(String, Value)>, key: &RsaPrivateKey) -> Vec<Signed> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = jobs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(url, activity)| {
                            let actor = activity["actor"].as_str().expect("an actor");
                            let body = serde_json::to_vec(activity).expect("JSON");
                            let headers = guildhall_e2e::remote::sign(
                                "post",
                                url,
                                &body,
                                SystemTime::now(),
                                actor,
                                key,
                            );
                            Signed {
                                url: url.clone(),
                                headers,
                                body: body.into(),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("signing thread"))
            .collect()
    })
}

/// What one batch of POSTs did.
pub struct Run {
    pub wall: Duration,
    pub latencies: Vec<Duration>,
    /// Count per status (0 for a request that got no answer).
    pub statuses: BTreeMap<u16, usize>,
    /// The body of the first answer that was not 202, for the report.
    pub first_refusal: Option<String>,
}

impl Run {
    pub fn accepted(&self) -> usize {
        self.statuses.get(&202).copied().unwrap_or(0)
    }

    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    pub fn stats(&self) -> Stats {
        Stats::of(&self.latencies)
    }
}

/// POSTs every request with `in_flight` at once over one connection pool,
/// timing each from send to the end of its answer, and the whole batch.
pub async fn post_all(client: &reqwest::Client, requests: Vec<Signed>, in_flight: usize) -> Run {
    let start = Instant::now();
    let results: Vec<(u16, Duration, Option<String>)> = futures::stream::iter(requests)
        .map(|r| async move {
            let t = Instant::now();
            let mut req = client
                .post(&r.url)
                .header("content-type", "application/activity+json");
            for (name, value) in r.headers {
                req = req.header(name, value);
            }
            match req.body(r.body).send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let text = resp.text().await.unwrap_or_default();
                    let refusal = (status != 202).then_some(text);
                    (status, t.elapsed(), refusal)
                }
                Err(e) => (0, t.elapsed(), Some(e.to_string())),
            }
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;
    let wall = start.elapsed();
    let mut statuses = BTreeMap::new();
    let mut first_refusal = None;
    let mut latencies = Vec::with_capacity(results.len());
    for (status, latency, refusal) in results {
        *statuses.entry(status).or_insert(0) += 1;
        latencies.push(latency);
        if first_refusal.is_none() {
            first_refusal = refusal.map(|r| format!("{status}: {r}"));
        }
    }
    Run {
        wall,
        latencies,
        statuses,
        first_refusal,
    }
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(latencies: &[Duration]) -> Stats {
        let mut ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| {
            if ms.is_empty() {
                return f64::NAN;
            }
            // Nearest rank.
            let rank = ((p / 100.0) * ms.len() as f64).ceil() as usize;
            ms[rank.clamp(1, ms.len()) - 1]
        };
        Stats {
            p50: at(50.0),
            p90: at(90.0),
            p99: at(99.0),
            max: at(100.0),
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.p50, self.p90, self.p99, self.max
        )
    }
}

/// The `keyId` a received POST was signed with.
pub fn key_id(arrival: &Arrival) -> Option<String> {
    signature_params(&arrival.headers).and_then(|p| p.get("keyId").cloned())
}

/// Whether a received POST carries a SHA-256 `Digest` of its body and a
/// draft-cavage signature over at least `(request-target) host date digest`
/// that verifies with `key` (the e2e stand-in's check, [`cavage::read`]).
pub fn verify(arrival: &Arrival, key: &RsaPublicKey) -> bool {
    cavage::read("post", &arrival.path, &arrival.headers, Some(&arrival.body))
        .is_some_and(|signature| signature.verifies(key))
}

/// Turns `perf record` on or off around a timed window, when the run was
/// started under `perf record --control=fifo:FIFO -D -1` with
/// `BENCH_PERF_FIFO=FIFO` set, so a profile shows the window and not the
/// setup. Does nothing otherwise.
pub fn profile(on: bool) {
    let Ok(fifo) = std::env::var("BENCH_PERF_FIFO") else {
        return;
    };
    let command = if on { "enable\n" } else { "disable\n" };
    if let Err(e) = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .and_then(|mut f| std::io::Write::write_all(&mut f, command.as_bytes()))
    {
        eprintln!("BENCH_PERF_FIFO={fifo}: {e}");
    }
}

/// The machine, for the report: cores and CPU model.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {model}")
}

/// The checked-out commit, for the report, marked when the tree has
/// uncommitted changes: `c597818` or `c597818+dirty`.
pub fn revision() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(["-C", env!("CARGO_MANIFEST_DIR")])
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let Some(commit) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown revision".into();
    };
    match git(&["status", "--porcelain", "--untracked-files=no"]) {
        Some(changes) if changes.is_empty() => commit,
        _ => format!("{commit}+dirty"),
    }
}

/// `--name value` pairs from the command line, with defaults.
pub struct Args(HashMap<String, String>);

impl Args {
    /// Parses `--key value` pairs, `key` one of `known`; `--help` prints
    /// `usage` and exits.
    pub fn parse(usage: &str, known: &[&str]) -> Args {
        let mut map = HashMap::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                println!("{usage}");
                std::process::exit(0);
            }
            let Some(key) = arg.strip_prefix("--").filter(|k| known.contains(k)) else {
                eprintln!("unexpected argument {arg:?}\n\n{usage}");
                std::process::exit(2);
            };
            let Some(value) = args.next() else {
                eprintln!("--{key} needs a value\n\n{usage}");
                std::process::exit(2);
            };
            map.insert(key.to_owned(), value);
        }
        Args(map)
    }

    pub fn get<T: std::str::FromStr>(&self, key: &str, default: T) -> T {
        match self.0.get(key) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| {
                eprintln!("--{key}: cannot read {v:?}");
                std::process::exit(2);
            }),
        }
    }

    pub fn string(&self, key: &str, default: &str) -> String {
        self.0
            .get(key)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    }
}
