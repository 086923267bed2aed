//! Reputation end to end, with the default rules on the instance that
//! computes it: trust levels refuse a new member's vote and links through
//! the API and a remote member's vote through the inbox; a vote that
//! arrives over federation from another real instance earns points; the
//! API, the pages and the Person actor show them; a ban reverses them.

use guildhall_core::reputation::Rules;
use guildhall_e2e::steps::{points, post_reply};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

async fn thread_on(api: &Api, group: &str, title: &str) -> Value {
    eventually(&format!("the thread {title:?} arrives"), || async {
        let list = api.get(&format!("/groups/{group}/threads?sort=new")).await;
        list.body["threads"]
            .as_array()?
            .iter()
            .find(|t| t["title"] == title)
            .cloned()
    })
    .await
}

async fn page(server: &TestServer, path: &str) -> String {
    let response = reqwest::get(server.url(path)).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn votes_over_federation_earn_reputation_under_the_trust_rules() {
    let a = TestServer::sqlite_with(|c| c.reputation = Rules::default()).await;
    // B too: its members' votes and posts in A's group are A's to judge
    // (bob, TL0 on B as well, may vote there; A refuses it).
    let b = TestServer::sqlite_with(|c| c.reputation = Rules::default()).await;

    let alice = a.api().register("alice").await;
    alice
        .post("/groups", json!({ "name": "support", "title": "Support" }))
        .await
        .expect(201);
    let thread = alice
        .post(
            "/groups/support/threads",
            json!({ "title": "Printer jams", "body": "On page two." }),
        )
        .await
        .expect(201);
    let thread_a = thread["id"].as_i64().unwrap();

    // A new local member (TL0) may not vote, nor post links.
    let dave = a.api().register("dave").await;
    let refusal = dave
        .put(&format!("/threads/{thread_a}/vote"), json!({ "value": 1 }))
        .await
        .expect_error(403, "forbidden");
    assert_eq!(refusal, "voting needs trust level TL1; you are at TL0");
    let refusal = dave
        .post(
            "/groups/support/threads",
            json!({ "title": "Deals", "body": "https://spam.example" }),
        )
        .await
        .expect_error(403, "forbidden");
    assert!(refusal.starts_with("posting links or images needs trust level TL1"));

    // bob on B follows the group and sees the thread.
    let bob = b.api().register("bob").await;
    let found = bob
        .post(
            "/groups/lookup",
            json!({ "query": format!("!support@{}", a.domain()) }),
        )
        .await
        .expect(200);
    let on_b = found["name"].as_str().unwrap().to_owned();
    bob.post(&format!("/groups/{on_b}/join"), json!({}))
        .await
        .expect(200);
    let thread_b = thread_on(&bob, &on_b, "Printer jams").await["id"]
        .as_i64()
        .unwrap();

    // bob votes while he is TL0 on A: A refuses the Like (403, which B's
    // queue takes as final), now or whenever it lands, as bob never posts.
    bob.put(&format!("/threads/{thread_b}/vote"), json!({ "value": 1 }))
        .await
        .expect(200);
    // carol on B posts first: her reply makes her TL1 on A once it lands.
    let carol = Api {
        token: None,
        ..bob.clone()
    }
    .register("carol")
    .await;
    carol
        .post(&format!("/groups/{on_b}/join"), json!({}))
        .await
        .expect(200);
    carol
        .post(
            &format!("/threads/{thread_b}/replies"),
            json!({ "body": "Same here." }),
        )
        .await
        .expect(201);
    eventually("carol's reply reaches A", || async {
        let r = alice
            .get(&format!("/threads/{thread_a}/replies"))
            .await
            .body;
        r["replies"]
            .as_array()?
            .iter()
            .any(|r| r["body"] == "Same here.")
            .then_some(())
    })
    .await;
    let bob_on_a = format!("bob@{}", b.domain());
    let carol_on_a = format!("carol@{}", b.domain());
    let seen = alice
        .get(&format!("/users/{carol_on_a}/reputation"))
        .await
        .expect(200);
    assert_eq!(seen["trust_level"], 1, "one post on one day");

    // Her vote, at TL1 on A, counts: a thread upvote is 5 points.
    carol
        .put(&format!("/threads/{thread_b}/vote"), json!({ "value": 1 }))
        .await
        .expect(200);
    eventually("the vote earns alice 5 points on A", || async {
        (points(&alice, "alice").await == 5).then_some(())
    })
    .await;
    let t = alice.get(&format!("/threads/{thread_a}")).await.expect(200);
    assert_eq!(t["score"], 1, "bob's vote was refused: {t}");

    // The API: rank, level, badges; the ledger only for alice herself.
    let public = a.api().get("/users/alice/reputation").await.expect(200);
    assert_eq!(public["rank"], "Newcomer");
    assert_eq!(public["trust_level"], 1);
    assert_eq!(
        public["groups"][0],
        json!({ "group": "support", "points": 5 })
    );
    let badges: Vec<&str> = public["badges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert_eq!(badges, ["first_thread", "first_upvote"]);
    assert!(public.get("ledger").is_none());
    let own = alice.get("/users/alice/reputation").await.expect(200);
    let entry = &own["ledger"].as_array().unwrap()[1];
    assert_eq!(entry["kind"], "vote_received");
    assert_eq!(entry["source"], carol_on_a.as_str());
    assert_eq!(entry["points"], 5);

    // Leaderboards.
    for path in [
        "/leaderboard",
        "/leaderboard?period=month",
        "/groups/support/leaderboard?period=week",
    ] {
        let board = a.api().get(path).await.expect(200);
        assert_eq!(board["standings"][0]["username"], "alice", "{path}");
        assert_eq!(board["standings"][0]["points"], 5, "{path}");
        assert_eq!(board["standings"][0]["rank"], "Newcomer", "{path}");
    }
    a.api()
        .get("/leaderboard?period=year")
        .await
        .expect_error(422, "invalid");

    // Pages and the Person actor.
    let home = page(&a, "/").await;
    assert!(home.contains("Top members this month") && home.contains("/u/alice"));
    let profile = page(&a, "/u/alice").await;
    assert!(profile.contains("Newcomer") && profile.contains("First thread"));
    assert!(!profile.contains("Reputation history"), "not for strangers");
    let person = a.fetch_ap("/u/alice").await;
    assert_eq!(
        person["attachment"][0],
        json!({ "type": "PropertyValue", "name": "Rank", "value": "Newcomer · 5 points · TL1" })
    );

    // Banning carol on A reverses what her vote gave.
    alice
        .put(
            &format!("/admin/users/{carol_on_a}/ban"),
            json!({ "banned": true }),
        )
        .await
        .expect(204);
    assert_eq!(points(&alice, "alice").await, 0);
    dave.put(
        &format!("/admin/users/{bob_on_a}/ban"),
        json!({ "banned": false }),
    )
    .await
    .expect_error(403, "forbidden");
}

/// Each trust level unlocks its privileges, checked on the API: TL1 flags,
/// TL2 starts threads in a restricted group, TL3 edits others' thread
/// titles and hides spam, TL4 is an admin's grant. Every refusal is a 403
/// naming the privilege and the level it needs.
#[tokio::test]
async fn privileges_grow_with_trust_levels() {
    use guildhall_core::reputation::trust::Requirement;
    let a = TestServer::sqlite_with(|c| {
        let posts = |posts| Requirement {
            days_active: 1,
            posts,
            ..Requirement::default()
        };
        c.reputation = Rules::default();
        c.reputation.trust.tl1 = posts(1);
        c.reputation.trust.tl2 = posts(2);
        c.reputation.trust.tl3 = posts(3);
    })
    .await;
    let alice = a.api().register("alice").await;
    alice
        .post("/groups", json!({ "name": "support", "title": "Support" }))
        .await
        .expect(201);
    let group = alice
        .patch("/groups/support", json!({ "restricted": true }))
        .await
        .expect(200);
    assert_eq!(group["restricted"], true);
    // Moderators may always start threads in their restricted group.
    let thread = alice
        .post(
            "/groups/support/threads",
            json!({ "title": "Printr jams", "body": "Help." }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let erin = a.api().register("erin").await;
    let level = |api: Api, user: &'static str| async move {
        let r = api
            .get(&format!("/users/{user}/reputation"))
            .await
            .expect(200);
        r["trust_level"].as_i64().unwrap()
    };
    let reply = |api: Api, body: &'static str| async move { post_reply(&api, thread, body).await };
    let flag = json!({ "reason": "the title has a typo" });

    let why = erin
        .post(&format!("/threads/{thread}/flag"), flag.clone())
        .await
        .expect_error(403, "forbidden");
    assert_eq!(why, "flagging needs trust level TL1; you are at TL0");

    reply(erin.clone(), "Same here.").await;
    assert_eq!(level(erin.clone(), "erin").await, 1);
    erin.post(&format!("/threads/{thread}/flag"), flag.clone())
        .await
        .expect(201);
    erin.post(&format!("/threads/{thread}/flag"), flag.clone())
        .await
        .expect(200);
    let why = erin
        .post(
            "/groups/support/threads",
            json!({ "title": "Mine", "body": "x" }),
        )
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        why,
        "starting threads in this restricted group needs trust level TL2; you are at TL1"
    );

    reply(erin.clone(), "Any news?").await;
    assert_eq!(level(erin.clone(), "erin").await, 2);
    let why = erin
        .patch(
            &format!("/threads/{thread}"),
            json!({ "title": "Printer jams" }),
        )
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        why,
        "editing thread titles needs trust level TL3; you are at TL2"
    );

    // frank posts spam.
    let frank = a.api().register("frank").await;
    let spam = reply(frank.clone(), "Cheap watches, cheap!").await;
    let why = erin
        .post(&format!("/replies/{spam}/hide"), json!({}))
        .await
        .expect_error(403, "forbidden");
    assert_eq!(why, "hiding spam needs trust level TL3; you are at TL2");

    // A thread of her own (TL2 may, in a restricted group) is her third
    // post: at TL3 she fixes the title (not the body) and hides the spam.
    erin.post(
        "/groups/support/threads",
        json!({ "title": "Mine", "body": "x" }),
    )
    .await
    .expect(201);
    assert_eq!(level(erin.clone(), "erin").await, 3);
    let edited = erin
        .patch(
            &format!("/threads/{thread}"),
            json!({ "title": "Printer jams" }),
        )
        .await
        .expect(200);
    assert_eq!(edited["title"], "Printer jams");
    erin.patch(&format!("/threads/{thread}"), json!({ "body": "Mine now" }))
        .await
        .expect_error(403, "forbidden");
    erin.post(&format!("/replies/{spam}/hide"), json!({}))
        .await
        .expect(204);
    assert_eq!(
        alice.get(&format!("/replies/{spam}")).await.expect(200)["deleted"],
        true
    );
    let franks = alice.get("/users/frank/reputation").await.expect(200);
    assert!(
        franks["ledger"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "post_removed" && e["source"] == "erin"),
        "{franks}"
    );

    // Flags are for the group's moderators.
    let flags = alice.get("/groups/support/flags").await.expect(200);
    assert_eq!(flags["flags"][0]["by"], "erin");
    assert_eq!(flags["flags"][0]["reason"], "the title has a typo");
    erin.get("/groups/support/flags")
        .await
        .expect_error(403, "forbidden");

    // Moderators and admins grant the `recognized` badge; members do not.
    erin.post(
        "/admin/users/frank/badges",
        json!({ "badge": "recognized" }),
    )
    .await
    .expect_error(403, "forbidden");
    let granted = alice
        .post("/admin/users/erin/badges", json!({ "badge": "recognized" }))
        .await
        .expect(200);
    assert!(
        granted["badges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["key"] == "recognized" && b["tier"] == "gold")
    );
    alice
        .post(
            "/admin/users/erin/badges",
            json!({ "badge": "first_reply" }),
        )
        .await
        .expect_error(422, "invalid");

    // TL4 only by an admin's grant.
    erin.put("/admin/users/erin/leader", json!({ "leader": true }))
        .await
        .expect_error(403, "forbidden");
    alice
        .put("/admin/users/erin/leader", json!({ "leader": true }))
        .await
        .expect(200);
    assert_eq!(level(erin.clone(), "erin").await, 4);
}
