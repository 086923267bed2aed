//! A member here who moderates a group on another server moderates it from
//! here, as Lemmy lets a community's remote moderators: the group's server
//! lists them (its moderators collection, and an announced `Add` or
//! `Remove` when the list changes), our copy follows the list, and their
//! lock, pin, removal and restore go to the group, which applies them and
//! tells its followers. Anyone the group does not list is refused, here
//! and there.

use guildhall_e2e::steps::{join_remote_group, post_thread, thread_titled, until_accepted};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

async fn thread(api: &Api, id: i64) -> Value {
    api.get(&format!("/threads/{id}")).await.expect(200)
}

/// Waits until `api` sees thread `id` in a state `check` accepts.
async fn until(api: &Api, id: i64, what: &str, check: impl Fn(&Value) -> bool) {
    eventually(what, || async {
        check(&thread(api, id).await).then_some(())
    })
    .await;
}

async fn moderator_names(api: &Api, group: &str) -> Vec<String> {
    let g = api.get(&format!("/groups/{group}")).await.expect(200);
    g["moderators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn between(a: TestServer, b: TestServer) {
    let ann = a.api().register("ann").await;
    ann.post("/groups", json!({"name": "lounge", "title": "Lounge"}))
        .await
        .expect(201);
    b.api().register("boss").await;
    let bob = b.api().register("bob").await;
    let carl = b.api().register("carl").await;
    let on_b = join_remote_group(&bob, &format!("!lounge@{}", a.domain())).await;
    until_accepted(&bob, &on_b).await;
    let id_a = post_thread(&ann, "lounge", "Old news", "From last year.").await;
    let id_b = thread_titled(&bob, &on_b, "Old news").await;

    // Not listed: refused here, and nothing reaches the group.
    bob.put(&format!("/threads/{id_b}/lock"), json!({"reason": "Old"}))
        .await
        .expect_error(403, "forbidden");

    // ann makes bob a moderator on A; the Add reaches B's copy.
    let bob_on_a = format!("bob@{}", b.domain());
    ann.post("/groups/lounge/moderators", json!({"username": bob_on_a}))
        .await
        .expect(200);
    eventually("B's copy lists bob as a moderator", || async {
        moderator_names(&bob, &on_b)
            .await
            .contains(&"bob".to_owned())
            .then_some(())
    })
    .await;
    let list: Value = reqwest::Client::new()
        .get(a.url("/g/lounge/moderators"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list["orderedItems"]
            .as_array()
            .unwrap()
            .contains(&json!(b.url("/u/bob"))),
        "{list}"
    );

    // bob locks, pins, removes and restores from B; A applies each.
    bob.put(&format!("/threads/{id_b}/lock"), json!({"reason": "Old"}))
        .await
        .expect(204);
    until(&ann, id_a, "the lock reaches A", |t| t["locked"] == true).await;
    bob.delete(&format!("/threads/{id_b}/lock"))
        .await
        .expect(204);
    until(&ann, id_a, "the unlock reaches A", |t| t["locked"] == false).await;
    bob.put(&format!("/threads/{id_b}/pin"), json!({}))
        .await
        .expect(204);
    until(&ann, id_a, "the pin reaches A", |t| t["pinned"] == true).await;
    bob.post(
        &format!("/threads/{id_b}/remove"),
        json!({"reason": "Out of date"}),
    )
    .await
    .expect(204);
    until(&ann, id_a, "the removal reaches A", |t| {
        t["removed"] == true
    })
    .await;
    bob.post(&format!("/threads/{id_b}/restore"), json!({}))
        .await
        .expect(204);
    until(&ann, id_a, "the restore reaches A", |t| {
        t["removed"] == false
    })
    .await;
    let log = ann.get("/groups/lounge/modlog").await.expect(200);
    assert!(log.to_string().contains("bob@"), "A's log names bob: {log}");

    // bob bans eve (of A, known on B by her thread) from B; A applies the
    // ban and eve cannot post there; the ban lifted, she can.
    let eve = a.api().register("eve").await;
    post_thread(&eve, "lounge", "Buy my stuff", "Cheap.").await;
    thread_titled(&bob, &on_b, "Buy my stuff").await;
    let eve_on_b = format!("eve@{}", a.domain());
    bob.put(
        &format!("/groups/{on_b}/bans/{eve_on_b}"),
        json!({"reason": "Spam"}),
    )
    .await
    .expect(200);
    eventually("the ban reaches A", || async {
        let tried = eve
            .post(
                "/groups/lounge/threads",
                json!({"title": "Again", "body": "Cheap."}),
            )
            .await;
        (tried.status.as_u16() == 403).then_some(())
    })
    .await;
    bob.delete(&format!("/groups/{on_b}/bans/{eve_on_b}"))
        .await
        .expect(204);
    eventually("the unban reaches A", || async {
        let bans = ann.get("/groups/lounge/bans").await.expect(200);
        (bans["bans"].as_array().is_some_and(|b| b.is_empty())).then_some(())
    })
    .await;
    let log = ann.get("/groups/lounge/modlog").await.expect(200);
    assert!(log.to_string().contains("Spam"), "{log}");

    // carl, on B but not listed, is refused there.
    carl.put(
        &format!("/groups/{on_b}/bans/{eve_on_b}"),
        json!({"reason": "Mine"}),
    )
    .await
    .expect_error(403, "forbidden");
    carl.put(&format!("/threads/{id_b}/lock"), json!({"reason": "Mine"}))
        .await
        .expect_error(403, "forbidden");

    // Taken off the list on A, bob is refused on B again.
    ann.delete(&format!("/groups/lounge/moderators/{bob_on_a}"))
        .await
        .expect(200);
    eventually("B's copy drops bob", || async {
        (!moderator_names(&bob, &on_b)
            .await
            .contains(&"bob".to_owned()))
        .then_some(())
    })
    .await;
    bob.put(&format!("/threads/{id_b}/lock"), json!({"reason": "Old"}))
        .await
        .expect_error(403, "forbidden");
    assert_eq!(thread(&ann, id_a).await["locked"], false);
}

#[tokio::test]
async fn a_member_here_moderates_a_group_elsewhere() {
    between(TestServer::sqlite().await, TestServer::sqlite().await).await;
}

#[tokio::test]
async fn a_member_here_moderates_a_group_elsewhere_on_postgres() {
    let Some(a) = TestServer::postgres("remote_moderators").await else {
        return;
    };
    between(a, TestServer::sqlite().await).await;
}
