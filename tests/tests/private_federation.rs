//! A private group across servers, as Lemmy's private communities work:
//! its actor says `manuallyApprovesFollowers`, a remote Follow waits for a
//! moderator (Accept or Reject), its content goes to approved followers'
//! inboxes alone and never with the public address, and its objects are
//! served only to a signed fetch from a server with an approved follower.
//! Between two Guildhalls, a member of the second asks, is let in, reads
//! and replies; a second member there, not let in, reads nothing.

use guildhall_e2e::remote::{LEMMY_CAROL, Remote};
use guildhall_e2e::steps::{join_remote_group, post_reply, post_thread, thread_titled};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A private group `beta` on `server`, moderated by mo, with one thread.
async fn private_group(server: &TestServer) -> (Api, i64) {
    let mo = server.api().register("mo").await;
    mo.post("/groups", json!({"name": "beta", "title": "Beta testers"}))
        .await
        .expect(201);
    mo.patch("/groups/beta", json!({"visibility": "private"}))
        .await
        .expect(200);
    let first = post_thread(&mo, "beta", "SECRET roadmap", "Ship on Friday.").await;
    (mo, first)
}

/// A stand-in's carol asks to follow `beta`; returns her Follow.
async fn follow_from(server: &TestServer, remote: &Remote) -> Value {
    let mut follow = remote.fixture("lemmy_follow", server, 0, 0);
    follow["object"] = json!(server.url("/g/beta"));
    follow["to"] = json!([server.url("/g/beta")]);
    let (status, body) = remote.send(&server.url("/inbox"), &follow).await;
    assert_eq!(status, 202, "{body}");
    follow
}

async fn requests(mo: &Api) -> Vec<String> {
    let list = mo.get("/groups/beta/requests").await.expect(200);
    list["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Whether any activity the stand-in received says the public address.
fn any_public(remote: &Remote) -> bool {
    remote
        .received()
        .iter()
        .any(|r| r.body.to_string().contains(PUBLIC))
}

/// A Lemmy reply in the private group, addressed as Lemmy addresses a
/// private community's: to the group, never to the public.
fn private_reply(remote: &Remote, server: &TestServer, thread: i64, reply: i64) -> Value {
    let mut answer = remote.fixture("lemmy_create_note_reply", server, thread, reply);
    let group = json!(server.url("/g/beta"));
    let address = |activity: &mut Value| {
        activity["to"] = json!([group]);
        activity["cc"] = json!([]);
        activity["audience"] = group.clone();
    };
    address(&mut answer["object"]);
    address(&mut answer);
    answer
}

async fn unsigned_fetch(server: &TestServer, path: &str) -> u16 {
    reqwest::Client::new()
        .get(server.url(path))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Stand-ins: one let in, one turned down, one that waits.
async fn with_stand_ins(server: &TestServer) {
    let (mo, first) = private_group(server).await;
    let actor: Value = {
        let got = reqwest::Client::new()
            .get(server.url("/g/beta"))
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "a private group's profile is served");
        got.json().await.unwrap()
    };
    assert_eq!(actor["manuallyApprovesFollowers"], true);
    assert!(!actor.to_string().contains("SECRET"));

    let (yes, no, waits) = (
        Remote::start().await,
        Remote::start().await,
        Remote::start().await,
    );
    let yes_follow = follow_from(server, &yes).await;
    for remote in [&no, &waits] {
        follow_from(server, remote).await;
    }
    let carols: Vec<String> = [&yes, &no, &waits]
        .iter()
        .map(|r| format!("carol@{}", r.domain()))
        .collect();
    let mut waiting = requests(&mo).await;
    waiting.sort();
    let mut expected = carols.clone();
    expected.sort();
    assert_eq!(waiting, expected, "every Follow waits for a moderator");
    assert!(
        [&yes, &no, &waits]
            .iter()
            .all(|r| r.received_of("Accept").is_empty()),
        "nothing is accepted before a moderator says so"
    );

    // Nobody has read anything yet: unsigned, or signed from a server with
    // no approved follower, a fetch finds nothing.
    let thread_url = server.url(&format!("/t/{first}"));
    let (status, body) = yes.fetch_signed(&thread_url, LEMMY_CAROL).await;
    assert_eq!(status, 404, "{body}");

    // One let in, one turned down: the Accept and the Reject answer the
    // very Follow each sent.
    mo.post(
        &format!("/groups/beta/requests/{}", carols[0]),
        json!({"approve": true}),
    )
    .await
    .expect(204);
    mo.post(
        &format!("/groups/beta/requests/{}", carols[1]),
        json!({"approve": false}),
    )
    .await
    .expect(204);
    let accept = eventually("the Accept", || async {
        yes.received_of("Accept").into_iter().next()
    })
    .await;
    assert_eq!(accept.body["object"]["type"], "Follow");
    assert_eq!(accept.body["actor"], server.url("/g/beta"));
    let reject = eventually("the Reject", || async {
        no.received_of("Reject").into_iter().next()
    })
    .await;
    assert_eq!(reject.body["object"]["actor"], no.url(LEMMY_CAROL));
    assert_eq!(requests(&mo).await, vec![carols[2].clone()]);
    // A decision on a request nobody made is a 404 that changes nothing.
    mo.post(
        &format!("/groups/beta/requests/{}", carols[1]),
        json!({"approve": true}),
    )
    .await
    .expect_error(404, "not_found");

    // A new thread and a reply go to the approved follower alone, to the
    // group's followers and never to the public.
    let next = post_thread(&mo, "beta", "SECRET launch date", "Next week.").await;
    let reply = post_reply(&mo, next, "Confirmed.").await;
    eventually(
        "the approved follower gets the thread and reply",
        || async {
            let got = yes.received_of("Announce");
            let text =
                serde_json::to_string(&got.iter().map(|r| &r.body).collect::<Vec<_>>()).unwrap();
            (text.contains("SECRET launch date") && text.contains("Confirmed.")).then_some(())
        },
    )
    .await;
    for announce in yes.received_of("Announce") {
        assert_eq!(
            announce.body["to"],
            json!([server.url("/g/beta/followers")]),
            "{}",
            announce.body
        );
    }
    assert!(!any_public(&yes), "nothing private says Public");
    // The others heard nothing but their answer.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for remote in [&no, &waits] {
        assert!(remote.received_of("Announce").is_empty());
        assert!(remote.received_of("Accept").is_empty());
        assert!(
            !remote
                .received()
                .iter()
                .any(|r| r.body.to_string().contains("SECRET"))
        );
    }

    // Fetches: the approved follower's server reads, signed; nobody else.
    for path in [
        format!("/t/{next}"),
        format!("/r/{reply}"),
        format!("/t/{next}/replies"),
        "/g/beta/outbox".to_owned(),
        "/g/beta/featured".to_owned(),
    ] {
        let url = server.url(&path);
        let (status, body) = yes.fetch_signed(&url, LEMMY_CAROL).await;
        assert_eq!(status, 200, "{path}: {body}");
        for outsider in [&no, &waits] {
            let (status, body) = outsider.fetch_signed(&url, LEMMY_CAROL).await;
            assert_eq!(status, 404, "{path}: {body}");
        }
        assert_eq!(unsigned_fetch(server, &path).await, 404, "{path}");
    }
    let (_, page) = yes
        .fetch_signed(&server.url(&format!("/t/{next}")), LEMMY_CAROL)
        .await;
    let page: Value = serde_json::from_str(&page).unwrap();
    assert!(!page.to_string().contains(PUBLIC), "{page}");

    // The approved follower takes part; the one waiting does not.
    let answer = private_reply(&yes, server, next, reply);
    let (status, body) = yes.send(&server.url("/inbox"), &answer).await;
    assert_eq!(status, 202, "{body}");
    let uninvited = private_reply(&waits, server, next, reply);
    let (status, body) = waits.send(&server.url("/inbox"), &uninvited).await;
    assert_eq!(status, 403, "{body}");
    let t = mo.get(&format!("/threads/{next}")).await.expect(200);
    assert_eq!(
        t["reply_count"], 2,
        "mo's reply and the approved follower's"
    );

    // carol leaves (an Undo of her Follow): an answer to her reply no
    // longer reaches her server, not even as the direct copy an author
    // answered gets.
    let list = mo
        .get(&format!("/threads/{next}/replies"))
        .await
        .expect(200);
    let carols = list["replies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["author"]
                .as_str()
                .unwrap_or_default()
                .starts_with("carol@")
        })
        .expect("carol's reply")["id"]
        .as_i64()
        .unwrap();
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Undo",
        "id": yes.url("/activities/undo/leaving"),
        "actor": yes.url(LEMMY_CAROL),
        "object": yes_follow,
    });
    let (status, body) = yes.send(&server.url("/inbox"), &undo).await;
    assert_eq!(status, 202, "{body}");
    let heard = yes.received().len();
    mo.post(
        &format!("/threads/{next}/replies"),
        json!({"body": "Thanks, carol.", "parent_id": carols}),
    )
    .await
    .expect(201);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = yes.received();
    assert!(
        !after[heard..]
            .iter()
            .any(|r| r.body.to_string().contains("Thanks, carol")),
        "{:?}",
        &after[heard..]
    );

    // Invited by name from elsewhere (looked up by WebFinger): the Follow
    // is accepted without waiting. A hidden group invites no one from
    // elsewhere, since it does not federate.
    let invited = Remote::start().await;
    let handle = format!("carol@{}", invited.domain());
    mo.post("/groups/beta/invitations", json!({"username": handle}))
        .await
        .expect(201);
    follow_from(server, &invited).await;
    eventually("the invited follower's Accept", || async {
        invited.received_of("Accept").into_iter().next()
    })
    .await;
    assert!(!requests(&mo).await.contains(&handle));
    mo.post("/groups", json!({"name": "room", "title": "Back room"}))
        .await
        .expect(201);
    mo.patch("/groups/room", json!({"visibility": "hidden"}))
        .await
        .expect(200);
    mo.post("/groups/room/invitations", json!({"username": handle}))
        .await
        .expect_error(422, "invalid");
}

/// Two Guildhalls: bob asks from B, waits, is let in, reads the group's
/// threads on B (fetched, signed), gets new ones, and replies; carl on B,
/// not let in, reads nothing of it there.
async fn between(a: TestServer, b: TestServer) {
    let (mo, _) = private_group(&a).await;
    // The first account on B is its admin, who reads whatever B holds.
    b.api().register("boss").await;
    let bob = b.api().register("bob").await;
    let carl = b.api().register("carl").await;
    let on_b = join_remote_group(&bob, &format!("!beta@{}", a.domain())).await;
    let seen = bob.get(&format!("/groups/{on_b}")).await.expect(200);
    assert_eq!(seen["visibility"], "private", "{seen}");
    assert_eq!(seen["joined"], false);
    let bob_on_a = format!("bob@{}", b.domain());
    eventually("bob's request reaches A", || async {
        requests(&mo).await.contains(&bob_on_a).then_some(())
    })
    .await;
    // Waiting, bob reads nothing of it on B.
    bob.get(&format!("/groups/{on_b}/threads"))
        .await
        .expect_error(403, "forbidden");

    mo.post(
        &format!("/groups/beta/requests/{bob_on_a}"),
        json!({"approve": true}),
    )
    .await
    .expect(204);
    guildhall_e2e::steps::until_accepted(&bob, &on_b).await;
    // What was there before bob came is fetched (signed) into B.
    let first_b = thread_titled(&bob, &on_b, "SECRET roadmap").await;
    let next = post_thread(&mo, "beta", "SECRET launch date", "Next week.").await;
    thread_titled(&bob, &on_b, "SECRET launch date").await;

    // bob replies from B; the group on A takes it.
    post_reply(&bob, first_b, "Count me in.").await;
    let first_a = mo.get("/groups/beta/threads").await.expect(200)["threads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "SECRET roadmap")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    eventually("bob's reply reaches A", || async {
        let t = mo.get(&format!("/threads/{first_a}")).await.body;
        (t["reply_count"] == 1).then_some(())
    })
    .await;

    // carl, on the same server but not a member, reads nothing of it.
    carl.get(&format!("/groups/{on_b}/threads"))
        .await
        .expect_error(403, "forbidden");
    carl.get(&format!("/threads/{first_b}"))
        .await
        .expect_error(403, "forbidden");
    let page = reqwest::get(b.url(&format!("/t/{first_b}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Count me in"));
    let _ = next;
}

#[tokio::test]
async fn a_private_group_federates_with_approved_followers_alone() {
    with_stand_ins(&TestServer::sqlite().await).await;
}

#[tokio::test]
async fn a_private_group_federates_with_approved_followers_alone_on_postgres() {
    if let Some(server) = TestServer::postgres("private_federation").await {
        with_stand_ins(&server).await;
    }
}

#[tokio::test]
async fn a_member_elsewhere_asks_is_let_in_and_takes_part() {
    between(TestServer::sqlite().await, TestServer::sqlite().await).await;
}

#[tokio::test]
async fn a_member_elsewhere_asks_is_let_in_and_takes_part_on_postgres() {
    let Some(a) = TestServer::postgres("private_federation_between").await else {
        return;
    };
    between(a, TestServer::sqlite().await).await;
}
