//! What goes out, and where: the outbound address rule against inboxes a
//! remote actor chose, one copy per instance in the shape its software
//! reads (NodeInfo), attestation Offers only where they are read, and
//! delivery results recorded one by one so a crash repeats little.

use guildhall_e2e::remote::{LEMMY_CAROL, LEMMY_GROUP, Received, Remote};
use guildhall_e2e::steps::{self, first_thread, join_remote_group, support_group, until_accepted};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A listener on 127.0.0.2 that counts the connections made to it.
async fn trap() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind 127.0.0.2");
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            // Answer once the request has come (its head, at least).
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    (port, hits)
}

/// ann's group `support` on `server`; ann is the admin.
async fn post_thread(api: &Api, group: &str, title: &str) -> i64 {
    steps::post_thread(api, group, title, "Details inside.").await
}

/// Sends a fixture from `remote` to `server`'s shared inbox; expects 202.
async fn deliver(server: &TestServer, remote: &Remote, name: &str) -> Value {
    let activity = remote.fixture(name, server, 0, 0);
    let (status, body) = remote.send(&server.url("/inbox"), &activity).await;
    assert_eq!(status, 202, "{name} refused: {body}");
    activity
}

async fn received(remote: &Remote, what: &str, matches: impl Fn(&Received) -> bool) -> Received {
    eventually(what, || {
        let found = remote.received().into_iter().find(|r| matches(r));
        async move { found }
    })
    .await
}

/// An instance as the admin API shows it.
async fn instance(admin: &Api, domain: &str) -> Option<Value> {
    let list = admin.get("/admin/federation/instances").await.expect(200);
    list["instances"]
        .as_array()?
        .iter()
        .find(|i| i["domain"] == domain)
        .cloned()
}

/// Waits until nothing is queued for `domain`.
async fn drained(admin: &Api, domain: &str) {
    eventually(&format!("the queue for {domain} drains"), || async {
        instance(admin, domain)
            .await
            .filter(|i| i["queued"] == 0)
            .map(|_| ())
    })
    .await;
}

#[tokio::test]
async fn inboxes_elsewhere_and_private_addresses_receive_nothing() {
    let (port, hits) = trap().await;
    let trap_inbox = format!("http://127.0.0.2:{port}/inbox");
    // Production's rule, with one exception for 127.0.0.1, where the
    // stand-in (as `localhost`) and this instance listen.
    let a = TestServer::sqlite_with(|c| {
        c.federation.allow_private_addresses = false;
        c.federation.allowed_private_addresses = vec!["127.0.0.1".into()];
    })
    .await;
    let ann = support_group(&a).await;
    let lemmy = Remote::start().await;
    // carol's server names a shared inbox on another host: ignored.
    lemmy.set_actor_fields(
        LEMMY_CAROL,
        json!({ "endpoints": { "sharedInbox": trap_inbox } }),
    );
    let follow = deliver(&a, &lemmy, "lemmy_follow").await;
    received(&lemmy, "the Accept", |r| {
        r.body["type"] == "Accept" && r.body["object"]["id"] == follow["id"]
    })
    .await;
    post_thread(&ann, "support", "Printer jams").await;
    let announce = received(&lemmy, "the thread's Announce", |r| {
        r.body["type"] == "Announce"
    })
    .await;
    assert_eq!(
        announce.path,
        format!("{LEMMY_CAROL}/inbox"),
        "delivered to carol's own inbox instead"
    );

    // A row stored before the rule (or by a bug) still cannot reach a
    // private address: the delivery is refused where it would connect.
    let store = guildhall_db::Store::connect(&a.config.database.url, 1)
        .await
        .unwrap();
    let mut carol = guildhall_db::testing::remote_user("carol", &lemmy.domain());
    carol.ap_id = lemmy.url(LEMMY_CAROL);
    carol.inbox = lemmy.url(&format!("{LEMMY_CAROL}/inbox"));
    carol.shared_inbox = Some(trap_inbox.clone());
    store.upsert_remote_user(&carol).await.unwrap();
    store.close().await;
    post_thread(&ann, "support", "Scanner offline").await;
    let refused = eventually("the refusal shows on the instance", || async {
        instance(&ann, &format!("127.0.0.2:{port}"))
            .await
            .filter(|i| i["queued"] == 0 && i["last_error"].is_string())
    })
    .await;
    let reason = refused["last_error"].as_str().unwrap();
    assert!(
        reason.contains("outbound address rule") && reason.contains("127.0.0.2"),
        "{reason}"
    );
    assert_eq!(
        refused["failures"], 0,
        "a refusal is not the peer's failure"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached 127.0.0.2");
}

#[tokio::test]
async fn ip_literal_servers_federate_only_where_private_addresses_are_allowed() {
    // A test rig: private addresses allowed, the peer named by its address.
    let a = TestServer::sqlite().await;
    let ann = support_group(&a).await;
    let remote = Remote::start_as("127.0.0.1").await;
    let follow = deliver(&a, &remote, "lemmy_follow").await;
    received(&remote, "the Accept", |r| {
        r.body["type"] == "Accept" && r.body["object"]["id"] == follow["id"]
    })
    .await;
    let found = ann
        .post(
            "/groups/lookup",
            json!({ "query": format!("!lemmy_group@{}", remote.domain()) }),
        )
        .await
        .expect(200);
    assert_eq!(found["name"], format!("lemmy_group@{}", remote.domain()));
    let by_url = ann
        .post(
            "/groups/lookup",
            json!({ "query": remote.url(LEMMY_GROUP) }),
        )
        .await
        .expect(200);
    assert_eq!(by_url["name"], found["name"]);

    // Production rules (here with 127.0.0.1 excepted from the address
    // rule): an IP-literal actor is refused before anything is fetched.
    let b = TestServer::sqlite_with(|c| {
        c.federation.allow_private_addresses = false;
        c.federation.allowed_private_addresses = vec!["127.0.0.1".into()];
    })
    .await;
    support_group(&b).await;
    let other = Remote::start_as("127.0.0.1").await;
    let activity = other.fixture("lemmy_follow", &b, 0, 0);
    let (status, body) = other.send(&b.url("/inbox"), &activity).await;
    assert!(status.is_client_error(), "{status} {body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Url must have a domain")),
        "{body}"
    );
    assert!(
        other.gets().is_empty(),
        "nothing was fetched: {:?}",
        other.gets()
    );
}

#[tokio::test]
async fn a_crash_repeats_only_the_deliveries_in_flight() {
    crash_repeats_little(TestServer::sqlite_with(patient).await).await;
}

/// The held request must not time out while the test looks.
fn patient(c: &mut guildhall::Config) {
    c.federation.request_timeout_secs = 60.0;
}

#[tokio::test]
async fn a_crash_repeats_only_the_deliveries_in_flight_on_postgres() {
    if let Some(server) = TestServer::postgres_with("outbound_crash", patient).await {
        crash_repeats_little(server).await;
    }
}

async fn crash_repeats_little(mut a: TestServer) {
    let ann = support_group(&a).await;
    let remote = Remote::start().await;
    let follow = deliver(&a, &remote, "lemmy_follow").await;
    received(&remote, "the Accept", |r| {
        r.body["type"] == "Accept" && r.body["object"]["id"] == follow["id"]
    })
    .await;
    // One thread: two Announces (the Create, and the bare Page for
    // microblogs: this server has no NodeInfo) queued in one transaction,
    // so in one batch. The first to arrive is held unanswered.
    remote.hold_next_post();
    post_thread(&ann, "support", "Printer jams").await;
    let announces = || remote.received_of("Announce");
    eventually("both Announces arrive", || async {
        (announces().len() == 2).then_some(())
    })
    .await;
    // The answered one is recorded at once, while the other hangs.
    eventually("the answered delivery is recorded", || async {
        instance(&ann, &remote.domain())
            .await
            .filter(|i| i["queued"] == 1)
            .map(|_| ())
    })
    .await;
    let held = announces()[0].body["id"].clone();
    let answered = announces()[1].body["id"].clone();

    // A crash (the worker is aborted mid-request), then a restart.
    a.stop().await;
    remote.release_held();
    a.resume().await;
    let ann = ann.clone();
    drained(&ann, &remote.domain()).await;
    let copies = |id: &Value| announces().iter().filter(|r| &r.body["id"] == id).count();
    assert_eq!(copies(&held), 2, "the delivery in flight is repeated");
    assert_eq!(copies(&answered), 1, "a finished delivery is not");
}

#[tokio::test]
async fn each_instance_gets_what_its_software_reads_once() {
    let a = TestServer::sqlite().await;
    let ann = support_group(&a).await;
    let lemmy = Remote::start().await;
    lemmy.serve_nodeinfo("lemmy");
    let mastodon = Remote::start().await;
    mastodon.serve_nodeinfo("mastodon");
    let lemmy_follow = deliver(&a, &lemmy, "lemmy_follow").await;
    let mastodon_follow = deliver(&a, &mastodon, "mastodon_follow").await;
    for (remote, follow) in [(&lemmy, &lemmy_follow), (&mastodon, &mastodon_follow)] {
        received(remote, "the Accept", |r| {
            r.body["type"] == "Accept" && r.body["object"]["id"] == follow["id"]
        })
        .await;
        // The Accept was the first delivery there: NodeInfo was read first.
        assert!(remote.gets().iter().any(|g| g.path == "/nodeinfo/2.1"));
    }

    // A thread of our group: Lemmy gets the Announce(Create(Page)) only;
    // Mastodon also the bare Announce(Page) it boosts.
    post_thread(&ann, "support", "Printer jams").await;
    for remote in [&lemmy, &mastodon] {
        received(remote, "the thread's Announce", |r| {
            r.body["type"] == "Announce"
        })
        .await;
        drained(&ann, &remote.domain()).await;
    }
    let shapes = |remote: &Remote| -> Vec<String> {
        let mut s: Vec<String> = remote
            .received_of("Announce")
            .iter()
            .map(|r| {
                let o = &r.body["object"];
                match o["type"].as_str() {
                    Some("Create") => format!("Announce(Create({}))", o["object"]["type"]),
                    _ => format!("Announce({})", o["type"]),
                }
            })
            .collect();
        s.sort();
        s
    };
    assert_eq!(shapes(&lemmy), vec!["Announce(Create(\"Page\"))"]);
    assert_eq!(
        shapes(&mastodon),
        vec!["Announce(\"Page\")", "Announce(Create(\"Page\"))"]
    );

    // bob joins the Lemmy community and answers carol's post there: the
    // community's instance (also carol's) gets the Create once, at its
    // shared inbox, and no attestation Offer (Lemmy cannot read one).
    let bob = a.api().register("bob").await;
    let community = join_remote_group(&bob, &format!("!lemmy_group@{}", lemmy.domain())).await;
    until_accepted(&bob, &community).await;
    deliver(&a, &lemmy, "lemmy_announce_create_page").await;
    let page = first_thread(&bob, &community).await;
    bob.post(
        &format!("/threads/{page}/replies"),
        json!({ "body": "The Brother ones work with CUPS." }),
    )
    .await
    .expect(201);
    received(&lemmy, "bob's reply", |r| {
        r.body["type"] == "Create" && r.body["object"]["type"] == "Note"
    })
    .await;
    drained(&ann, &lemmy.domain()).await;
    let creates: Vec<Received> = lemmy
        .received_of("Create")
        .into_iter()
        .filter(|r| r.body["object"]["type"] == "Note")
        .collect();
    assert_eq!(creates.len(), 1, "one copy per instance: {creates:?}");
    assert_eq!(creates[0].path, "/inbox", "at the shared inbox");
    assert!(
        lemmy.received_of("Offer").is_empty(),
        "no attestation Offer to Lemmy"
    );
    // Nothing Lemmy got was signed by our instance actor (an Application,
    // which Lemmy cannot take as a person or group).
    let instance_actor = format!("http://{}/actor", a.domain());
    for r in lemmy.received() {
        assert_ne!(r.body["actor"], instance_actor, "{}", r.body);
        assert!(r.verified, "{}", r.body);
    }
    assert!(
        !lemmy
            .received()
            .iter()
            .any(|r| r.path == format!("{LEMMY_GROUP}/inbox") && r.body["type"] == "Create"),
        "no second copy at the community's inbox"
    );
}
