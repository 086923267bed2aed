//! RFC 9421 HTTP Message Signatures against a peer that speaks them the way
//! Fedify does (the stand-in `guildhall_e2e::remote`, whose RFC 9421 code is
//! its own): inbound, its signed activities apply and spoiled ones are 401;
//! outbound, a peer that takes only RFC 9421 gets our deliveries by
//! double-knocking, and the choice is remembered so the next ones go out
//! RFC 9421 first.

use guildhall_e2e::remote::{Remote, Spoil};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

/// A group `support` run by ann.
async fn group(server: &TestServer) -> Api {
    let admin = server.api().register("ann").await;
    admin
        .post("/groups", json!({ "name": "support", "title": "Support" }))
        .await
        .expect(201);
    admin
}

async fn member_count(admin: &Api) -> i64 {
    admin.get("/groups/support").await.expect(200)["member_count"]
        .as_i64()
        .unwrap()
}

/// Alice's Follow of the group, with its own id.
fn follow(remote: &Remote, server: &TestServer, n: u32) -> Value {
    let mut follow = remote.fixture("mastodon_follow", server, 0, 0);
    follow["id"] = json!(remote.url(&format!("/follows/{n}")));
    follow
}

/// Our inbox as the peer addresses it: by our domain, which the signature
/// must be made for.
fn inbox(server: &TestServer) -> String {
    format!("http://{}/inbox", server.domain())
}

#[tokio::test]
async fn rfc9421_signed_activities_are_verified() {
    rfc9421_inbound(TestServer::sqlite().await).await;
}

async fn rfc9421_inbound(server: TestServer) {
    let admin = group(&server).await;
    let remote = Remote::start().await;
    for (n, spoil) in [
        Spoil::WrongDigest,
        Spoil::OtherAuthority,
        Spoil::OtherHost,
        Spoil::StaleDate,
        Spoil::OtherKey,
        Spoil::Unsigned,
    ]
    .into_iter()
    .enumerate()
    {
        let (status, body) = remote
            .send_rfc9421(&inbox(&server), &follow(&remote, &server, n as u32), spoil)
            .await;
        assert_eq!(status, 401, "{spoil:?}: {body}");
        assert_eq!(body["error"], "unauthorized", "{spoil:?}: {body}");
    }
    assert_eq!(member_count(&admin).await, 1, "no spoiled Follow applied");

    let follow = follow(&remote, &server, 100);
    let (status, body) = remote
        .send_rfc9421(&inbox(&server), &follow, Spoil::Nothing)
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(member_count(&admin).await, 2, "alice joined");
}

#[tokio::test]
async fn deliveries_double_knock_to_an_rfc9421_only_peer() {
    double_knock(TestServer::sqlite().await).await;
}

#[tokio::test]
async fn deliveries_double_knock_on_postgres() {
    if let Some(server) = TestServer::postgres("rfc9421_double_knock").await {
        double_knock(server).await;
    }
}

async fn double_knock(server: TestServer) {
    let admin = group(&server).await;
    let remote = Remote::start().await;
    remote.accept_only_rfc9421();
    let store = guildhall::open_store(&server.config).await.unwrap();
    assert_eq!(
        store.signature_scheme(&remote.domain()).await.unwrap(),
        None
    );

    // Alice follows; the group's Accept goes out draft-cavage first (the
    // default), is refused with 401, and is sent again signed RFC 9421.
    let follow = follow(&remote, &server, 1);
    let (status, body) = remote
        .send_rfc9421(&inbox(&server), &follow, Spoil::Nothing)
        .await;
    assert_eq!(status, 202, "{body}");
    let accept = eventually("the Accept through the second knock", || {
        let found = remote.received_of("Accept").into_iter().next();
        async move { found }
    })
    .await;
    assert!(accept.verified, "the Accept's RFC 9421 signature verifies");
    let knocks: Vec<(&str, u16)> = remote
        .knocks()
        .iter()
        .map(|k| (k.scheme, k.status))
        .collect();
    assert_eq!(knocks, [("draft-cavage", 401), ("rfc9421", 202)]);
    let remembered = eventually("the scheme remembered", || {
        let store = store.clone();
        let domain = remote.domain();
        async move { store.signature_scheme(&domain).await.unwrap() }
    })
    .await;
    assert_eq!(remembered, "rfc9421");

    // The next delivery, a new thread for the group's follower, goes out
    // RFC 9421 first: the peer sees no draft-cavage attempt.
    admin
        .post(
            "/groups/support/threads",
            json!({ "title": "Signed anew", "body": "RFC 9421 from the start." }),
        )
        .await
        .expect(201);
    let first_accept = remote.knocks().len();
    eventually("the new thread at alice's server", || {
        let found = remote
            .received()
            .into_iter()
            .find(|r| r.body.to_string().contains("Signed anew"));
        async move { found }
    })
    .await;
    let later = &remote.knocks()[first_accept..];
    assert!(!later.is_empty());
    for knock in later {
        assert_eq!((knock.scheme, knock.status), ("rfc9421", 202), "{knock:?}");
    }
    assert!(
        remote.received().iter().all(|r| r.verified),
        "every delivery verified at the peer"
    );
}
