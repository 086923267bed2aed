//! Moderation through the pages, on SQLite and PostgreSQL: the Moderate
//! panel of a thread (lock with a reason only its author and moderators
//! see, pin, remove and restore), removing and restoring a reply, the bans
//! page (a refused ban keeps what was typed), the group's public mod log
//! and its empty state, the instance's log for admins, and suspending an
//! account from its profile.

use guildhall_e2e::TestServer;
use guildhall_e2e::browser::Browser;
use guildhall_e2e::steps::{post_reply, post_thread};
use serde_json::json;

async fn moderation_from_the_pages(server: &TestServer) {
    let boss = Browser::new(server);
    boss.register("boss").await;
    boss.create_group("lounge", "Lounge", "discussion").await;
    boss.create_group("quiet", "Quiet", "discussion").await;
    let ann_api = server.api().register("ann").await;
    let bob_api = server.api().register("bob").await;
    ann_api
        .post("/groups/lounge/join", json!({}))
        .await
        .expect(200);
    let ann = Browser::new(server);
    ann.login("ann").await;
    let bob = Browser::new(server);
    bob.login("bob").await;
    let id = post_thread(&ann_api, "lounge", "Heated debate", "Tabs or spaces?").await;
    let reply = post_reply(&bob_api, id, "Spaces, obviously.").await;
    let page = format!("/t/{id}");

    // Only moderators get the panel.
    assert!(
        !ann.get(&page)
            .await
            .expect(200)
            .html()
            .contains("Lock the thread")
    );
    assert!(
        boss.get(&page)
            .await
            .expect(200)
            .html()
            .contains("Lock the thread")
    );
    let to = boss
        .submit(
            &page,
            &format!("/t/{id}/lock"),
            &[("reason", "Cooling <off>")],
        )
        .await
        .redirect();
    assert_eq!(to, page);
    let seen = ann.get(&page).await.expect(200);
    let html = seen.html();
    assert!(html.contains("This thread is locked"), "{html}");
    assert!(
        html.contains("Reason: Cooling &lt;off&gt;"),
        "the author sees why, escaped"
    );
    assert!(!html.contains("Post reply"), "no reply form for members");
    let html = bob.get(&page).await.expect(200).body;
    assert!(html.contains("This thread is locked") && !html.contains("Cooling"));
    let refused = bob.submit(&page, &format!("/t/{id}/unlock"), &[]).await;
    assert_eq!(refused.status.as_u16(), 403);
    boss.submit(&page, &format!("/t/{id}/unlock"), &[])
        .await
        .redirect();
    assert!(
        !bob.get(&page)
            .await
            .expect(200)
            .body
            .contains("This thread is locked")
    );

    // Pinned: a badge in the group's listing.
    boss.submit(&page, &format!("/t/{id}/pin"), &[])
        .await
        .redirect();
    let group = bob.get("/g/lounge").await.expect(200).body;
    assert!(group.contains("Pinned"), "{group}");
    boss.submit(&page, &format!("/t/{id}/unpin"), &[])
        .await
        .redirect();

    // A reply removed and restored.
    boss.submit(
        &page,
        &format!("/r/{reply}/remove"),
        &[("reason", "Flamebait")],
    )
    .await
    .redirect();
    let html = boss.get(&page).await.expect(200).body;
    assert!(html.contains("[removed by a moderator]") && html.contains("Restore this reply"));
    // Moderators may read what it said before restoring it; others may not.
    assert!(html.contains("What it said (moderators only)") && html.contains("Spaces, obviously."));
    let html = ann.get(&page).await.expect(200).body;
    assert!(html.contains("[removed by a moderator]") && !html.contains("Spaces, obviously."));
    boss.submit(&page, &format!("/r/{reply}/restore"), &[])
        .await
        .redirect();
    assert!(
        bob.get(&page)
            .await
            .expect(200)
            .body
            .contains("Spaces, obviously.")
    );

    // The thread removed, with an over-long reason refused on the page.
    let long = "x".repeat(501);
    let refused = boss
        .submit(&page, &format!("/t/{id}/remove"), &[("reason", &long)])
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(refused.html().contains("at most 500 characters"));
    boss.submit(
        &page,
        &format!("/t/{id}/remove"),
        &[("reason", "Off topic")],
    )
    .await
    .redirect();
    let html = bob.get(&page).await.expect(200).body;
    assert!(html.contains("[removed by a moderator]") && !html.contains("Tabs or spaces?"));
    boss.submit(&page, &format!("/t/{id}/restore"), &[])
        .await
        .redirect();
    assert!(
        bob.get(&page)
            .await
            .expect(200)
            .body
            .contains("Tabs or spaces?")
    );

    // The report queue: flagged, then dismissed with a note.
    bob_api
        .post(
            &format!("/threads/{id}/flag"),
            json!({"reason": "Holy war"}),
        )
        .await
        .expect(201);
    let queue = boss.get("/g/lounge/flags").await.expect(200).body;
    assert!(
        queue.contains("Flagged by <strong>bob</strong>: Holy war"),
        "{queue}"
    );
    let flags = server
        .api()
        .as_user(&boss_token(server).await)
        .get("/groups/lounge/flags")
        .await
        .expect(200);
    let fid = flags["flags"][0]["id"].as_i64().unwrap();
    boss.submit(
        "/g/lounge/flags",
        &format!("/g/lounge/flags/{fid}/resolve"),
        &[("outcome", "dismissed"), ("note", "A fair debate")],
    )
    .await
    .redirect();
    assert!(
        boss.get("/g/lounge/flags")
            .await
            .expect(200)
            .body
            .contains("No open reports.")
    );
    let closed = boss
        .get("/g/lounge/flags?state=closed")
        .await
        .expect(200)
        .body;
    assert!(
        closed.contains("Dismissed by boss: A fair debate"),
        "{closed}"
    );

    // Bans: a refused ban keeps what was typed; a ban is listed and lifted.
    let refused = boss
        .submit(
            "/g/lounge/bans",
            "/g/lounge/bans",
            &[
                ("username", "bob"),
                ("days", "soon"),
                ("reason", "Trolling"),
            ],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    let html = refused.html();
    assert!(html.contains("whole number of days") && html.contains("value=\"Trolling\""));
    assert!(html.contains("Nobody is banned from this group."));
    boss.submit(
        "/g/lounge/bans",
        "/g/lounge/bans",
        &[("username", "bob"), ("days", "2"), ("reason", "Trolling")],
    )
    .await
    .redirect();
    let html = boss.get("/g/lounge/bans").await.expect(200).body;
    assert!(
        html.contains("ends in 47 hours") || html.contains("ends in 2 days"),
        "{html}"
    );
    bob.get("/g/lounge/bans").await.expect(403);
    // bob is told on the thread, and given no form to write in.
    let html = bob.get(&page).await.expect(200).body;
    assert!(html.contains("You are banned from this group"), "{html}");
    assert!(!html.contains("Post reply"));
    boss.submit("/g/lounge/bans", "/g/lounge/bans/bob/lift", &[])
        .await
        .redirect();

    // The group's log, public; another group's is empty.
    let log = server_get(server, "/g/lounge/modlog").await;
    assert!(
        !log.contains("Cooling"),
        "a lock's reason is for the author and the moderators, not the public log"
    );
    for words in [
        "locked a thread by <a href=\"/u/ann\">ann</a>",
        "unlocked a thread by",
        "pinned a thread by",
        "removed a reply by <a href=\"/u/bob\">bob</a>",
        "removed a thread by",
        "restored a thread by",
        "banned <a href=\"/u/bob\">bob</a> from the group",
        "lifted the ban of <a href=\"/u/bob\">bob</a> from the group",
        "Off topic",
    ] {
        assert!(log.contains(words), "{words}: {log}");
    }
    assert!(
        server_get(server, "/g/quiet/modlog")
            .await
            .contains("No moderator has acted here yet.")
    );

    // Suspension from the profile, then the instance's log.
    let profile = boss.get("/u/ann").await.expect(200).body;
    assert!(profile.contains("Suspend the account"));
    assert!(
        !bob.get("/u/ann")
            .await
            .expect(200)
            .body
            .contains("Suspend the account")
    );
    let refused = boss
        .submit("/u/ann", "/u/ann/suspend", &[("days", "0"), ("reason", "")])
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    boss.submit(
        "/u/ann",
        "/u/ann/suspend",
        &[("days", "1"), ("reason", "Cool off")],
    )
    .await
    .redirect();
    assert!(
        boss.get("/u/ann")
            .await
            .expect(200)
            .body
            .contains("Suspended")
    );
    ann_api
        .post(&format!("/threads/{id}/replies"), json!({"body": "Hi"}))
        .await
        .expect_error(403, "forbidden");
    boss.submit("/u/ann", "/u/ann/unsuspend", &[])
        .await
        .redirect();
    let log = boss.get("/admin/modlog").await.expect(200).body;
    assert!(log.contains("suspended <a href=\"/u/ann\">ann</a>") && log.contains("Cool off"));
    assert!(
        log.contains("g/lounge"),
        "the instance log names each action's group"
    );
    bob.get("/admin/modlog").await.expect(403);
}

/// A token for boss, through the API's login.
async fn boss_token(server: &TestServer) -> String {
    let login = server
        .api()
        .post(
            "/auth/login",
            json!({"username": "boss", "password": guildhall_e2e::browser::PASSWORD}),
        )
        .await
        .expect(200);
    login["token"].as_str().unwrap().to_owned()
}

async fn server_get(server: &TestServer, path: &str) -> String {
    Browser::new(server).get(path).await.expect(200).body
}

#[tokio::test]
async fn moderation_from_the_pages_on_sqlite() {
    moderation_from_the_pages(&TestServer::sqlite().await).await;
}

#[tokio::test]
async fn moderation_from_the_pages_on_postgres() {
    if let Some(server) = TestServer::postgres("moderation_pages").await {
        moderation_from_the_pages(&server).await;
    }
}
