//! The JSON API end to end: real servers, real databases, real HTTP.

use guildhall_e2e::{Api, TestServer};
use serde_json::{Value, json};

/// Register, create a group, post, reply, nest, vote, edit, delete, list with
/// every sort. Returns the ids it made, for checks after a restart.
async fn community_flow(server: &TestServer) -> (i64, i64, i64) {
    let api = server.api();
    let alice = api.register("Alice").await; // first account: the admin
    let bob = api.register("bob").await;
    let carol = api.register("carol").await;
    let me = alice.get("/me").await.expect(200);
    assert_eq!(me["username"], "alice");
    assert_eq!(me["is_admin"], true);
    assert_eq!(bob.get("/me").await.expect(200)["is_admin"], false);

    // Groups: admins create them by default; members join.
    bob.post("/groups", json!({"name": "nope", "title": "No"}))
        .await
        .expect_error(403, "forbidden");
    let g = alice
        .post("/groups", json!({"name": "support", "title": "Support", "description": "Ask **here**", "rules": "Be kind"}))
        .await
        .expect(201);
    assert_eq!(g["moderators"][0]["username"], "alice");
    assert!(
        g["description_html"]
            .as_str()
            .unwrap()
            .contains("<strong>here</strong>")
    );
    assert_eq!(
        bob.post("/groups/support/join", json!({}))
            .await
            .expect(200)["member_count"],
        2
    );
    assert_eq!(
        carol
            .post("/groups/support/join", json!({}))
            .await
            .expect(200)["joined"],
        true
    );
    assert_eq!(api.get("/groups").await.expect(200)[0]["name"], "support");

    // A thread, a reply, a nested reply.
    let t = bob
        .post(
            "/groups/support/threads",
            json!({"title": "Printer on fire", "body": "It *burns*.\n\n<script>x()</script>"}),
        )
        .await
        .expect(201);
    let tid = t["id"].as_i64().unwrap();
    assert!(t["body_html"].as_str().unwrap().contains("<em>burns</em>"));
    assert!(!t["body_html"].as_str().unwrap().contains("<script"));
    let r1 = carol
        .post(
            &format!("/threads/{tid}/replies"),
            json!({"body": "Unplug it"}),
        )
        .await
        .expect(201);
    let r1id = r1["id"].as_i64().unwrap();
    let r2 = alice
        .post(
            &format!("/threads/{tid}/replies"),
            json!({"body": "And call us", "parent_id": r1id}),
        )
        .await
        .expect(201);
    let r2id = r2["id"].as_i64().unwrap();
    let r3 = bob
        .post(
            &format!("/threads/{tid}/replies"),
            json!({"body": "Thanks", "parent_id": r2id}),
        )
        .await
        .expect(201);
    let r3id = r3["id"].as_i64().unwrap();
    // Each says how deep it sits, as made and as read on its own.
    assert_eq!(
        (
            r1["depth"].as_u64(),
            r2["depth"].as_u64(),
            r3["depth"].as_u64()
        ),
        (Some(0), Some(1), Some(2))
    );
    let read = alice.get(&format!("/replies/{r3id}")).await.expect(200);
    assert_eq!(read["depth"], 2);

    // Votes: one per member, changeable, removable, not on one's own post.
    let v = alice
        .put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    assert_eq!(
        (v["score"].as_i64(), v["my_vote"].as_i64()),
        (Some(1), Some(1))
    );
    alice
        .put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect_error(409, "conflict");
    carol
        .put(&format!("/threads/{tid}/vote"), json!({"value": -1}))
        .await
        .expect(200);
    let v = carol
        .put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    assert_eq!(
        (
            v["score"].as_i64(),
            v["upvotes"].as_i64(),
            v["downvotes"].as_i64()
        ),
        (Some(2), Some(2), Some(0))
    );
    let v = carol
        .delete(&format!("/threads/{tid}/vote"))
        .await
        .expect(200);
    assert_eq!(v["score"], 1);
    carol
        .delete(&format!("/threads/{tid}/vote"))
        .await
        .expect_error(409, "conflict");
    bob.put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect_error(403, "forbidden");
    bob.put(&format!("/replies/{r1id}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    alice
        .put(&format!("/replies/{r1id}/vote"), json!({"value": -1}))
        .await
        .expect(200);
    let r = bob.get(&format!("/replies/{r1id}")).await.expect(200);
    assert_eq!(
        (r["score"].as_i64(), r["my_vote"].as_i64()),
        (Some(0), Some(1))
    );

    // Edits: own posts only.
    let edited = bob
        .patch(
            &format!("/threads/{tid}"),
            json!({"title": "Printer was on fire"}),
        )
        .await
        .expect(200);
    assert_eq!(edited["title"], "Printer was on fire");
    assert_eq!(edited["body"], t["body"]);
    assert!(edited["edited_at"].is_string());
    carol
        .patch(&format!("/threads/{tid}"), json!({"title": "mine now"}))
        .await
        .expect_error(403, "forbidden");
    carol
        .patch(
            &format!("/replies/{r1id}"),
            json!({"body": "Unplug it first"}),
        )
        .await
        .expect(200);
    bob.patch(&format!("/replies/{r1id}"), json!({"body": "hijack"}))
        .await
        .expect_error(403, "forbidden");

    // Deleting a reply leaves a tombstone; the replies under it stay.
    bob.delete(&format!("/replies/{r1id}"))
        .await
        .expect_error(403, "forbidden");
    carol.delete(&format!("/replies/{r1id}")).await.expect(204);
    carol
        .delete(&format!("/replies/{r1id}"))
        .await
        .expect_error(409, "conflict");
    let replies = api
        .get(&format!("/threads/{tid}/replies"))
        .await
        .expect(200);
    let list = replies["replies"].as_array().unwrap();
    let shape: Vec<(i64, u64, bool)> = list
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["depth"].as_u64().unwrap(),
                r["deleted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![(r1id, 0, true), (r2id, 1, false), (r3id, 2, false)]
    );
    assert_eq!(list[0]["body"], "");
    carol
        .post(
            &format!("/threads/{tid}/replies"),
            json!({"body": "x", "parent_id": r1id}),
        )
        .await
        .expect_error(409, "conflict");

    // More threads, then every sort pages through all of them exactly once.
    let mut ids = vec![tid];
    for i in 0..4 {
        let t = carol
            .post(
                "/groups/support/threads",
                json!({"title": format!("Idea {i}"), "body": "b"}),
            )
            .await
            .expect(201);
        ids.push(t["id"].as_i64().unwrap());
    }
    bob.put(&format!("/threads/{}/vote", ids[2]), json!({"value": 1}))
        .await
        .expect(200);
    alice
        .put(&format!("/threads/{}/vote", ids[2]), json!({"value": 1}))
        .await
        .expect(200);
    bob.put(&format!("/threads/{}/vote", ids[4]), json!({"value": -1}))
        .await
        .expect(200);
    for (query, first) in [
        ("sort=new", Some(ids[4])),
        ("sort=top", Some(ids[2])),
        ("sort=top&t=day", Some(ids[2])),
        ("sort=top&t=week", Some(ids[2])),
        ("sort=top&t=month", Some(ids[2])),
        ("sort=top&t=all", Some(ids[2])),
        ("sort=active", Some(ids[4])),
        ("sort=hot", None),
        ("", None),
    ] {
        let seen = page_through(&api, query).await;
        assert_eq!(seen.len(), 5, "{query}: {seen:?}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 5, "{query}: {seen:?}");
        if let Some(first) = first {
            assert_eq!(seen[0], first, "{query}");
        }
    }
    // A new reply makes its thread the most active.
    alice
        .post(
            &format!("/threads/{}/replies", ids[1]),
            json!({"body": "bump"}),
        )
        .await
        .expect(201);
    assert_eq!(page_through(&api, "sort=active").await[0], ids[1]);

    // Deleting a thread leaves a tombstone and drops it from listings.
    carol
        .delete(&format!("/threads/{}", ids[3]))
        .await
        .expect(204);
    let gone = api.get(&format!("/threads/{}", ids[3])).await.expect(200);
    assert_eq!(
        (gone["deleted"].as_bool(), gone["body"].as_str()),
        (Some(true), Some(""))
    );
    assert!(!page_through(&api, "sort=new").await.contains(&ids[3]));
    // A moderator (alice) may delete someone else's thread; a member may not.
    bob.delete(&format!("/threads/{}", ids[4]))
        .await
        .expect_error(403, "forbidden");
    alice
        .delete(&format!("/threads/{}", ids[4]))
        .await
        .expect(204);

    // Profiles.
    let p = bob.patch("/me", json!({"display_name": "Bob B.", "bio": "I fix *printers*", "avatar_url": "https://cdn.example/b.png"})).await.expect(200);
    assert!(
        p["bio_html"]
            .as_str()
            .unwrap()
            .contains("<em>printers</em>")
    );
    assert_eq!(
        api.get("/users/BOB").await.expect(200)["display_name"],
        "Bob B."
    );

    (tid, r2id, ids[2])
}

async fn page_through(api: &Api, query: &str) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut path = format!("/groups/support/threads?limit=2&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = api.get(&path).await.expect(200);
        seen.extend(
            page["threads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return seen,
        }
    }
    panic!("pagination did not end: {seen:?}");
}

async fn still_there_after_restart(server: &mut TestServer, (tid, r2id, top): (i64, i64, i64)) {
    let login = json!({"username": "bob", "password": "correct horse battery"});
    let token_before = server
        .api()
        .post("/auth/login", login.clone())
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    server.restart().await;
    let api = server.api();
    let bob = api.as_user(&token_before);
    assert_eq!(
        bob.get("/me").await.expect(200)["username"],
        "bob",
        "sessions survive a restart"
    );
    let t = api.get(&format!("/threads/{tid}")).await.expect(200);
    assert_eq!(
        (
            t["title"].as_str(),
            t["score"].as_i64(),
            t["reply_count"].as_i64()
        ),
        (Some("Printer was on fire"), Some(1), Some(3))
    );
    let r2 = api.get(&format!("/replies/{r2id}")).await.expect(200);
    assert!(r2["parent_id"].as_i64().is_some());
    assert_eq!(
        api.get("/groups/support").await.expect(200)["member_count"],
        3
    );
    assert_eq!(page_through(&api, "sort=top").await[0], top);
    assert_eq!(
        api.get("/users/bob").await.expect(200)["display_name"],
        "Bob B."
    );
}

#[tokio::test]
async fn community_on_sqlite_survives_restart() {
    let mut server = TestServer::sqlite().await;
    let ids = community_flow(&server).await;
    still_there_after_restart(&mut server, ids).await;
}

#[tokio::test]
async fn community_on_postgres_survives_restart() {
    let Some(mut server) = TestServer::postgres("community_on_postgres_survives_restart").await
    else {
        return;
    };
    let ids = community_flow(&server).await;
    still_there_after_restart(&mut server, ids).await;
}

#[tokio::test]
async fn login_logout_and_tokens() {
    let server = TestServer::sqlite().await;
    let api = server.api();
    let alice = api.register("alice").await;
    let creds = json!({"username": "ALICE", "password": "correct horse battery"});
    let token = api.post("/auth/login", creds).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let second = api.as_user(&token);
    second.post("/auth/logout", json!({})).await.expect(204);
    second.get("/me").await.expect_error(401, "unauthorized");
    alice.get("/me").await.expect(200); // other sessions live on
    api.post(
        "/auth/login",
        json!({"username": "alice", "password": "wrong password"}),
    )
    .await
    .expect_error(401, "unauthorized");
    api.post(
        "/auth/login",
        json!({"username": "nobody", "password": "whatever1"}),
    )
    .await
    .expect_error(401, "unauthorized");
    api.as_user("forged")
        .get("/me")
        .await
        .expect_error(401, "unauthorized");
    api.get("/me").await.expect_error(401, "unauthorized");
    let raw = api
        .http
        .get(server.url("/api/v1/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
}

#[tokio::test]
async fn instance_health_metrics_and_openapi() {
    let server = TestServer::sqlite().await;
    let api = server.api();
    assert_eq!(api.get("/instance").await.expect(200)["name"], "Guildhall");
    let health: Value = api
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let metrics = api
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("guildhall_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/api/v1/instance\""), "{metrics}");
    assert!(
        metrics.contains("guildhall_http_request_duration_seconds_bucket"),
        "{metrics}"
    );

    // Every documented operation is a real route: calling it never lands on
    // the unknown-endpoint fallback and never gets 405.
    let doc = api.get("/openapi.json").await.expect(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 15, "{paths:?}");
    let mut operations = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let concrete = path
                .replace("{name}", "nosuch")
                .replace("{id}", "999999")
                .replace("{username}", "nosuch");
            let resp = api
                .http
                .request(
                    method.to_uppercase().parse().unwrap(),
                    server.url(&concrete),
                )
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            assert_ne!(status, 405, "{method} {path}");
            assert!(
                !body["detail"]
                    .as_str()
                    .unwrap_or("")
                    .contains("API endpoint"),
                "{method} {path} is not routed: {body}"
            );
            assert!(status < 500, "{method} {path}: {status} {body}");
        }
    }
    assert!(operations >= 25, "{operations}");
    // And an undocumented path is not served.
    api.get("/no/such/thing")
        .await
        .expect_error(404, "not_found");
}
