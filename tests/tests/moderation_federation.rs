//! Moderation across servers, in Lemmy's shapes: a second Guildhall's copy
//! of a group follows what the group's moderators do on its instance
//! (lock, pin, remove, restore, ban); Lemmy-shaped followers get each
//! action as the moderator's activity inside the group's Announce; a
//! Lemmy community's announced actions apply to our copy of it; and a
//! moderator's action nobody vouches for is refused.

use guildhall_e2e::remote::{LEMMY_GROUP, Remote};
use guildhall_e2e::steps::{
    followed_from, join_remote_group, post_reply, post_thread, thread_titled, until_accepted,
};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

async fn thread(api: &Api, id: i64) -> Value {
    api.get(&format!("/threads/{id}")).await.expect(200)
}

/// Waits until `api` sees thread `id` in a state `check` accepts.
async fn until(api: &Api, id: i64, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    eventually(what, || async {
        let t = thread(api, id).await;
        check(&t).then_some(t)
    })
    .await
}

#[tokio::test]
async fn a_groups_moderation_reaches_a_second_guildhall() {
    between(TestServer::sqlite().await, TestServer::sqlite().await).await;
}

#[tokio::test]
async fn a_groups_moderation_reaches_a_second_guildhall_on_postgres() {
    let Some(a) = TestServer::postgres("moderation_federation").await else {
        return;
    };
    between(a, TestServer::sqlite().await).await;
}

async fn between(a: TestServer, b: TestServer) {
    let ann = a.api().register("ann").await;
    let mo = a.api().register("mo").await;
    ann.post("/groups", json!({"name": "lounge", "title": "Lounge"}))
        .await
        .expect(201);
    ann.post("/groups/lounge/moderators", json!({"username": "mo"}))
        .await
        .expect(200);
    let bob = b.api().register("bob").await;
    let on_b = join_remote_group(&bob, &format!("!lounge@{}", a.domain())).await;
    until_accepted(&bob, &on_b).await;
    let id_a = post_thread(&ann, "lounge", "House rules", "Be kind.").await;
    let id_b = thread_titled(&bob, &on_b, "House rules").await;

    // Locked on A: B's copy takes no reply from bob either.
    mo.put(
        &format!("/threads/{id_a}/lock"),
        json!({"reason": "Read only"}),
    )
    .await
    .expect(204);
    until(&bob, id_b, "the lock reaches B", |t| t["locked"] == true).await;
    bob.post(&format!("/threads/{id_b}/replies"), json!({"body": "Hi"}))
        .await
        .expect_error(409, "conflict");
    mo.delete(&format!("/threads/{id_a}/lock"))
        .await
        .expect(204);
    until(&bob, id_b, "the unlock reaches B", |t| t["locked"] == false).await;

    // Pinned and unpinned.
    mo.put(&format!("/threads/{id_a}/pin"), json!({}))
        .await
        .expect(204);
    until(&bob, id_b, "the pin reaches B", |t| t["pinned"] == true).await;
    mo.delete(&format!("/threads/{id_a}/pin")).await.expect(204);
    until(&bob, id_b, "the unpin reaches B", |t| t["pinned"] == false).await;

    // Removed with a reason, then restored: the text comes back on B.
    mo.post(
        &format!("/threads/{id_a}/remove"),
        json!({"reason": "Checking"}),
    )
    .await
    .expect(204);
    until(&bob, id_b, "the removal reaches B", |t| {
        t["removed"] == true
    })
    .await;
    mo.post(&format!("/threads/{id_a}/restore"), json!({}))
        .await
        .expect(204);
    let t = until(&bob, id_b, "the restore reaches B", |t| {
        t["removed"] == false
    })
    .await;
    assert_eq!(
        (t["title"].as_str(), t["body"].as_str()),
        (Some("House rules"), Some("Be kind."))
    );

    // bob, banned from the group on A, cannot post in it from B either.
    post_reply(&bob, id_b, "Thanks!").await;
    let bob_on_a = format!("bob@{}", b.domain());
    eventually("bob is known on A", || async {
        (thread(&ann, id_a).await["reply_count"] == 1).then_some(())
    })
    .await;
    let banned = mo
        .put(
            &format!("/groups/lounge/bans/{bob_on_a}"),
            json!({"reason": "Trolling", "remove_content": true}),
        )
        .await
        .expect(200);
    assert_eq!(banned["removed_posts"], 1);
    eventually("the ban reaches B", || async {
        let reply = bob
            .post(
                &format!("/threads/{id_b}/replies"),
                json!({"body": "Hello?"}),
            )
            .await;
        (reply.status == 403).then_some(())
    })
    .await;
    mo.delete(&format!("/groups/lounge/bans/{bob_on_a}"))
        .await
        .expect(204);
    eventually("the lifted ban reaches B", || async {
        let reply = bob
            .post(
                &format!("/threads/{id_b}/replies"),
                json!({"body": "Back."}),
            )
            .await;
        (reply.status == 201).then_some(())
    })
    .await;

    // B's log of its copy shows what A's moderator did, under their name.
    let log = bob.get(&format!("/groups/{on_b}/modlog")).await.expect(200);
    let actions: Vec<(&str, &str)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["moderator"].as_str().unwrap(),
            )
        })
        .collect();
    let mo_on_b = format!("mo@{}", a.domain());
    assert!(
        actions.contains(&("lock_thread", mo_on_b.as_str())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("restore_post", mo_on_b.as_str())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("ban_member", mo_on_b.as_str())),
        "{actions:?}"
    );
    // And bob, on B, may not moderate A's group there.
    bob.put(&format!("/threads/{id_b}/lock"), json!({}))
        .await
        .expect_error(403, "forbidden");
}

/// The Announce a Lemmy-shaped follower got whose inner activity `check`
/// accepts.
async fn announced(lemmy: &Remote, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    eventually(what, || async {
        lemmy
            .received_of("Announce")
            .into_iter()
            .find(|r| check(&r.body["object"]))
            .map(|r| r.body)
    })
    .await
}

#[tokio::test]
async fn lemmy_followers_get_each_action_in_lemmys_shapes() {
    let server = TestServer::sqlite().await;
    let ann = server.api().register("ann").await;
    ann.post("/groups", json!({"name": "support", "title": "Support"}))
        .await
        .expect(201);
    let lemmy = Remote::start().await;
    lemmy.serve_nodeinfo("lemmy");
    followed_from(&server, &lemmy, "lemmy_follow").await;
    let create = lemmy.fixture("lemmy_create_page", &server, 0, 0);
    let (status, body) = lemmy.send(&server.url("/inbox"), &create).await;
    assert_eq!(status, 202, "{body}");
    let title = create["object"]["name"].as_str().unwrap();
    let id = thread_titled(&ann, "support", title).await;
    let page = create["object"]["id"].as_str().unwrap().to_owned();
    let group = server.url("/g/support");
    let ann_url = server.url("/u/ann");

    ann.put(
        &format!("/threads/{id}/lock"),
        json!({"reason": "Resolved"}),
    )
    .await
    .expect(204);
    let lock = announced(&lemmy, "the Lock", |a| a["type"] == "Lock").await;
    assert_eq!(lock["actor"], group);
    let inner = &lock["object"];
    assert_eq!(
        (
            inner["actor"].as_str(),
            inner["object"].as_str(),
            inner["summary"].as_str()
        ),
        (
            Some(ann_url.as_str()),
            Some(page.as_str()),
            Some("Resolved")
        )
    );
    assert_eq!(inner["audience"], group);
    ann.delete(&format!("/threads/{id}/lock")).await.expect(204);
    let undo = announced(&lemmy, "the Undo(Lock)", |a| {
        a["type"] == "Undo" && a["object"]["type"] == "Lock"
    })
    .await;
    assert_eq!(undo["object"]["object"]["object"], page);

    ann.put(&format!("/threads/{id}/pin"), json!({}))
        .await
        .expect(204);
    let featured = format!("{group}/featured");
    let add = announced(&lemmy, "the Add", |a| a["type"] == "Add").await;
    assert_eq!(
        (
            add["object"]["object"].as_str(),
            add["object"]["target"].as_str()
        ),
        (Some(page.as_str()), Some(featured.as_str()))
    );
    // The featured collection lists the Page.
    let served = server.fetch_ap("/g/support/featured").await;
    assert_eq!(served["totalItems"], 1);
    assert_eq!(served["orderedItems"][0]["id"], page);
    assert_eq!(served["orderedItems"][0]["stickied"], true);
    ann.delete(&format!("/threads/{id}/pin")).await.expect(204);
    announced(&lemmy, "the Remove", |a| a["type"] == "Remove").await;

    ann.post(&format!("/threads/{id}/remove"), json!({"reason": "Spam"}))
        .await
        .expect(204);
    let delete = announced(&lemmy, "the removal", |a| a["type"] == "Delete").await;
    assert_eq!(delete["object"]["summary"], "Spam", "{delete:#}");
    ann.post(&format!("/threads/{id}/restore"), json!({}))
        .await
        .expect(204);
    let restore = announced(&lemmy, "the restore", |a| {
        a["type"] == "Undo" && a["object"]["type"] == "Delete"
    })
    .await;
    assert_eq!(restore["object"]["object"]["object"], page);
    // A summary marks the undone Delete as a removal (Lemmy reads that).
    assert!(restore["object"]["object"]["summary"].is_string());

    // Reported to her server by the moderator: Mastodon's shape, the
    // account and the post.
    let bob = server.api().register("bob").await;
    bob.post(&format!("/threads/{id}/flag"), json!({"reason": "Spam"}))
        .await
        .expect(201);
    let flags = ann.get("/groups/support/flags").await.expect(200);
    let flag = &flags["flags"][0];
    assert_eq!(flag["remote"], true);
    ann.post(
        &format!("/groups/support/flags/{}/resolve", flag["id"]),
        json!({"outcome": "resolved", "note": "Selling watches", "forward": true}),
    )
    .await
    .expect(204);
    let report = eventually("the Flag reaches carol's server", || async {
        lemmy.received_of("Flag").into_iter().next()
    })
    .await;
    assert!(report.verified);
    let carol_url = lemmy.url("/u/carol");
    assert_eq!(report.body["actor"], ann_url);
    assert_eq!(report.body["object"], json!([carol_url, page]));
    assert_eq!(report.body["to"], json!([carol_url]));
    assert_eq!(
        (
            report.body["summary"].as_str(),
            report.body["content"].as_str()
        ),
        (Some("Selling watches"), Some("Selling watches"))
    );

    // A ban of the Lemmy member: announced, and sent to them too.
    let carol = format!("carol@{}", lemmy.domain());
    let until = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    ann.put(
        &format!("/groups/support/bans/{carol}"),
        json!({"reason": "Spam", "expires_at": until, "remove_content": true}),
    )
    .await
    .expect(200);
    let block = announced(&lemmy, "the Block", |a| a["type"] == "Block").await;
    let inner = &block["object"];
    assert_eq!(inner["object"], lemmy.url("/u/carol"));
    assert_eq!(inner["target"], group);
    assert_eq!(inner["removeData"], true);
    assert!(inner["expires"].is_string() && inner["expires"] == inner["endTime"]);
    // Her instance follows the group: the Announce is all it gets, not a
    // second copy under the same id.
    assert!(lemmy.received_of("Block").is_empty());
    // Her thread went with the ban, and no Delete of it went out alone.
    assert_eq!(thread(&ann, id).await["removed"], true);
    ann.delete(&format!("/groups/support/bans/{carol}"))
        .await
        .expect(204);
    announced(&lemmy, "the Undo(Block)", |a| {
        a["type"] == "Undo" && a["object"]["type"] == "Block"
    })
    .await;
}

#[tokio::test]
async fn a_lemmy_communitys_announced_actions_apply_here() {
    let server = TestServer::sqlite().await;
    let boss = server.api().register("boss").await;
    let bob = server.api().register("bob").await;
    let lemmy = Remote::start().await;
    let community = join_remote_group(&bob, &format!("!lemmy_group@{}", lemmy.domain())).await;
    until_accepted(&bob, &community).await;
    let create = lemmy.fixture("lemmy_announce_create_page", &server, 0, 0);
    assert_eq!(lemmy.send(&server.url("/inbox"), &create).await.0, 202);
    let id = thread_titled(&bob, &community, "Which label printer do you use?").await;
    let page = lemmy.url("/post/1002");
    lemmy.set_actor_fields("/u/lemmy_mod", json!({}));
    let group = lemmy.url(LEMMY_GROUP);
    let inbox = server.url("/inbox");
    let deliver = |name: &'static str| {
        let activity = lemmy.fixture(name, &server, 0, 0);
        let lemmy = &lemmy;
        let inbox = inbox.clone();
        async move { lemmy.send(&inbox, &activity).await }
    };

    // A moderator's Lock sent on its own, vouched for by no group: refused.
    let (status, _) = deliver("lemmy_lock_page_direct").await;
    assert_eq!(status, 403);
    assert_eq!(thread(&bob, id).await["locked"], false);

    // Lemmy's own shapes (its test assets), as its community announces them.
    assert_eq!(deliver("lemmy_announce_lock_page").await.0, 202);
    assert_eq!(thread(&bob, id).await["locked"], true);
    bob.post(&format!("/threads/{id}/replies"), json!({"body": "Hi"}))
        .await
        .expect_error(409, "conflict");
    assert_eq!(deliver("lemmy_announce_undo_lock_page").await.0, 202);
    assert_eq!(thread(&bob, id).await["locked"], false);

    assert_eq!(deliver("lemmy_announce_add_featured_post").await.0, 202);
    assert_eq!(thread(&bob, id).await["pinned"], true);
    assert_eq!(deliver("lemmy_announce_remove_featured_post").await.0, 202);
    assert_eq!(thread(&bob, id).await["pinned"], false);

    assert_eq!(deliver("lemmy_announce_remove_page").await.0, 202);
    assert_eq!(thread(&bob, id).await["removed"], true);
    assert_eq!(deliver("lemmy_announce_undo_remove_page").await.0, 202);
    let t = thread(&bob, id).await;
    assert_eq!(
        (t["removed"].as_bool(), t["title"].as_str()),
        (Some(false), Some("Which label printer do you use?"))
    );

    // bob banned from the community (with both expiry fields): he cannot
    // post in it from here until the Undo.
    assert_eq!(deliver("lemmy_announce_block_user").await.0, 202);
    let detail = bob
        .post(&format!("/threads/{id}/replies"), json!({"body": "Hi"}))
        .await
        .expect_error(403, "forbidden");
    assert!(detail.contains("banned from this group"), "{detail}");
    assert!(
        detail.contains("2030-11-01"),
        "the expiry is kept: {detail}"
    );
    assert_eq!(deliver("lemmy_announce_undo_block_user").await.0, 202);
    post_reply(&bob, id, "Thanks.").await;

    // Its moderators collection's Add is known, and changes nothing.
    let add_mod = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Announce",
        "id": lemmy.url("/activities/announce/add/mod-1"),
        "actor": group,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "type": "Add",
            "id": lemmy.url("/activities/add/mod-1"),
            "actor": lemmy.url("/u/lemmy_mod"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [group],
            "object": lemmy.url("/u/carol"),
            "target": format!("{group}/moderators"),
        },
    });
    assert_eq!(lemmy.send(&inbox, &add_mod).await.0, 202);

    // A report of the community's post, sent on to it by our admin:
    // Lemmy's shape, the post alone, `to` the community.
    bob.post(
        &format!("/threads/{id}/flag"),
        json!({"reason": "Off topic"}),
    )
    .await
    .expect(201);
    let flags = boss
        .get(&format!("/groups/{community}/flags"))
        .await
        .expect(200);
    let flag = &flags["flags"][0];
    boss.post(
        &format!("/groups/{community}/flags/{}/resolve", flag["id"]),
        json!({"outcome": "resolved", "note": "Off topic there", "forward": true}),
    )
    .await
    .expect(204);
    let report = eventually("the Flag reaches the community", || async {
        lemmy.received_of("Flag").into_iter().next()
    })
    .await;
    assert_eq!(report.body["object"], page);
    assert_eq!(report.body["to"], json!([group]));
    assert_eq!(report.body["summary"], "Off topic there");
}
