//! The end-to-end harness: starts the real server (the same `guildhall::start`
//! that `guildhall serve` runs) on a free loopback port with a real database,
//! and gives tests a small HTTP client for the JSON API.

pub mod browser;
pub mod local;
pub mod remote;
pub mod snapshot;
pub mod steps;

use guildhall::{Config, Server};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A running instance and what it takes to restart it on the same data.
pub struct TestServer {
    pub config: Config,
    server: Option<Server>,
    base: String,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// An instance on a fresh SQLite file in a temporary folder.
    pub async fn sqlite() -> TestServer {
        Self::sqlite_with(|_| {}).await
    }

    /// Same, with the configuration adjusted first (limits, policies...).
    pub async fn sqlite_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config();
        config.database.url = format!("sqlite:{}", dir.path().join("guildhall.db").display());
        adjust(&mut config);
        Self::start(config, dir).await
    }

    /// An instance on a fresh PostgreSQL database, or `None` (said on stderr)
    /// when GUILDHALL_TEST_POSTGRES_URL is unset.
    pub async fn postgres(test: &str) -> Option<TestServer> {
        Self::postgres_with(test, |_| {}).await
    }

    /// Same, with the configuration adjusted first.
    pub async fn postgres_with(test: &str, adjust: impl FnOnce(&mut Config)) -> Option<TestServer> {
        let url = guildhall_db::testing::fresh_postgres_url(test)
            .await
            .expect("creating a PostgreSQL test database")?;
        let mut config = test_config();
        config.database.url = url;
        adjust(&mut config);
        Some(Self::start(config, tempfile::tempdir().expect("temp dir")).await)
    }

    async fn start(mut config: Config, dir: tempfile::TempDir) -> TestServer {
        capture_logs();
        // The port was free when test_config picked it, but it is in the
        // ephemeral range: by now another test or a client socket may hold
        // it. Then take another (the first start only: a restart keeps its
        // port, which the server has held until then).
        let mut attempts = 0;
        let server = loop {
            match guildhall::start(&config).await {
                Err(e) if attempts < 5 && address_in_use(&e) => {
                    attempts += 1;
                    set_port(&mut config, free_port());
                }
                started => break started.expect("server starts"),
            }
        };
        // By name, as other servers reach it: signed requests must name our
        // host (`instance.domain`), not the address we listen on.
        let base = format!("http://localhost:{}", server.addr.port());
        TestServer {
            config,
            server: Some(server),
            base,
            _dir: dir,
        }
    }

    /// The running server (panics when stopped), for what only the process
    /// itself can reach, e.g. filling the password-hash gate.
    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("the server is running")
    }

    /// `localhost:PORT`: how other instances name this one.
    pub fn domain(&self) -> String {
        self.config.instance.domain.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server and starts it again on the same database.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.resume().await;
    }

    /// Stops the server (its port then refuses connections); the data stays.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("server stops cleanly");
        }
    }

    /// Starts a stopped server again, on the same port and database.
    pub async fn resume(&mut self) {
        let server = guildhall::start(&self.config)
            .await
            .expect("server restarts");
        self.base = format!("http://localhost:{}", server.addr.port());
        self.server = Some(server);
    }

    /// `path` as ActivityPub JSON, as another server fetches it (unsigned).
    pub async fn fetch_ap(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(self.url(path))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("ActivityPub JSON")
    }

    pub fn api(&self) -> Api {
        Api {
            base: self.base.clone(),
            token: None,
            http: reqwest::Client::new(),
        }
    }
}

/// Sends the servers' logs to the test's captured output, which the runner
/// prints only for a failing test: warnings, and the federation's info lines
/// (deliveries, back-offs, verdicts), or what `RUST_LOG` asks for.
fn capture_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,guildhall_federation=info"));
    // Only the first call per test binary installs it; later ones are no-ops.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn set_port(config: &mut Config, port: u16) {
    config.server.listen = format!("127.0.0.1:{port}");
    config.instance.domain = format!("localhost:{port}");
}

fn address_in_use(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::AddrInUse)
    })
}

fn test_config() -> Config {
    let mut config = Config::default();
    // A fixed port, known before the start: the instance's domain
    // (`localhost:PORT`) names it to other instances, and a restart keeps it.
    set_port(&mut config, free_port());
    config.database.max_connections = 4;
    // Instances in tests talk over loopback and plain http, and retry fast.
    config.federation.allow_private_addresses = true;
    config.federation.retry_base_secs = 0.2;
    config.federation.retry_cap_secs = 1.0;
    // Members may vote from the start: tests of other features need not
    // have each voter post first. Reputation tests set the defaults back.
    config.reputation = guildhall_db::testing::trusting_rules();
    // Tests register, log in and post from one address far faster than
    // people do; tests/tests/limits.rs turns the rate limits back on.
    config.rate_limits.enabled = false;
    config
}

/// A JSON API client, optionally signed in.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

/// A response: status and parsed JSON body (Null when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        self.body
    }

    /// Asserts an error response: status, `{"error": code, "detail": ...}`.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> String {
        let body = self.expect(status);
        assert_eq!(body["error"], code, "error code; body: {body}");
        let detail = body["detail"].as_str().expect("error detail").to_string();
        assert!(!detail.is_empty());
        detail
    }
}

impl Api {
    pub fn as_user(&self, token: &str) -> Api {
        Api {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    pub fn anonymous(&self) -> Api {
        Api {
            token: None,
            ..self.clone()
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{}", self.base, path));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        Self::read(req).await
    }

    /// Sends a raw body with the given content type, for malformed-input tests.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{}", self.base, path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        Self::read(req).await
    }

    async fn read(req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request reaches the server");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    pub async fn delete_with(&self, path: &str, body: Value) -> Reply {
        self.send(Method::DELETE, path, Some(body)).await
    }

    /// Registers an account and returns a client signed in as it.
    pub async fn register(&self, username: &str) -> Api {
        let body = self
            .anonymous()
            .post(
                "/auth/register",
                serde_json::json!({"username": username, "password": "correct horse battery"}),
            )
            .await
            .expect(201);
        self.as_user(body["token"].as_str().expect("token"))
    }
}

/// Polls `check` every 50 ms until it returns `Some`, for up to 15 s:
/// federation is asynchronous, so tests wait for the effect to arrive.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
