//! In-app notifications (issue 17, first step): a reply to you, a mention
//! (`@name` here, a link to your profile from a Mastodon-shaped server),
//! a new reply in a thread you watch (your own by default), a new thread in
//! a group you watch; muting; a kind turned off; marking read; none for
//! what you may not read; none lost across a restart, none made twice.

use guildhall_e2e::browser::Browser;
use guildhall_e2e::remote::Remote;
use guildhall_e2e::steps::{kind_group, post_reply, post_thread};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

/// A member who hears of everything but their badges (which their first
/// posts earn), so the counts below are those of the kinds under test.
async fn member(server: &TestServer, name: &str) -> Api {
    let api = server.api().register(name).await;
    api.put(
        "/notifications/preferences",
        json!({"deliveries": {"badge": "off"}}),
    )
    .await
    .expect(200);
    api
}

async fn notifications(api: &Api) -> Value {
    api.get("/notifications").await.expect(200)
}

/// Waits until `api` has `count` notifications; returns them.
async fn until_count(api: &Api, count: usize, what: &str) -> Vec<Value> {
    eventually(what, || async {
        let list = notifications(api).await;
        let items = list["notifications"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (items.len() == count).then_some(items)
    })
    .await
}

fn kinds(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|n| n["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn reply_to(api: &Api, thread: i64, parent: i64, body: &str) -> i64 {
    api.post(
        &format!("/threads/{thread}/replies"),
        json!({"body": body, "parent_id": parent}),
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}

/// Lets the notifier catch up with what is queued (it looks every 250 ms).
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
}

async fn scenario(server: &mut TestServer) {
    let ann = member(server, "ann").await;
    let bob = member(server, "bob").await;
    let carl = member(server, "carl").await;
    ann.post("/groups", json!({"name": "support", "title": "Support"}))
        .await
        .expect(201);
    let thread = post_thread(&ann, "support", "Printer jams", "Every morning.").await;

    // bob answers ann's thread: ann hears of a reply to her.
    let bobs = post_reply(&bob, thread, "Try a new tray.").await;
    let items = until_count(&ann, 1, "ann hears of bob's reply").await;
    assert_eq!(kinds(&items), ["reply"]);
    assert_eq!(items[0]["actor"], "bob");
    assert_eq!(items[0]["thread_id"], thread);
    assert_eq!(items[0]["thread_title"], "Printer jams");
    assert_eq!(items[0]["reply_id"], bobs);
    assert_eq!(notifications(&ann).await["unread"], 1);
    assert!(
        notifications(&bob).await["notifications"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // carl answers bob and names ann: bob hears of a reply, ann of a
    // mention (closer than her watching her own thread), once each.
    reply_to(&carl, thread, bobs, "Agreed, and @ann should log a ticket.").await;
    let items = until_count(&ann, 2, "ann hears of the mention").await;
    assert_eq!(kinds(&items), ["mention", "reply"]);
    assert_eq!(
        kinds(&until_count(&bob, 1, "bob hears of carl's answer").await),
        ["reply"]
    );
    assert_eq!(
        notifications(&carl).await["unread"],
        0,
        "never of one's own doing"
    );

    // An answer to bob in ann's thread: she watches it as its author.
    reply_to(&carl, thread, bobs, "Me too.").await;
    let items = until_count(&ann, 3, "ann hears of a reply in her thread").await;
    assert_eq!(kinds(&items)[0], "watched");
    assert_eq!(
        kinds(&until_count(&bob, 2, "bob hears of carl's").await)[0],
        "reply"
    );

    // bob watches the thread: a reply to ann in it reaches him as watched.
    bob.put(
        &format!("/threads/{thread}/watch"),
        json!({"level": "watch"}),
    )
    .await
    .expect(204);
    post_reply(&carl, thread, "Also, check the rollers.").await;
    assert_eq!(
        kinds(&until_count(&ann, 4, "ann's reply").await)[0],
        "reply"
    );
    assert_eq!(
        kinds(&until_count(&bob, 3, "bob watches").await)[0],
        "watched"
    );

    // ann mutes her thread: nothing more from it, replies to her included.
    ann.put(
        &format!("/threads/{thread}/watch"),
        json!({"level": "mute"}),
    )
    .await
    .expect(204);
    post_reply(&carl, thread, "Did it work?").await;
    until_count(&bob, 4, "bob still hears of the thread").await;
    // bob watches the group: a new thread in it reaches him.
    bob.put("/groups/support/watch", json!({"level": "watch"}))
        .await
        .expect(204);
    let second = post_thread(&carl, "support", "Toner smears", "Since Monday.").await;
    let items = until_count(&bob, 5, "bob hears of the new thread").await;
    assert_eq!(kinds(&items)[0], "group_thread");
    assert_eq!(items[0]["thread_id"], second);
    assert_eq!(
        until_count(&ann, 4, "ann heard nothing more").await.len(),
        4
    );

    // Preferences: bob turns new threads off; an unknown kind or an email
    // delivery is refused and changes nothing.
    let prefs = bob.get("/notifications/preferences").await.expect(200);
    assert_eq!(prefs["deliveries"]["group_thread"], "in_app");
    bob.put(
        "/notifications/preferences",
        json!({"deliveries": {"group_thread": "off", "likes": "off"}}),
    )
    .await
    .expect_error(422, "invalid");
    bob.put(
        "/notifications/preferences",
        json!({"deliveries": {"reply": "email"}}),
    )
    .await
    .expect_error(422, "invalid");
    let same = bob.get("/notifications/preferences").await.expect(200);
    assert_eq!(same, prefs);
    let set = bob
        .put(
            "/notifications/preferences",
            json!({"deliveries": {"group_thread": "off"}}),
        )
        .await
        .expect(200);
    assert_eq!(set["deliveries"]["group_thread"], "off");
    post_thread(&carl, "support", "Paper sizes", "A4 or letter?").await;
    reply_to(&carl, thread, bobs, "Ping.").await;
    let items = until_count(&bob, 6, "bob hears of carl's ping").await;
    assert_eq!(
        kinds(&items)[..2],
        ["reply", "group_thread"],
        "and not of the new thread"
    );

    // Marking read: one, someone else's (404, nothing changed), all.
    let unread = notifications(&bob).await["unread"].as_i64().unwrap();
    let first = items[0]["id"].as_i64().unwrap();
    bob.post(&format!("/notifications/{first}/read"), json!({}))
        .await
        .expect(204);
    let ann_first = notifications(&ann).await["notifications"][0]["id"]
        .as_i64()
        .unwrap();
    bob.post(&format!("/notifications/{ann_first}/read"), json!({}))
        .await
        .expect_error(404, "not_found");
    assert_eq!(notifications(&ann).await["unread"], 4);
    assert_eq!(notifications(&bob).await["unread"], unread - 1);
    let marked = bob.post("/notifications/read", json!({})).await.expect(200);
    assert_eq!(marked["marked"], unread - 1);
    assert_eq!(
        bob.get("/notifications/unread").await.expect(200)["unread"],
        0
    );

    // Nothing of what one may not read: a mention of carl in a private
    // group he is not in.
    ann.post("/groups", json!({"name": "staff", "title": "Staff"}))
        .await
        .expect(201);
    ann.patch("/groups/staff", json!({"visibility": "private"}))
        .await
        .expect(200);
    post_thread(&ann, "staff", "About @carl", "Promote @carl?").await;
    let carl_before = notifications(&carl).await["notifications"]
        .as_array()
        .unwrap()
        .len();
    reply_to(&ann, thread, bobs, "@carl thanks").await;
    until_count(&carl, carl_before + 1, "carl hears of the public mention").await;
    let carls = notifications(&carl).await;
    assert!(!carls.to_string().contains("About @carl"), "{carls}");

    // From a Mastodon-shaped server: alice answers ann's thread naming bob
    // (a link to his profile): ann hears of the reply, bob of the mention.
    ann.delete(&format!("/threads/{thread}/watch"))
        .await
        .expect(204);
    let remote = Remote::start().await;
    let note = remote.fixture("mastodon_create_note_reply", server, thread, 0);
    let (status, body) = remote.send(&server.url("/inbox"), &note).await;
    assert_eq!(status, 202, "{body}");
    let items = until_count(&bob, 8, "bob hears of alice's mention").await;
    assert_eq!(kinds(&items)[0], "mention");
    assert!(items[0]["actor"].as_str().unwrap().starts_with("alice@"));
    let items = until_count(&ann, 5, "ann hears of alice's reply").await;
    assert_eq!(kinds(&items)[0], "reply");

    // A status in no group here, naming bob: he hears of it, with its
    // address on its server.
    let mut status = remote.fixture("mastodon_create_note_reply", server, thread, 0);
    let id = remote.url("/users/alice/statuses/110000000000000077");
    status["id"] = json!(format!("{id}/activity"));
    status["object"]["id"] = json!(id);
    status["object"]["inReplyTo"] = serde_json::Value::Null;
    let (status_code, body) = remote.send(&server.url("/inbox"), &status).await;
    assert_eq!(status_code, 202, "{body}");
    let n = newest(&bob, 9, "bob's mention elsewhere").await;
    assert_eq!(
        (n["kind"].as_str(), n["detail"].as_str()),
        (Some("mention"), Some(id.as_str()))
    );
    assert!(n["thread_id"].is_null());
    // One naming nobody here is still refused.
    status["id"] = json!(remote.url("/users/alice/statuses/78/activity"));
    status["object"]["id"] = json!(remote.url("/users/alice/statuses/78"));
    status["object"]["content"] = json!("<p>Hello world</p>");
    status["object"]["tag"] = json!([]);
    let (status_code, _) = remote.send(&server.url("/inbox"), &status).await;
    assert_eq!(status_code, 422);

    // None lost across a restart, none made twice: a reply written just
    // before the server stops is notified once it is back.
    let before = notifications(&ann).await["notifications"]
        .as_array()
        .unwrap()
        .len();
    post_reply(&bob, thread, "Last word before the restart.").await;
    server.restart().await;
    until_count(&ann, before + 1, "the reply from before the restart").await;
    settle().await;
    assert_eq!(
        notifications(&ann).await["notifications"]
            .as_array()
            .unwrap()
            .len(),
        before + 1
    );
}

/// The pages: the bell's count on every page, the notifications page
/// grouped by thread, marking read, watching and muting, the preferences.
async fn pages(server: &mut TestServer) {
    let ann = member(server, "ann").await;
    let bob = member(server, "bob").await;
    ann.post("/groups", json!({"name": "support", "title": "Support"}))
        .await
        .expect(201);
    let thread = post_thread(&ann, "support", "Printer jams every morning", "Help.").await;
    let browser = Browser::new(server);
    browser.login("ann").await;
    let empty = browser.get("/notifications").await.expect(200).body;
    assert!(empty.contains("Nothing yet."), "{empty}");
    assert!(
        !browser
            .get("/")
            .await
            .expect(200)
            .body
            .contains("class=\"count\"")
    );

    post_reply(&bob, thread, "Try a new tray.").await;
    post_reply(&bob, thread, "Or the rollers.").await;
    until_count(&ann, 2, "ann's two notifications").await;
    let home = browser.get("/").await.expect(200).body;
    assert!(home.contains("Notifications: 2 unread"), "{home}");
    let list = browser.get("/notifications").await.expect(200).body;
    assert!(list.contains("bob replied to your thread"), "{list}");
    assert!(
        list.contains("Printer jams every morning") && list.contains("2 unread"),
        "{list}"
    );
    assert_eq!(list.matches("<article").count(), 1, "grouped by thread");

    // The thread's, by the form under it.
    let thread_field = thread.to_string();
    browser
        .submit(
            "/notifications",
            "/notifications/read",
            &[("thread_id", thread_field.as_str())],
        )
        .await
        .redirect();
    assert!(
        browser
            .get("/")
            .await
            .expect(200)
            .body
            .contains("Notifications: 0 unread")
    );
    post_reply(&bob, thread, "And the drum.").await;
    post_reply(&bob, thread, "And the fuser.").await;
    until_count(&ann, 4, "two more").await;

    // Pages of two: the last says there is no next.
    let first_page = ann.get("/notifications?limit=2").await.expect(200);
    let next = first_page["next"].as_i64().expect("a next page");
    let rest = ann
        .get(&format!("/notifications?limit=2&before={next}"))
        .await
        .expect(200);
    assert_eq!(rest["notifications"].as_array().unwrap().len(), 2);
    assert!(rest["next"].is_null(), "{rest}");
    ann.get("/notifications?limit=0")
        .await
        .expect_error(422, "invalid");

    // One read, then the rest.
    let first = notifications(&ann).await["notifications"][0]["id"]
        .as_i64()
        .unwrap();
    browser
        .submit(
            "/notifications",
            &format!("/notifications/{first}/read"),
            &[],
        )
        .await
        .redirect();
    assert!(
        browser
            .get("/")
            .await
            .expect(200)
            .body
            .contains("Notifications: 1 unread")
    );
    browser
        .submit("/notifications", "/notifications/read", &[])
        .await
        .redirect();
    assert!(
        browser
            .get("/")
            .await
            .expect(200)
            .body
            .contains("Notifications: 0 unread")
    );

    // Muting from the thread's page.
    let to = browser
        .submit(
            &format!("/t/{thread}"),
            &format!("/t/{thread}/watch"),
            &[("level", "mute")],
        )
        .await
        .redirect();
    assert!(browser.get(&to).await.expect(200).body.contains("Muted"));
    let group = browser
        .submit("/g/support", "/g/support/watch", &[("level", "watch")])
        .await
        .redirect();
    assert!(
        browser
            .get(&group)
            .await
            .expect(200)
            .body
            .contains("Watching")
    );

    // The settings page: each kind's delivery.
    let settings = browser.get("/settings").await.expect(200).body;
    assert!(settings.contains("A mention of you (@name)"), "{settings}");
    let to = browser
        .submit(
            "/settings",
            "/settings/notifications",
            &[("mention", "off")],
        )
        .await
        .redirect();
    assert!(browser.get(&to).await.expect(200).body.contains("Saved."));
    let prefs = ann.get("/notifications/preferences").await.expect(200);
    assert_eq!(prefs["deliveries"]["mention"], "off");
    assert_eq!(prefs["deliveries"]["reply"], "in_app");
    let refused = browser
        .submit("/settings", "/settings/notifications", &[("likes", "off")])
        .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.body);
}

/// The newest notification of `api` once there are `count`.
async fn newest(api: &Api, count: usize, what: &str) -> Value {
    until_count(api, count, what).await[0].clone()
}

/// Each other kind, from the action that causes it.
async fn other_kinds(server: &TestServer) {
    let ann = member(server, "ann").await;
    let bob = member(server, "bob").await;
    let carl = member(server, "carl").await;
    let dan = member(server, "dan").await;

    // A question answered, the answer accepted.
    kind_group(&ann, "help", "Help", "questions").await;
    let question = post_thread(&ann, "help", "How do I reset the printer?", "It blinks.").await;
    let answer = post_reply(&bob, question, "Hold the power button for ten seconds.").await;
    let n = newest(&ann, 1, "ann's question answered").await;
    assert_eq!(
        (n["kind"].as_str(), n["actor"].as_str()),
        (Some("question_answered"), Some("bob"))
    );
    ann.put(
        &format!("/threads/{question}/answer"),
        json!({"reply_id": answer}),
    )
    .await
    .expect(200);
    let n = newest(&bob, 1, "bob's answer accepted").await;
    assert_eq!(n["kind"], "answer_accepted");
    assert_eq!(n["reply_id"], answer);

    // An idea moved on: its author and those who voted for it.
    kind_group(&ann, "ideas", "Ideas", "ideas").await;
    let idea = post_thread(&bob, "ideas", "Duplex printing", "Both sides.").await;
    carl.put(&format!("/threads/{idea}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    ann.put(
        &format!("/threads/{idea}/status"),
        json!({"status": "planned"}),
    )
    .await
    .expect(200);
    for (who, count) in [(&bob, 2), (&carl, 1)] {
        let n = newest(who, count, "the idea's new stage").await;
        assert_eq!(
            (n["kind"].as_str(), n["detail"].as_str()),
            (Some("idea_status"), Some("planned"))
        );
    }

    // A moderator's action on one's post, with the reason.
    let off = post_reply(&carl, idea, "Buy my toner!").await;
    ann.post(
        &format!("/replies/{off}/remove"),
        json!({"reason": "Advertising"}),
    )
    .await
    .expect(204);
    let n = newest(&carl, 2, "carl hears of the removal").await;
    assert_eq!(n["kind"], "moderation");
    assert_eq!(n["detail"], "removed your post: Advertising");
    let carls = reqwest::Client::new()
        .get(server.url("/notifications"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        carls.url().path(),
        "/login",
        "the page is for members signed in"
    );
    ann.put(
        &format!("/threads/{idea}/lock"),
        json!({"reason": "Decided"}),
    )
    .await
    .expect(204);
    let n = newest(&bob, 3, "bob hears of the lock").await;
    assert_eq!(n["detail"], "locked your thread: Decided");

    // An invitation, and the answer to a request to join.
    ann.post("/groups", json!({"name": "beta", "title": "Beta"}))
        .await
        .expect(201);
    ann.patch("/groups/beta", json!({"visibility": "private"}))
        .await
        .expect(200);
    ann.post("/groups/beta/invitations", json!({"username": "dan"}))
        .await
        .expect(201);
    let n = newest(&dan, 1, "dan's invitation").await;
    assert_eq!(
        (n["kind"].as_str(), n["group"].as_str()),
        (Some("invitation"), Some("beta"))
    );
    carl.post("/groups/beta/join", json!({})).await.expect(200);
    ann.post("/groups/beta/requests/carl", json!({"approve": false}))
        .await
        .expect(204);
    let n = newest(&carl, 3, "carl's request answered").await;
    assert_eq!(
        (n["kind"].as_str(), n["detail"].as_str()),
        (Some("join_request"), Some("refused"))
    );
    // A badge: erin's first thread earns "first_thread".
    let erin = server.api().register("erin").await;
    post_thread(&erin, "help", "Where is the manual?", "Thanks.").await;
    let n = newest(&erin, 1, "erin's badge").await;
    assert_eq!(
        (n["kind"].as_str(), n["detail"].as_str()),
        (Some("badge"), Some("first_thread"))
    );
    // Joining a public group is no request, and no news.
    bob.post("/groups/help/join", json!({})).await.expect(200);
    settle().await;
    assert_eq!(
        notifications(&bob).await["notifications"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn each_kind_comes_from_its_action() {
    other_kinds(&TestServer::sqlite().await).await;
}

#[tokio::test]
async fn each_kind_comes_from_its_action_on_postgres() {
    if let Some(server) = TestServer::postgres("notification_kinds").await {
        other_kinds(&server).await;
    }
}

#[tokio::test]
async fn the_pages_show_and_mark_notifications() {
    pages(&mut TestServer::sqlite().await).await;
}

#[tokio::test]
async fn members_hear_of_what_concerns_them() {
    scenario(&mut TestServer::sqlite().await).await;
}

#[tokio::test]
async fn members_hear_of_what_concerns_them_on_postgres() {
    if let Some(mut server) = TestServer::postgres("notifications").await {
        scenario(&mut server).await;
    }
}
