//! Reputation end to end, with the default rules on the instance that
//! computes it: trust levels refuse a new member's vote and links through
//! the API and a remote member's vote through the inbox; a vote that
//! arrives over federation from another real instance earns points; the
//! API, the pages and the Person actor show them; a ban reverses them.

use guildhall_core::reputation::Rules;
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

async fn points(api: &Api, user: &str) -> i64 {
    let r = api
        .get(&format!("/users/{user}/reputation"))
        .await
        .expect(200);
    r["points"].as_i64().unwrap()
}

async fn page(server: &TestServer, path: &str) -> String {
    let response = reqwest::get(server.url(path)).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn votes_over_federation_earn_reputation_under_the_trust_rules() {
    let a = TestServer::sqlite_with(|c| c.reputation = Rules::default()).await;
    let b = TestServer::sqlite().await;

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
    let person: Value = reqwest::Client::new()
        .get(a.url("/u/alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
