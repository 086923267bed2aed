//! Bounds against floods from outside: concurrent password hashes, rate
//! limits, slow connections, and the headers and /metrics access that go
//! with them. Real servers on loopback.

use guildhall_e2e::TestServer;
use serde_json::json;

/// Logs in through the API and returns the status and Retry-After.
async fn login(server: &TestServer, username: &str, password: &str) -> (u16, Option<String>) {
    let res = reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("the server answers");
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (res.status().as_u16(), retry)
}

/// With one hash at a time and no queue, a login that finds the gate full is
/// refused at once with 503 and Retry-After (nothing hashed, so no memory
/// taken); once the gate frees, logging in works.
#[tokio::test]
async fn logins_beyond_the_hash_bound_are_refused_and_the_server_recovers() {
    let server = TestServer::sqlite_with(|c| {
        c.accounts.password_hash_concurrency = 1;
        c.accounts.password_hash_queue = 0;
    })
    .await;
    server.api().register("alice").await;

    let held = server.server().hash_gate.hold().await;
    let (status, retry) = login(&server, "alice", "correct horse battery").await;
    assert_eq!(status, 503);
    assert_eq!(retry.as_deref(), Some("1"));
    let body = server
        .api()
        .post(
            "/auth/register",
            json!({"username": "bob", "password": "correct horse battery"}),
        )
        .await
        .expect_error(503, "busy");
    assert!(body.contains("try again"));
    drop(held);

    // A flood: every answer is a refusal (401 wrong password, 503 busy), and
    // at least one found the single slot taken.
    let tries = (0..16).map(|_| login(&server, "alice", "wrong password!"));
    let answers = futures::future::join_all(tries).await;
    assert!(
        answers.iter().all(|(s, _)| *s == 401 || *s == 503),
        "{answers:?}"
    );
    assert!(answers.iter().any(|(s, _)| *s == 503), "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s == 503)
            .all(|(_, r)| r.as_deref() == Some("1"))
    );

    assert_eq!(
        login(&server, "alice", "correct horse battery").await.0,
        200
    );
}

/// A server with the rate limits on (the harness turns them off), adjusted.
async fn limited(adjust: impl FnOnce(&mut guildhall::Config)) -> TestServer {
    TestServer::sqlite_with(|c| {
        c.rate_limits.enabled = true;
        adjust(c);
    })
    .await
}

/// Asserts a 429 from the API: JSON error body and a Retry-After in seconds.
async fn expect_429(res: reqwest::Response) -> u64 {
    assert_eq!(res.status().as_u16(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry >= 1);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests", "{body}");
    retry
}

fn login_req(server: &TestServer, username: &str, password: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
}

#[tokio::test]
async fn the_sixth_wrong_password_for_an_account_is_refused_with_retry_after() {
    let server = limited(|_| {}).await;
    server.api().register("alice").await;
    // A right password gives its try back: it does not use up the budget.
    for _ in 0..3 {
        assert_eq!(
            login(&server, "alice", "correct horse battery").await.0,
            200
        );
    }
    for _ in 0..5 {
        assert_eq!(login(&server, "alice", "wrong password!").await.0, 401);
    }
    let res = login_req(&server, "alice", "wrong password!")
        .send()
        .await
        .unwrap();
    let retry = expect_429(res).await;
    // 5 per 15 minutes: the next try comes back in 3 minutes.
    assert!((170..=180).contains(&retry), "{retry}");
    // Until then the account takes no guesses at all (the name is case-blind).
    let res = login_req(&server, "ALICE", "correct horse battery")
        .send()
        .await
        .unwrap();
    expect_429(res).await;
    // The page says so as a page, with the same header.
    let page = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let html = page
        .get(server.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let token = &html[at..at + html[at..].find('"').unwrap()];
    let res = page
        .post(server.url("/login"))
        .form(&[("csrf", token), ("username", "alice"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.text().await.unwrap().contains("try again in"));
    // Other accounts are not affected.
    server.api().register("bob").await;
    assert_eq!(login(&server, "bob", "correct horse battery").await.0, 200);
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_refused() {
    let server = limited(|c| {
        c.rate_limits.login_per_address = guildhall_core::rate::Quota::new(10, 60);
    })
    .await;
    for i in 0..10 {
        assert_eq!(
            login(&server, &format!("user{i}"), "guess guess").await.0,
            401
        );
    }
    let res = login_req(&server, "user99", "guess guess")
        .send()
        .await
        .unwrap();
    expect_429(res).await;
}

#[tokio::test]
async fn a_registration_flood_from_one_address_is_refused() {
    let server = limited(|_| {}).await;
    for i in 0..5 {
        server.api().register(&format!("member{i}")).await;
    }
    let res = reqwest::Client::new()
        .post(server.url("/api/v1/auth/register"))
        .json(&json!({"username": "member5", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let retry = expect_429(res).await;
    assert!((350..=360).contains(&retry), "5 per 30 minutes: {retry}");
    // Nothing was made.
    server
        .api()
        .get("/users/member5")
        .await
        .expect_error(404, "not_found");
}

#[tokio::test]
async fn a_posting_flood_and_a_flagging_flood_are_refused() {
    let server = limited(|c| {
        c.rate_limits.posts_per_member = guildhall_core::rate::Quota::new(3, 60);
        c.rate_limits.flags_per_member = guildhall_core::rate::Quota::new(2, 3600);
    })
    .await;
    let alice = server.api().register("alice").await;
    let bob = server.api().register("bob").await;
    alice
        .post("/groups", json!({"name": "support", "title": "Support"}))
        .await
        .expect(201);
    let mut threads = vec![];
    for i in 0..2 {
        let t = alice
            .post(
                "/groups/support/threads",
                json!({"title": format!("Thread {i}"), "body": "Hello"}),
            )
            .await
            .expect(201);
        threads.push(t["id"].as_i64().unwrap());
    }
    // Threads and replies share the budget.
    alice
        .post(
            &format!("/threads/{}/replies", threads[0]),
            json!({"body": "Me again"}),
        )
        .await
        .expect(201);
    let detail = alice
        .post(
            &format!("/threads/{}/replies", threads[0]),
            json!({"body": "And again"}),
        )
        .await
        .expect_error(429, "too_many_requests");
    assert!(detail.contains("posts"), "{detail}");
    alice
        .post(
            "/groups/support/threads",
            json!({"title": "More", "body": "x"}),
        )
        .await
        .expect_error(429, "too_many_requests");
    // Per member: bob posts freely.
    bob.post(
        &format!("/threads/{}/replies", threads[0]),
        json!({"body": "Hi"}),
    )
    .await
    .expect(201);

    let flag = json!({"reason": "spam"});
    bob.post(&format!("/threads/{}/flag", threads[0]), flag.clone())
        .await
        .expect(201);
    bob.post(&format!("/threads/{}/flag", threads[1]), flag.clone())
        .await
        .expect(201);
    let rid = bob
        .post(
            &format!("/threads/{}/replies", threads[1]),
            json!({"body": "Hi"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    bob.post(&format!("/replies/{rid}/flag"), flag)
        .await
        .expect_error(429, "too_many_requests");
}

#[tokio::test]
async fn x_forwarded_for_counts_only_from_a_trusted_proxy() {
    let quota = guildhall_core::rate::Quota::new(2, 60);
    let proxied = limited(|c| {
        c.rate_limits.login_per_address = quota;
        c.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let from = |server: &TestServer, xff: &str| {
        login_req(server, "nobody", "guess guess").header("x-forwarded-for", xff.to_string())
    };
    // Behind the proxy: each client has its own budget; what a client wrote
    // to the left of the proxy's entry is not believed.
    for _ in 0..2 {
        let res = from(&proxied, "203.0.113.1").send().await.unwrap();
        assert_eq!(res.status().as_u16(), 401);
    }
    expect_429(from(&proxied, "203.0.113.1").send().await.unwrap()).await;
    expect_429(
        from(&proxied, "198.51.100.7, 203.0.113.1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let res = from(&proxied, "203.0.113.2").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);

    // Not a trusted proxy: the header is the client's own word, ignored;
    // the budget is the connection's address.
    let direct = limited(|c| c.rate_limits.login_per_address = quota).await;
    for xff in ["203.0.113.1", "203.0.113.2"] {
        let res = from(&direct, xff).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 401);
    }
    expect_429(from(&direct, "203.0.113.3").send().await.unwrap()).await;
}

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (or `within` passes);
/// returns what it sent and how long it took to close.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let left = within.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => {
                return Some((
                    String::from_utf8_lossy(&got).into_owned(),
                    started.elapsed(),
                ));
            }
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn addr(server: &TestServer) -> String {
    server.config.server.listen.clone()
}

/// A connection that sends half its headers, one that sends nothing, and
/// one whose body stops halfway are all closed once their time is up;
/// a normal request on the side is answered meanwhile.
#[tokio::test]
async fn slow_headers_and_bodies_are_cut_off() {
    let server = TestServer::sqlite_with(|c| {
        c.server.header_timeout_secs = 1.0;
        c.server.body_timeout_secs = 1.0;
    })
    .await;
    let mut half = TcpStream::connect(addr(&server)).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(addr(&server)).await.unwrap();
    let mut body = TcpStream::connect(addr(&server)).await.unwrap();
    body.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"username\":",
    )
    .await
    .unwrap();

    let normal = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(normal.status().as_u16(), 200);

    for (what, conn) in [("half a header", &mut half), ("nothing", &mut silent)] {
        let (_, after) = until_closed(conn, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("a connection that sent {what} was held"));
        assert!(
            after < Duration::from_secs(3),
            "{what}: closed after {after:?}"
        );
    }
    let (answer, after) = until_closed(&mut body, Duration::from_secs(5))
        .await
        .expect("a connection whose body stalled was held");
    assert!(after < Duration::from_secs(3), "closed after {after:?}");
    // Refused as a client error, not a server one.
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");

    let normal = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(normal.status().as_u16(), 200);
}

/// Beyond `max_connections`, a connection waits (unserved, in the listen
/// backlog) until another one closes; then it is served.
#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let server = TestServer::sqlite_with(|c| {
        c.server.max_connections = 2;
        c.server.header_timeout_secs = 30.0;
    })
    .await;
    let idle1 = TcpStream::connect(addr(&server)).await.unwrap();
    let idle2 = TcpStream::connect(addr(&server)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let client = reqwest::Client::new();
    let waiting = tokio::spawn({
        let url = server.url("/healthz");
        async move {
            let started = Instant::now();
            let status = client.get(url).send().await.unwrap().status();
            (status.as_u16(), started.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !waiting.is_finished(),
        "a third connection was served beyond the cap"
    );
    drop(idle1);
    let (status, after) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once a slot was free")
        .unwrap();
    assert_eq!(status, 200);
    assert!(after >= Duration::from_millis(700));
    drop(idle2);
}

/// Stopping still works with slow connections open: they do not hold the
/// server up.
#[tokio::test]
async fn the_server_stops_with_slow_connections_open() {
    let mut server = TestServer::sqlite_with(|c| c.server.header_timeout_secs = 30.0).await;
    let mut half = TcpStream::connect(addr(&server)).await.unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    server.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    server.resume().await;
    let res = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
}

/// Stopping finishes a request in flight: one whose head has arrived and
/// whose body is still coming is answered, and the stop waits for it (while
/// a connection whose head is still arriving does not hold the stop up:
/// the test above).
#[tokio::test]
async fn stopping_finishes_a_request_in_flight() {
    let mut server = TestServer::sqlite().await;
    let body = br#"{"username":"nobody","password":"not the password"}"#;
    let mut conn = TcpStream::connect(addr(&server)).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let stopping = tokio::spawn(async move { server.stop().await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !stopping.is_finished(),
        "the stop waits for the request in flight"
    );
    conn.write_all(&body[10..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer))
        .await
        .expect("answered, then closed")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    tokio::time::timeout(Duration::from_secs(5), stopping)
        .await
        .expect("the stop ends once the request is answered")
        .unwrap();
}

#[tokio::test]
async fn every_response_says_nosniff_and_https_instances_send_hsts() {
    let server = TestServer::sqlite().await;
    server.api().register("alice").await;
    for (path, accept) in [
        ("/api/v1/instance", "application/json"),
        ("/api/v1/threads/999", "application/json"),
        ("/u/alice", "application/activity+json"),
        ("/actor", "application/activity+json"),
        ("/healthz", "*/*"),
        ("/", "text/html"),
    ] {
        let res = reqwest::Client::new()
            .get(server.url(path))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{path}"
        );
        assert!(
            !res.headers().contains_key("strict-transport-security"),
            "{path}"
        );
    }
    let https = TestServer::sqlite_with(|c| c.instance.https = true).await;
    for path in ["/api/v1/instance", "/"] {
        let res = reqwest::get(https.url(path)).await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"].to_str().unwrap(),
            "max-age=31536000",
            "{path}"
        );
    }
}

#[tokio::test]
async fn metrics_are_served_as_configured() {
    let get = |server: &TestServer, headers: &[(&str, &str)]| {
        let mut req = reqwest::Client::new().get(server.url("/metrics"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // Default: this machine only; a proxied request is not this machine,
    // even from a trusted proxy on loopback.
    let server =
        TestServer::sqlite_with(|c| c.server.trusted_proxies = vec!["127.0.0.1".into()]).await;
    assert_eq!(get(&server, &[]).await, 200);
    assert_eq!(
        get(&server, &[("x-forwarded-for", "203.0.113.9")]).await,
        403
    );
    assert_eq!(get(&server, &[("x-forwarded-for", "127.0.0.1")]).await, 403);
    assert_eq!(get(&server, &[("forwarded", "for=127.0.0.1")]).await, 403);

    let off = TestServer::sqlite_with(|c| c.metrics.access = "off".into()).await;
    assert_eq!(get(&off, &[]).await, 404);

    let token = TestServer::sqlite_with(|c| {
        c.metrics.access = "token".into();
        c.metrics.token = "s3cret-scraper-token".into();
    })
    .await;
    assert_eq!(get(&token, &[]).await, 401);
    assert_eq!(
        get(&token, &[("authorization", "Bearer wrong-token-entirely")]).await,
        401
    );
    assert_eq!(
        get(&token, &[("authorization", "Bearer s3cret-scraper-token")]).await,
        200
    );
}
