//! Moderation end to end through the API, on SQLite and PostgreSQL:
//! removing and restoring posts (with what their votes gave going and
//! coming back), locking and pinning threads, banning a member from a group
//! (with an expiry, their posts removed), suspending an account, and the
//! mod logs that record each of them; and the refusals.

use guildhall_e2e::steps::{points, post_reply, post_thread};
use guildhall_e2e::{Api, TestServer};
use serde_json::{Value, json};

async fn thread(api: &Api, id: i64) -> Value {
    api.get(&format!("/threads/{id}")).await.expect(200)
}

async fn listed(api: &Api, query: &str) -> (Vec<i64>, Value) {
    let list = api
        .get(&format!("/groups/lounge/threads?{query}"))
        .await
        .expect(200);
    let ids = list["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    (ids, list["next_cursor"].clone())
}

/// The group's log, newest first, as (action, moderator, target, reason).
async fn log(api: &Api, path: &str) -> Vec<(String, String, String, String)> {
    let log = api.get(path).await.expect(200);
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_owned();
            (s("action"), s("moderator"), s("target"), s("reason"))
        })
        .collect()
}

fn in_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339()
}

struct Cast {
    boss: Api,
    mo: Api,
    ann: Api,
    bob: Api,
}

async fn cast(server: &TestServer) -> Cast {
    let boss = server.api().register("boss").await;
    let mo = server.api().register("mo").await;
    let ann = server.api().register("ann").await;
    let bob = server.api().register("bob").await;
    boss.post("/groups", json!({"name": "lounge", "title": "Lounge"}))
        .await
        .expect(201);
    boss.post("/groups/lounge/moderators", json!({"username": "mo"}))
        .await
        .expect(200);
    Cast { boss, mo, ann, bob }
}

async fn remove_and_restore(server: &TestServer) {
    let Cast { mo, ann, bob, .. } = cast(server).await;
    let id = post_thread(&ann, "lounge", "Hello all", "First post.").await;
    let reply = post_reply(&bob, id, "Welcome!").await;
    bob.put(&format!("/threads/{id}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    let before = points(&ann, "ann").await;
    assert!(before > 0, "the upvote gave ann points");

    // Only moderators remove; the reason is bounded.
    bob.post(&format!("/threads/{id}/remove"), json!({"reason": "no"}))
        .await
        .expect_error(403, "forbidden");
    mo.post(
        &format!("/threads/{id}/remove"),
        json!({"reason": "x".repeat(501)}),
    )
    .await
    .expect_error(422, "invalid");
    assert_eq!(thread(&ann, id).await["title"], "Hello all");

    mo.post(
        &format!("/threads/{id}/remove"),
        json!({"reason": "Off topic"}),
    )
    .await
    .expect(204);
    let t = thread(&ann, id).await;
    assert_eq!(t["deleted"], true);
    assert_eq!(t["removed"], true);
    assert_eq!(t["title"], "[deleted]");
    assert_eq!(t["body"], "");
    assert!(listed(&ann, "sort=new").await.0.is_empty());
    // The upvote was all she had; no penalty is configured by default.
    assert_eq!(points(&ann, "ann").await, 0, "the vote's points went");

    // Anyone reads a public group's log.
    let anonymous = server.api();
    let entries = log(&anonymous, "/groups/lounge/modlog").await;
    assert_eq!(
        entries[0],
        (
            "remove_post".into(),
            "mo".into(),
            "ann".into(),
            "Off topic".into()
        )
    );
    assert_eq!(entries[1].0, "add_moderator");

    // Restored: the text, the listing and the points come back.
    bob.post(&format!("/threads/{id}/restore"), json!({}))
        .await
        .expect_error(403, "forbidden");
    mo.post(
        &format!("/threads/{id}/restore"),
        json!({"reason": "Fair enough"}),
    )
    .await
    .expect(204);
    let t = thread(&ann, id).await;
    assert_eq!(
        (t["title"].as_str(), t["removed"].as_bool()),
        (Some("Hello all"), Some(false))
    );
    assert_eq!(t["body"], "First post.");
    assert_eq!(listed(&ann, "sort=new").await.0, vec![id]);
    assert_eq!(points(&ann, "ann").await, before);
    mo.post(&format!("/threads/{id}/restore"), json!({}))
        .await
        .expect_error(409, "conflict");

    // A reply its author deleted cannot be restored; a removed one can.
    bob.delete(&format!("/replies/{reply}")).await.expect(204);
    let detail = mo
        .post(&format!("/replies/{reply}/restore"), json!({}))
        .await
        .expect_error(409, "conflict");
    assert!(detail.contains("author deleted"), "{detail}");
    let other = post_reply(&bob, id, "Buy cheap watches").await;
    mo.post(
        &format!("/replies/{other}/remove"),
        json!({"reason": "Spam"}),
    )
    .await
    .expect(204);
    let r = bob.get(&format!("/replies/{other}")).await.expect(200);
    assert_eq!(
        (r["removed"].as_bool(), r["body"].as_str()),
        (Some(true), Some(""))
    );
    mo.post(&format!("/replies/{other}/restore"), json!({}))
        .await
        .expect(204);
    let r = bob.get(&format!("/replies/{other}")).await.expect(200);
    assert_eq!(r["body"], "Buy cheap watches");
    let actions: Vec<String> = log(&anonymous, "/groups/lounge/modlog")
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        actions,
        [
            "restore_post",
            "remove_post",
            "restore_post",
            "remove_post",
            "add_moderator"
        ]
    );
    mo.post("/threads/999999/remove", json!({}))
        .await
        .expect_error(404, "not_found");
}

async fn lock_and_pin(server: &TestServer) {
    let Cast { mo, ann, bob, .. } = cast(server).await;
    let older = post_thread(&ann, "lounge", "House rules", "Be kind.").await;
    let newer = post_thread(&ann, "lounge", "Heated topic", "Opinions?").await;

    mo.put(
        &format!("/threads/{newer}/lock"),
        json!({"reason": "Cooling down"}),
    )
    .await
    .expect(204);
    mo.put(
        &format!("/threads/{newer}/lock"),
        json!({"reason": "again"}),
    )
    .await
    .expect(200);
    // The author and moderators see why; others see only that it is locked.
    assert_eq!(thread(&ann, newer).await["lock_reason"], "Cooling down");
    assert_eq!(thread(&mo, newer).await["lock_reason"], "Cooling down");
    let seen = thread(&bob, newer).await;
    assert_eq!(
        (seen["locked"].as_bool(), seen["lock_reason"].is_null()),
        (Some(true), true)
    );
    let detail = bob
        .post(
            &format!("/threads/{newer}/replies"),
            json!({"body": "But..."}),
        )
        .await
        .expect_error(409, "conflict");
    assert!(detail.contains("locked"), "{detail}");
    post_reply(&mo, newer, "Locked for a day.").await;
    bob.delete(&format!("/threads/{newer}/lock"))
        .await
        .expect_error(403, "forbidden");
    mo.delete(&format!("/threads/{newer}/lock"))
        .await
        .expect(204);
    post_reply(&bob, newer, "Thanks.").await;

    // Pinned first on the first page, in any sort, and only there.
    assert_eq!(listed(&bob, "sort=new").await.0, vec![newer, older]);
    mo.put(&format!("/threads/{older}/pin"), json!({}))
        .await
        .expect(204);
    mo.put(&format!("/threads/{older}/pin"), json!({}))
        .await
        .expect(200);
    assert_eq!(thread(&bob, older).await["pinned"], true);
    assert_eq!(listed(&bob, "sort=new").await.0, vec![older, newer]);
    assert_eq!(listed(&bob, "sort=top").await.0[0], older);
    let latest = post_thread(&bob, "lounge", "Latest", "New.").await;
    let (first, next) = listed(&bob, "sort=new&limit=1").await;
    assert_eq!(first, vec![older, latest]);
    let cursor = next.as_str().expect("a next page");
    let (second, _) = listed(&bob, &format!("sort=new&limit=1&cursor={cursor}")).await;
    assert_eq!(second, vec![newer], "the pinned thread is not listed twice");
    bob.put(&format!("/threads/{older}/pin"), json!({}))
        .await
        .expect_error(403, "forbidden");
    mo.delete(&format!("/threads/{older}/pin"))
        .await
        .expect(204);
    assert_eq!(listed(&bob, "sort=new").await.0, vec![latest, newer, older]);

    let actions: Vec<String> = log(&bob, "/groups/lounge/modlog")
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        actions,
        [
            "unpin_thread",
            "pin_thread",
            "unlock_thread",
            "lock_thread",
            "add_moderator"
        ]
    );
}

async fn bans_and_suspensions(server: &TestServer) {
    let Cast { boss, mo, ann, bob } = cast(server).await;
    let id = post_thread(&ann, "lounge", "Hello", "Hi.").await;
    let spam = post_thread(&bob, "lounge", "Cheap watches", "Buy now.").await;
    post_reply(&bob, id, "More watches").await;

    // Refusals first: nothing changes.
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let detail = mo
        .put("/groups/lounge/bans/bob", json!({"expires_at": past}))
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("past"), "{detail}");
    mo.put("/groups/lounge/bans/bob", json!({"expires_at": "tomorrow"}))
        .await
        .expect_error(422, "invalid");
    mo.put("/groups/lounge/bans/boss", json!({}))
        .await
        .expect_error(409, "conflict");
    ann.put("/groups/lounge/bans/bob", json!({}))
        .await
        .expect_error(403, "forbidden");
    mo.put("/groups/lounge/bans/nobody", json!({}))
        .await
        .expect_error(404, "not_found");
    assert!(
        mo.get("/groups/lounge/bans").await.expect(200)["bans"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let banned = mo
        .put(
            "/groups/lounge/bans/bob",
            json!({"reason": "Spam", "expires_at": in_an_hour(), "remove_content": true}),
        )
        .await
        .expect(200);
    assert_eq!(banned["removed_posts"], 2);
    assert_eq!(banned["ban"]["username"], "bob");
    assert!(banned["ban"]["expires_at"].is_string());
    assert_eq!(thread(&ann, spam).await["removed"], true);
    let bans = mo.get("/groups/lounge/bans").await.expect(200);
    assert_eq!(bans["bans"][0]["reason"], "Spam");

    // Banned: no posting, replying or voting there.
    let detail = bob
        .post(
            "/groups/lounge/threads",
            json!({"title": "Again", "body": "Watches"}),
        )
        .await
        .expect_error(403, "forbidden");
    assert!(detail.contains("banned from this group"), "{detail}");
    assert!(detail.contains("Spam"), "{detail}");
    bob.post(&format!("/threads/{id}/replies"), json!({"body": "Hi"}))
        .await
        .expect_error(403, "forbidden");
    bob.put(&format!("/threads/{id}/vote"), json!({"value": 1}))
        .await
        .expect_error(403, "forbidden");
    let entries = log(&ann, "/groups/lounge/modlog").await;
    assert_eq!(
        entries[0],
        (
            "ban_member".into(),
            "mo".into(),
            "bob".into(),
            "Spam".into()
        )
    );

    mo.delete("/groups/lounge/bans/bob").await.expect(204);
    mo.delete("/groups/lounge/bans/bob")
        .await
        .expect_error(404, "not_found");
    post_reply(&bob, id, "Sorry.").await;

    // Suspensions are the admins'.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    mo.put("/admin/users/ann/suspension", json!({"until": tomorrow}))
        .await
        .expect_error(403, "forbidden");
    boss.put("/admin/users/ann/suspension", json!({"until": past}))
        .await
        .expect_error(422, "invalid");
    boss.put(
        "/admin/users/ann/suspension",
        json!({"until": tomorrow, "reason": "Cooling off"}),
    )
    .await
    .expect(204);
    let detail = ann
        .post(&format!("/threads/{id}/replies"), json!({"body": "Hi"}))
        .await
        .expect_error(403, "forbidden");
    assert!(detail.contains("suspended until"), "{detail}");
    let news = post_thread(&boss, "lounge", "News", "Hello.").await;
    ann.put(&format!("/threads/{news}/vote"), json!({"value": 1}))
        .await
        .expect_error(403, "forbidden");
    boss.delete("/admin/users/ann/suspension").await.expect(204);
    boss.delete("/admin/users/ann/suspension")
        .await
        .expect_error(404, "not_found");
    post_reply(&ann, id, "Back.").await;

    // Instance bans carry a reason into the log too.
    boss.put(
        "/admin/users/bob/ban",
        json!({"banned": true, "reason": "Spammer"}),
    )
    .await
    .expect(204);
    bob.post(&format!("/threads/{id}/replies"), json!({"body": "Hi"}))
        .await
        .expect_error(403, "forbidden");

    // The instance's log is the admins'; it holds the group's actions too.
    mo.get("/admin/modlog").await.expect_error(403, "forbidden");
    let actions: Vec<(String, String)> = log(&boss, "/admin/modlog")
        .await
        .into_iter()
        .map(|e| (e.0, e.3))
        .collect();
    assert_eq!(actions[0], ("ban_user".into(), "Spammer".into()));
    assert_eq!(actions[1].0, "unsuspend_user");
    assert_eq!(actions[2], ("suspend_user".into(), "Cooling off".into()));
    assert_eq!(actions[3].0, "unban_member");
    assert_eq!(actions[4].0, "ban_member");
}

async fn names_hidden(server: &TestServer) {
    let Cast { mo, ann, .. } = cast(server).await;
    let id = post_thread(&ann, "lounge", "Hello", "Hi.").await;
    mo.put(&format!("/threads/{id}/pin"), json!({}))
        .await
        .expect(204);
    let seen = log(&ann, "/groups/lounge/modlog").await;
    assert_eq!(seen[0].1, "a moderator");
    assert_eq!(
        log(&server.api(), "/groups/lounge/modlog").await[0].1,
        "a moderator"
    );
    assert_eq!(log(&mo, "/groups/lounge/modlog").await[0].1, "mo");
    // Paged by `before`.
    let page = ann.get("/groups/lounge/modlog?before=0").await.expect(200);
    assert!(page["entries"].as_array().unwrap().is_empty());
    ann.get("/groups/lounge/modlog?before=x")
        .await
        .expect_error(400, "bad_request");
}

async fn reports(server: &TestServer) {
    let Cast { mo, ann, bob, boss } = cast(server).await;
    let id = post_thread(&ann, "lounge", "Cheap watches", "Buy now.").await;
    for (who, why) in [(&bob, "Spam"), (&boss, "Advertising")] {
        who.post(&format!("/threads/{id}/flag"), json!({"reason": why}))
            .await
            .expect(201);
    }
    let queue = mo.get("/groups/lounge/flags").await.expect(200);
    let flags = queue["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 2);
    let (newest, oldest) = (&flags[0], &flags[1]);
    assert_eq!(
        (newest["by"].as_str(), newest["reason"].as_str()),
        (Some("boss"), Some("Advertising"))
    );
    assert_eq!(
        newest["others"], 1,
        "one other report waits on the same post"
    );
    assert_eq!(
        (newest["excerpt"].as_str(), newest["author"].as_str()),
        (Some("Buy now."), Some("ann"))
    );
    assert_eq!(
        (newest["status"].as_str(), newest["remote"].as_bool()),
        (Some("open"), Some(false))
    );
    bob.get("/groups/lounge/flags")
        .await
        .expect_error(403, "forbidden");
    mo.get("/groups/lounge/flags?state=shut")
        .await
        .expect_error(422, "invalid");

    // A post from here has no other server to be reported to.
    let resolve = |flag: &Value| format!("/groups/lounge/flags/{}/resolve", flag["id"]);
    mo.post(
        &resolve(oldest),
        json!({"outcome": "resolved", "forward": true}),
    )
    .await
    .expect_error(422, "invalid");
    mo.post(&resolve(oldest), json!({"outcome": "maybe"}))
        .await
        .expect_error(422, "invalid");
    mo.post(&format!("/threads/{id}/remove"), json!({"reason": "Spam"}))
        .await
        .expect(204);
    mo.post(
        &resolve(oldest),
        json!({"outcome": "resolved", "note": "Removed it"}),
    )
    .await
    .expect(204);
    mo.post(&resolve(oldest), json!({"outcome": "dismissed"}))
        .await
        .expect_error(409, "conflict");
    mo.post(
        "/groups/lounge/flags/99999/resolve",
        json!({"outcome": "dismissed"}),
    )
    .await
    .expect_error(404, "not_found");
    let open = mo.get("/groups/lounge/flags").await.expect(200);
    let left = &open["flags"][0];
    assert_eq!(
        (left["others"].as_i64(), left["excerpt"].as_str()),
        (Some(0), Some("Buy now.")),
        "a removed post still shows moderators what it said"
    );
    mo.post(&resolve(left), json!({"outcome": "dismissed"}))
        .await
        .expect(204);
    assert!(
        mo.get("/groups/lounge/flags").await.expect(200)["flags"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let closed = mo
        .get("/groups/lounge/flags?state=closed")
        .await
        .expect(200);
    let statuses: Vec<(&str, &str)> = closed["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["status"].as_str().unwrap(),
                f["resolved_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses, [("dismissed", "mo"), ("resolved", "mo")]);
    let entries = log(&ann, "/groups/lounge/modlog").await;
    assert_eq!(entries[0].0, "dismiss_report");
    assert_eq!(
        (entries[1].0.as_str(), entries[1].3.as_str()),
        ("resolve_report", "Removed it")
    );
}

macro_rules! both_backends {
    ($($name:ident => $body:ident $(with $adjust:expr)?;)*) => {
        mod sqlite {
            use super::*;
            $(#[tokio::test]
            async fn $name() {
                let server = TestServer::sqlite_with(|_c| { $($adjust(_c);)? }).await;
                $body(&server).await;
            })*
        }
        mod postgres {
            use super::*;
            $(#[tokio::test]
            async fn $name() {
                let Some(server) = TestServer::postgres_with(stringify!($name), |_c| { $($adjust(_c);)? }).await else {
                    return;
                };
                $body(&server).await;
            })*
        }
    };
}

fn hide_names(c: &mut guildhall::config::Config) {
    c.moderation.show_moderator_names = false;
}

both_backends! {
    moderators_remove_and_restore_posts => remove_and_restore;
    moderators_lock_and_pin_threads => lock_and_pin;
    bans_and_suspensions_stop_members_and_are_logged => bans_and_suspensions;
    the_log_can_hide_moderators_names => names_hidden with hide_names;
    reports_are_resolved_or_dismissed => reports;
}
