//! Three real instances on loopback, talking signed ActivityPub over HTTP.

use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

/// The first account on an instance is its admin and may create groups.
async fn admin_with_group(server: &TestServer, user: &str, group: &str) -> Api {
    let admin = server.api().register(user).await;
    admin
        .post("/groups", json!({ "name": group, "title": "Support" }))
        .await
        .expect(201);
    admin
}

/// A member on `server` who follows `group` on `home` and waits for the Accept.
async fn follower(
    server: &TestServer,
    user: &str,
    home: &TestServer,
    group: &str,
) -> (Api, String) {
    let member = server.api().register(user).await;
    let found = member
        .post(
            "/groups/lookup",
            json!({ "query": format!("!{group}@{}", home.domain()) }),
        )
        .await
        .expect(200);
    let name = found["name"].as_str().unwrap().to_owned();
    assert_eq!(name, format!("{group}@{}", home.domain()));
    member
        .post(&format!("/groups/{name}/join"), json!({}))
        .await
        .expect(200);
    eventually("the remote group accepts the follow", || {
        let (member, name) = (member.clone(), name.clone());
        async move {
            let g = member.get(&format!("/groups/{name}")).await.body;
            (g["member_count"].as_i64() == Some(1)).then_some(())
        }
    })
    .await;
    (member, name)
}

async fn threads(api: &Api, group: &str) -> Vec<Value> {
    let list = api
        .get(&format!("/groups/{group}/threads?sort=new"))
        .await
        .expect(200);
    list["threads"].as_array().cloned().unwrap_or_default()
}

async fn replies(api: &Api, thread: i64) -> Vec<Value> {
    let list = api
        .get(&format!("/threads/{thread}/replies"))
        .await
        .expect(200);
    list["replies"].as_array().cloned().unwrap_or_default()
}

/// Waits until a thread titled `title` shows in `group` on `api`'s instance.
async fn thread_titled(api: &Api, group: &str, title: &str) -> Value {
    eventually(&format!("the thread {title:?} arrives"), || async {
        threads(api, group)
            .await
            .into_iter()
            .find(|t| t["title"] == title)
    })
    .await
}

/// Waits until thread `id` on `api`'s instance is deleted (or gone).
async fn deleted(api: &Api, id: i64) {
    eventually("the delete arrives", || async {
        let t = api.get(&format!("/threads/{id}")).await;
        (t.status == 404 || t.body["deleted"] == true).then_some(())
    })
    .await;
}

#[tokio::test]
async fn groups_federate_across_three_sqlite_instances() {
    let a = TestServer::sqlite().await;
    let b = TestServer::sqlite().await;
    let c = TestServer::sqlite().await;
    groups_federate(a, b, c).await;
}

/// The group's home and one follower on PostgreSQL, one follower on SQLite.
#[tokio::test]
async fn groups_federate_with_postgres_instances() {
    let (Some(a), Some(c)) = (
        TestServer::postgres("groups_federate_a").await,
        TestServer::postgres("groups_federate_c").await,
    ) else {
        return;
    };
    groups_federate(a, TestServer::sqlite().await, c).await;
}

/// Follow and Accept, then a thread, a reply, a vote, an edit and a delete,
/// each made on one instance and seen on the other two.
async fn groups_federate(a: TestServer, b: TestServer, c: TestServer) {
    let alice = admin_with_group(&a, "alice", "support").await;
    let (bob, on_b) = follower(&b, "bob", &a, "support").await;
    let (carol, on_c) = follower(&c, "carol", &a, "support").await;
    let group = alice.get("/groups/support").await.expect(200);
    assert_eq!(group["member_count"], 3, "alice plus two remote followers");

    // A thread posted on A reaches B and C through the group's Announce.
    let thread = alice
        .post(
            "/groups/support/threads",
            json!({ "title": "Printer jams", "body": "On page **two**." }),
        )
        .await
        .expect(201);
    let thread_a = thread["id"].as_i64().unwrap();
    let thread_b = thread_titled(&bob, &on_b, "Printer jams").await;
    let thread_c = thread_titled(&carol, &on_c, "Printer jams").await;
    assert!(
        thread_b["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>two</strong>")
    );
    assert_eq!(thread_b["author"], format!("alice@{}", a.domain()));

    // A reply from C appears on A and on B.
    let thread_c_id = thread_c["id"].as_i64().unwrap();
    carol
        .post(
            &format!("/threads/{thread_c_id}/replies"),
            json!({ "body": "Same here." }),
        )
        .await
        .expect(201);
    for (api, id) in [
        (alice.clone(), thread_a),
        (bob.clone(), thread_b["id"].as_i64().unwrap()),
    ] {
        let reply = eventually("the reply arrives", || {
            let api = api.clone();
            async move {
                replies(&api, id)
                    .await
                    .into_iter()
                    .find(|r| r["body"] == "Same here.")
            }
        })
        .await;
        assert_eq!(reply["author"], format!("carol@{}", c.domain()));
    }

    // A vote on B moves the score on A and on C.
    let thread_b_id = thread_b["id"].as_i64().unwrap();
    bob.put(
        &format!("/threads/{thread_b_id}/vote"),
        json!({ "value": 1 }),
    )
    .await
    .expect(200);
    for (api, id) in [(alice.clone(), thread_a), (carol.clone(), thread_c_id)] {
        eventually("the vote counts", || {
            let api = api.clone();
            async move {
                let t = api.get(&format!("/threads/{id}")).await.body;
                (t["score"] == 1).then_some(())
            }
        })
        .await;
    }

    // An edit on A reaches B; a delete on A reaches C.
    alice
        .patch(
            &format!("/threads/{thread_a}"),
            json!({ "title": "Printer jams (solved)" }),
        )
        .await
        .expect(200);
    thread_titled(&bob, &on_b, "Printer jams (solved)").await;
    alice
        .delete(&format!("/threads/{thread_a}"))
        .await
        .expect(204);
    deleted(&carol, thread_c_id).await;

    // bob, a member on B, opens a thread in A's group, edits and deletes it;
    // A's group announces each step to C.
    let own = bob
        .post(
            &format!("/groups/{on_b}/threads"),
            json!({ "title": "From B", "body": "Posted remotely." }),
        )
        .await
        .expect(201);
    let own_id = own["id"].as_i64().unwrap();
    let on_a = thread_titled(&alice, "support", "From B").await;
    assert_eq!(on_a["author"], format!("bob@{}", b.domain()));
    let on_c = thread_titled(&carol, &on_c, "From B").await;
    bob.patch(
        &format!("/threads/{own_id}"),
        json!({ "title": "From B (edited)" }),
    )
    .await
    .expect(200);
    thread_titled(&alice, "support", "From B (edited)").await;
    bob.delete(&format!("/threads/{own_id}")).await.expect(204);
    deleted(&carol, on_c["id"].as_i64().unwrap()).await;
}

/// At-least-once delivery through a receiver outage and a sender restart:
/// threads posted while the follower's instance is down, with the sender
/// stopped before it could deliver them, all arrive once both are back.
#[tokio::test]
async fn queued_deliveries_survive_outage_and_restart() {
    queued_deliveries(TestServer::sqlite().await, TestServer::sqlite().await).await;
}

#[tokio::test]
async fn queued_deliveries_survive_outage_and_restart_on_postgres() {
    if let Some(a) = TestServer::postgres("queued_deliveries").await {
        queued_deliveries(a, TestServer::sqlite().await).await;
    }
}

async fn queued_deliveries(mut a: TestServer, mut b: TestServer) {
    let alice = admin_with_group(&a, "alice", "support").await;
    let (bob, on_b) = follower(&b, "bob", &a, "support").await;

    b.stop().await;
    for n in 1..=3 {
        alice
            .post(
                "/groups/support/threads",
                json!({ "title": format!("Posted during the outage {n}"), "body": "Queued." }),
            )
            .await
            .expect(201);
    }
    // Let A try and fail (B's port refuses), then stop A with the queue full.
    eventually("A notices B is down", || {
        let alice = alice.clone();
        let domain = b.domain();
        async move {
            let list = alice.get("/admin/federation/instances").await.body;
            list["instances"]
                .as_array()?
                .iter()
                .find(|i| i["domain"] == domain && i["failures"].as_i64() > Some(0))
                .map(|_| ())
        }
    })
    .await;
    a.stop().await;
    b.resume().await;
    a.resume().await;

    eventually("all three threads arrive", || {
        let (bob, on_b) = (bob.clone(), on_b.clone());
        async move { (threads(&bob, &on_b).await.len() == 3).then_some(()) }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(threads(&bob, &on_b).await.len(), 3, "each arrived once");
    let list = alice.get("/admin/federation/instances").await.expect(200);
    let state = list["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["domain"] == b.domain())
        .cloned()
        .unwrap();
    assert_eq!(
        state["failures"], 0,
        "a success resets the instance: {state}"
    );
    assert_eq!(state["unreachable_since"], json!(null));
}

/// Replies written before a follower's instance knew the group arrive when
/// the thread is opened there; a moderator's removal of a remote member's
/// reply reaches the member's instance.
#[tokio::test]
async fn opening_a_thread_fetches_replies_and_removals_federate() {
    let a = TestServer::sqlite().await;
    let b = TestServer::sqlite().await;
    let alice = admin_with_group(&a, "alice", "support").await;
    let thread = alice
        .post(
            "/groups/support/threads",
            json!({ "title": "Older thread", "body": "Before anyone followed." }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let dave = a.api().register("dave").await;
    for (who, text) in [(&alice, "First answer."), (&dave, "Second answer.")] {
        who.post(
            &format!("/threads/{thread}/replies"),
            json!({ "body": text }),
        )
        .await
        .expect(201);
    }

    // B follows later: the outbox brings the thread, opening it the replies.
    let (bob, on_b) = follower(&b, "bob", &a, "support").await;
    let on_b_thread = eventually("the outbox backfill brings the thread", || {
        let (bob, on_b) = (bob.clone(), on_b.clone());
        async move { threads(&bob, &on_b).await.into_iter().next() }
    })
    .await;
    let id = on_b_thread["id"].as_i64().unwrap();
    let fetched = replies(&bob, id).await;
    let mut texts: Vec<&str> = fetched.iter().filter_map(|r| r["body"].as_str()).collect();
    texts.sort();
    assert_eq!(texts, ["First answer.", "Second answer."]);
    assert_eq!(
        fetched[0]["author"].as_str().unwrap().split('@').nth(1),
        Some(a.domain().as_str())
    );

    // bob replies from B; alice, moderating on A, removes it; B sees that.
    bob.post(
        &format!("/threads/{id}/replies"),
        json!({ "body": "Spam!" }),
    )
    .await
    .expect(201);
    let spam = eventually("bob's reply reaches A", || {
        let alice = alice.clone();
        async move {
            replies(&alice, thread)
                .await
                .into_iter()
                .find(|r| r["body"] == "Spam!")
        }
    })
    .await;
    alice
        .delete(&format!("/replies/{}", spam["id"]))
        .await
        .expect(204);
    eventually("the removal reaches B", || {
        let bob = bob.clone();
        async move {
            let list = replies(&bob, id).await;
            list.iter()
                .any(|r| r["author"] == "bob" && r["deleted"] == true)
                .then_some(())
        }
    })
    .await;
}

/// The admin API: only admins, domains checked, policies listed.
#[tokio::test]
async fn instance_policies_through_the_admin_api() {
    let a = TestServer::sqlite().await;
    let admin = a.api().register("root_admin").await;
    let member = a.api().register("member").await;
    member
        .get("/admin/federation/instances")
        .await
        .expect_error(403, "forbidden");
    member
        .put(
            "/admin/federation/instances/spam.example",
            json!({ "policy": "block" }),
        )
        .await
        .expect_error(403, "forbidden");
    a.api()
        .get("/admin/federation/instances")
        .await
        .expect_error(401, "unauthorized");
    for (domain, policy) in [
        ("not a domain", json!("block")),
        ("spam.example", json!("mute")),
        (a.domain().as_str(), json!("block")),
    ] {
        let path = format!("/admin/federation/instances/{}", domain.replace(' ', "%20"));
        admin
            .put(&path, json!({ "policy": policy }))
            .await
            .expect_error(422, "invalid");
    }
    let blocked = admin
        .put(
            "/admin/federation/instances/Spam.Example",
            json!({ "policy": "block" }),
        )
        .await
        .expect(200);
    assert_eq!(blocked["domain"], "spam.example");
    assert_eq!(blocked["status"], "blocked");
    let list = admin.get("/admin/federation/instances").await.expect(200);
    assert_eq!(list["mode"], "open");
    assert_eq!(list["instances"][0]["policy"], "block");
    let cleared = admin
        .put(
            "/admin/federation/instances/spam.example",
            json!({ "policy": null }),
        )
        .await
        .expect(200);
    assert_eq!(cleared["policy"], json!(null));
    assert_eq!(cleared["status"], "ok");
}

/// Leaving a remote group stops its deliveries; an admin's runtime block
/// refuses the blocked instance's activities and sends it nothing.
#[tokio::test]
async fn unfollow_and_block_between_instances() {
    unfollow_and_block(TestServer::sqlite().await).await;
}

#[tokio::test]
async fn unfollow_and_block_between_instances_on_postgres() {
    if let Some(a) = TestServer::postgres("unfollow_and_block").await {
        unfollow_and_block(a).await;
    }
}

async fn unfollow_and_block(a: TestServer) {
    let b = TestServer::sqlite().await;
    let c = TestServer::sqlite().await;
    let alice = admin_with_group(&a, "alice", "support").await;
    let (bob, on_b) = follower(&b, "bob", &a, "support").await;
    let (carol, on_c) = follower(&c, "carol", &a, "support").await;
    let post = |title: &'static str| {
        let alice = alice.clone();
        async move {
            alice
                .post(
                    "/groups/support/threads",
                    json!({ "title": title, "body": "." }),
                )
                .await
                .expect(201)["id"]
                .as_i64()
                .unwrap()
        }
    };

    // bob leaves: A's group drops B's follow and sends B nothing more.
    bob.post(&format!("/groups/{on_b}/leave"), json!({}))
        .await
        .expect(200);
    eventually("A sees bob leave", || {
        let alice = alice.clone();
        async move {
            let g = alice.get("/groups/support").await.body;
            (g["member_count"] == 2).then_some(())
        }
    })
    .await;
    post("After bob left").await;
    thread_titled(&carol, &on_c, "After bob left").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !threads(&bob, &on_b)
            .await
            .iter()
            .any(|t| t["title"] == "After bob left")
    );

    // A's admin blocks C at runtime: C gets nothing, and what C sends is refused.
    let thread = alice
        .get("/groups/support/threads?sort=new")
        .await
        .expect(200)["threads"][0]["id"]
        .as_i64()
        .unwrap();
    alice
        .put(
            &format!("/admin/federation/instances/{}", c.domain()),
            json!({ "policy": "block" }),
        )
        .await
        .expect(200);
    post("After the block").await;
    let on_c_thread = threads(&carol, &on_c).await[0]["id"].as_i64().unwrap();
    carol
        .post(
            &format!("/threads/{on_c_thread}/replies"),
            json!({ "body": "Can you hear me?" }),
        )
        .await
        .expect(201);
    // carol is C's first account, so its admin: C's queue to A drains (A's
    // 403 is final, not retried), and A applied nothing.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    eventually("C's delivery to A is answered", || {
        let (carol, domain) = (carol.clone(), a.domain());
        async move {
            let list = carol.get("/admin/federation/instances").await.body;
            list["instances"]
                .as_array()?
                .iter()
                .find(|i| i["domain"] == domain && i["queued"] == 0)
                .map(|_| ())
        }
    })
    .await;
    assert!(
        replies(&alice, thread).await.is_empty(),
        "a blocked instance's reply was applied"
    );
    assert!(
        !threads(&carol, &on_c)
            .await
            .iter()
            .any(|t| t["title"] == "After the block"),
        "a blocked instance received a thread"
    );
}
