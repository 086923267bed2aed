//! Bad input of every kind gets a clear 4xx with `{"error","detail"}` and
//! changes nothing that is stored.

use guildhall_e2e::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let server = TestServer::sqlite_with(|c| {
        c.server.max_body_bytes = 4096;
        c.limits.body_max = 100;
        c.limits.title_max = 20;
    })
    .await;
    let api = server.api();
    let admin = api.register("root_user").await;
    let bob = api.register("bob").await;
    admin
        .post("/groups", json!({"name": "help", "title": "Help"}))
        .await
        .expect(201);
    let t = admin
        .post(
            "/groups/help/threads",
            json!({"title": "Original", "body": "original body"}),
        )
        .await
        .expect(201);
    let tid = t["id"].as_i64().unwrap();
    let r = admin
        .post(&format!("/threads/{tid}/replies"), json!({"body": "first"}))
        .await
        .expect(201);
    let rid = r["id"].as_i64().unwrap();
    bob.put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect(200);

    let snapshot = || async {
        let thread = api.get(&format!("/threads/{tid}")).await.expect(200);
        let replies = api
            .get(&format!("/threads/{tid}/replies"))
            .await
            .expect(200);
        let group = api.get("/groups/help").await.expect(200);
        let groups = api.get("/groups").await.expect(200);
        json!({"thread": thread, "replies": replies, "group": group, "groups": groups})
    };
    let before = snapshot().await;
    let threads = "/groups/help/threads".to_string();

    // Body syntax, type and size.
    bob.send_raw(
        Method::POST,
        &threads,
        "application/json",
        "{\"title\": \"x\", ",
    )
    .await
    .expect_error(400, "bad_request");
    bob.send_raw(
        Method::POST,
        &threads,
        "text/plain",
        "{\"title\":\"x\",\"body\":\"y\"}",
    )
    .await
    .expect_error(415, "unsupported_media_type");
    bob.send_raw(
        Method::POST,
        &threads,
        "application/x-www-form-urlencoded",
        "title=x&body=y",
    )
    .await
    .expect_error(415, "unsupported_media_type");
    bob.post(&threads, json!({"title": 5, "body": "y"}))
        .await
        .expect_error(422, "invalid");
    bob.post(&threads, json!({"title": "x"}))
        .await
        .expect_error(422, "invalid");
    bob.post(&threads, json!({"title": "x", "body": "y", "sticky": true}))
        .await
        .expect_error(422, "invalid");
    bob.post(&threads, json!([1, 2, 3]))
        .await
        .expect_error(422, "invalid");
    bob.send_raw(
        Method::POST,
        &threads,
        "application/json",
        vec![0xff, 0xfe, 0x00],
    )
    .await
    .expect_error(400, "bad_request");
    let huge = json!({"title": "x", "body": "y".repeat(10_000)}).to_string();
    bob.send_raw(Method::POST, &threads, "application/json", huge)
        .await
        .expect_error(413, "payload_too_large");

    // Lengths (configured small here) and names.
    let detail = bob
        .post(&threads, json!({"title": "t".repeat(21), "body": "y"}))
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("20"), "{detail}");
    bob.post(&threads, json!({"title": "  ", "body": "y"}))
        .await
        .expect_error(422, "invalid");
    let detail = bob
        .post(&threads, json!({"title": "ok", "body": "b".repeat(101)}))
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("100"), "{detail}");
    bob.post(&format!("/threads/{tid}/replies"), json!({"body": ""}))
        .await
        .expect_error(422, "invalid");
    api.post(
        "/auth/register",
        json!({"username": "no spaces", "password": "long enough pw"}),
    )
    .await
    .expect_error(422, "invalid");
    api.post(
        "/auth/register",
        json!({"username": "x".repeat(31), "password": "long enough pw"}),
    )
    .await
    .expect_error(422, "invalid");
    api.post(
        "/auth/register",
        json!({"username": "BOB", "password": "long enough pw"}),
    )
    .await
    .expect_error(409, "conflict");
    api.post(
        "/auth/register",
        json!({"username": "dave", "password": "short"}),
    )
    .await
    .expect_error(422, "invalid");
    admin
        .post("/groups", json!({"name": "Help", "title": "again"}))
        .await
        .expect_error(409, "conflict");
    admin
        .post("/groups", json!({"name": "bad-name", "title": "x"}))
        .await
        .expect_error(422, "invalid");
    bob.patch("/me", json!({"avatar_url": "javascript:alert(1)"}))
        .await
        .expect_error(422, "invalid");

    // Unknown things and malformed paths and queries.
    bob.post("/groups/nosuch/threads", json!({"title": "x", "body": "y"}))
        .await
        .expect_error(404, "not_found");
    bob.post("/threads/999999/replies", json!({"body": "y"}))
        .await
        .expect_error(404, "not_found");
    bob.post(
        &format!("/threads/{tid}/replies"),
        json!({"body": "y", "parent_id": 999999}),
    )
    .await
    .expect_error(404, "not_found");
    bob.put("/replies/999999/vote", json!({"value": 1}))
        .await
        .expect_error(404, "not_found");
    api.get("/threads/abc")
        .await
        .expect_error(400, "bad_request");
    api.get("/threads/99999999999999999999999")
        .await
        .expect_error(400, "bad_request");
    api.get("/groups/help/threads?sort=best")
        .await
        .expect_error(422, "invalid");
    api.get("/groups/help/threads?sort=new&t=day")
        .await
        .expect_error(422, "invalid");
    api.get("/groups/help/threads?cursor=garbage")
        .await
        .expect_error(422, "invalid");
    api.get("/groups/help/threads?limit=0")
        .await
        .expect_error(422, "invalid");
    api.get("/groups/help/threads?limit=1000")
        .await
        .expect_error(422, "invalid");
    api.get("/groups/help/threads?limit=ten")
        .await
        .expect_error(400, "bad_request");
    let new_cursor = api
        .get("/groups/help/threads?sort=new&limit=1")
        .await
        .expect(200);
    assert!(new_cursor["next_cursor"].is_null());

    // Votes.
    bob.put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect_error(409, "conflict");
    bob.put(&format!("/threads/{tid}/vote"), json!({"value": 5}))
        .await
        .expect_error(422, "invalid");
    bob.put(&format!("/threads/{tid}/vote"), json!({"value": "up"}))
        .await
        .expect_error(422, "invalid");
    admin
        .put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect_error(403, "forbidden");

    // Someone else's posts, and no sign-in at all.
    bob.patch(&format!("/threads/{tid}"), json!({"title": "pwned"}))
        .await
        .expect_error(403, "forbidden");
    bob.patch(&format!("/replies/{rid}"), json!({"body": "pwned"}))
        .await
        .expect_error(403, "forbidden");
    bob.delete(&format!("/threads/{tid}"))
        .await
        .expect_error(403, "forbidden");
    bob.delete(&format!("/replies/{rid}"))
        .await
        .expect_error(403, "forbidden");
    bob.patch("/groups/help", json!({"title": "pwned"}))
        .await
        .expect_error(403, "forbidden");
    bob.post("/groups/help/moderators", json!({"username": "bob"}))
        .await
        .expect_error(403, "forbidden");
    admin
        .delete("/groups/help/moderators/root_user")
        .await
        .expect_error(409, "conflict");
    let anon = api.anonymous();
    anon.post(&threads, json!({"title": "x", "body": "y"}))
        .await
        .expect_error(401, "unauthorized");
    anon.put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect_error(401, "unauthorized");
    anon.delete(&format!("/threads/{tid}"))
        .await
        .expect_error(401, "unauthorized");
    anon.post("/groups", json!({"name": "x", "title": "x"}))
        .await
        .expect_error(401, "unauthorized");
    api.as_user("not-a-token")
        .post(&threads, json!({"title": "x", "body": "y"}))
        .await
        .expect_error(401, "unauthorized");

    // Wrong method on a real route.
    let resp = api
        .http
        .delete(server.url("/api/v1/groups"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);

    let after = snapshot().await;
    assert_eq!(before, after, "a refused request changed stored data");
    let thread: &Value = &after["thread"];
    assert_eq!(
        (thread["title"].as_str(), thread["score"].as_i64()),
        (Some("Original"), Some(1))
    );
    assert_eq!(api.get("/users/dave").await.status, 404);

    // The server is still fine.
    let health = api.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}
