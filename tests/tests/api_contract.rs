//! The OpenAPI document is a contract: every request body it calls an
//! object must be one, every status an operation answers is listed for it,
//! and every bound the server enforces is stated. These drive each
//! documented operation with hostile requests and hold the answers to the
//! served document (CI also runs schemathesis against it: `.ci/run`).

use guildhall_e2e::{Api, TestServer, snapshot};
use reqwest::Method;
use serde_json::{Value, json};

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Fills a path template: `{id}` with `id`, `{name}`/`{username}`/`{domain}`
/// with `name`.
fn concrete(template: &str, id: &str, name: &str) -> String {
    template
        .replace("{id}", id)
        .replace("{name}", name)
        .replace("{username}", name)
        .replace("{domain}", name)
}

/// A value of the type a property schema asks for.
fn sample(schema: &Value, doc: &Value) -> Value {
    let schema = match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    };
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(types) => types.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("integer") => json!(1),
        Some("number") => json!(0.5),
        Some("boolean") => json!(true),
        _ => json!("example_text"),
    }
}

/// The body schema of an operation, resolved.
fn body_schema<'a>(op: &'a Value, doc: &'a Value) -> Option<&'a Value> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let name = schema["$ref"].as_str()?.rsplit('/').next()?;
    Some(&doc["components"]["schemas"][name])
}

#[track_caller]
fn documented(op: &Value, method: &str, path: &str, status: u16, what: &str) {
    assert!(
        status < 500,
        "{method} {path} ({what}) answered {status}: a server error"
    );
    assert!(
        op["responses"].get(status.to_string()).is_some(),
        "{method} {path} ({what}) answered {status}, which the document does not list: {}",
        op["responses"]
    );
}

/// A JSON array where the document says object is refused before anything
/// happens: serde fills a struct from a sequence, field by field, so
/// `PATCH /threads/{id}` with `["t","b"]` used to retitle the thread.
#[tokio::test]
async fn request_bodies_must_be_json_objects() {
    let server = TestServer::sqlite().await;
    let api = server.api();
    let admin = api.register("root_user").await;
    admin
        .post("/groups", json!({"name": "help", "title": "Help"}))
        .await
        .expect(201);
    let tid = admin
        .post(
            "/groups/help/threads",
            json!({"title": "Original", "body": "original body"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();

    let detail = admin
        .patch(&format!("/threads/{tid}"), json!(["t", "b"]))
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("JSON object"), "{detail}");
    let thread = api.get(&format!("/threads/{tid}")).await.expect(200);
    assert_eq!(
        (thread["title"].as_str(), thread["body"].as_str()),
        (Some("Original"), Some("original body"))
    );
    api.post(
        "/auth/register",
        json!(["mallory", "long enough password", null]),
    )
    .await
    .expect_error(422, "invalid");
    api.get("/users/mallory").await.expect(404);
    for not_an_object in [json!("text"), json!(5), json!(null), json!(true)] {
        admin
            .patch(&format!("/threads/{tid}"), not_an_object)
            .await
            .expect_error(422, "invalid");
    }

    // Every operation with a body, sent its fields as an array in order
    // (values of the right types): 422 from the extractor, whatever the path.
    let doc = api.get("/openapi.json").await.expect(200);
    let mut bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let Some(schema) = body_schema(op, &doc) else {
                continue;
            };
            bodies += 1;
            let fields: Vec<Value> = schema["properties"]
                .as_object()
                .unwrap()
                .values()
                .map(|p| sample(p, &doc))
                .collect();
            let path_here = concrete(path, &tid.to_string(), "help").replace("/api/v1", "");
            let reply = admin
                .send(
                    method.to_uppercase().parse().unwrap(),
                    &path_here,
                    Some(Value::Array(fields.clone())),
                )
                .await;
            assert_eq!(
                reply.status.as_u16(),
                422,
                "{method} {path} took {fields:?} as its object: {}",
                reply.body
            );
        }
    }
    assert!(bodies >= 20, "only {bodies} operations with a body");
    let thread = api.get(&format!("/threads/{tid}")).await.expect(200);
    assert_eq!(thread["title"], "Original");
}

/// Each documented operation, called without a token, with a bad token,
/// with a malformed path segment, with a body of the wrong content type,
/// too large, an array, an empty object, and as a member who may not: no
/// 5xx, and no status the document does not list for that operation.
#[tokio::test]
async fn every_answer_is_documented() {
    let server = TestServer::sqlite_with(|c| c.server.max_body_bytes = 2048).await;
    let api = server.api();
    let admin = api.register("root_user").await;
    let member = api.register("bob").await;
    admin
        .post("/groups", json!({"name": "help", "title": "Help"}))
        .await
        .expect(201);
    let tid = admin
        .post("/groups/help/threads", json!({"title": "T", "body": "B"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let doc = api.get("/openapi.json").await.expect(200);
    let bad_token = api.as_user("not-a-token");
    let huge = json!({"x": "y".repeat(4096)}).to_string();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let m: Method = method.to_uppercase().parse().unwrap();
            let has_body = op.get("requestBody").is_some();
            let body = has_body.then(|| json!({}));
            let good = concrete(path, &tid, "help").replace("/api/v1", "");
            let mut tries: Vec<(&str, &Api, String, Option<Value>)> = vec![
                ("no token", &api, good.clone(), body.clone()),
                ("unknown token", &bad_token, good.clone(), body.clone()),
            ];
            // Signing the admin or member out would only weaken what follows.
            if !path.ends_with("/auth/logout") {
                tries.extend([
                    ("a member", &member, good.clone(), body.clone()),
                    ("the admin", &admin, good.clone(), body.clone()),
                    (
                        "unknown ids",
                        &admin,
                        concrete(path, "999999", "nosuch").replace("/api/v1", ""),
                        body.clone(),
                    ),
                ]);
            }
            if path.contains("{id}") {
                tries.push((
                    "malformed id",
                    &admin,
                    concrete(path, "abc", "help").replace("/api/v1", ""),
                    body.clone(),
                ));
            }
            if has_body {
                tries.push(("array body", &admin, good.clone(), Some(json!([1]))));
            }
            for (what, who, path_here, body) in tries {
                let reply = who.send(m.clone(), &path_here, body).await;
                documented(op, method, path, reply.status.as_u16(), what);
                checked += 1;
            }
            if has_body {
                for (what, content_type, raw) in [
                    ("text/plain body", "text/plain", "{}".to_string()),
                    ("broken JSON", "application/json", "{\"a\":".to_string()),
                    ("too large", "application/json", huge.clone()),
                ] {
                    let reply = admin.send_raw(m.clone(), &good, content_type, raw).await;
                    documented(op, method, path, reply.status.as_u16(), what);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 200, "{checked}");
}

/// The document states the bounds the server enforces, from the same
/// configured limits, and the statuses of rate limits and password hashing.
#[tokio::test]
async fn the_document_states_bounds_and_statuses() {
    let server = TestServer::sqlite_with(|c| {
        c.limits.title_max = 20;
        c.limits.body_max = 100;
    })
    .await;
    let api = server.api();
    let doc = api.get("/openapi.json").await.expect(200);
    let schemas = &doc["components"]["schemas"];
    let prop = |s: &str, p: &str| schemas[s]["properties"][p].clone();
    assert_eq!(prop("ThreadCreate", "title")["maxLength"], 20);
    assert_eq!(prop("ThreadCreate", "title")["minLength"], 1);
    assert_eq!(prop("ReplyCreate", "body")["maxLength"], 100);
    assert_eq!(prop("GroupPatch", "rules")["maxLength"], 100);
    assert_eq!(prop("ProfileInput", "bio")["maxLength"], 5000);
    assert_eq!(prop("RegisterInput", "username")["maxLength"], 30);
    assert_eq!(prop("RegisterInput", "password")["minLength"], 8);
    assert_eq!(prop("RegisterInput", "password")["maxLength"], 256);
    assert_eq!(prop("FlagInput", "reason")["maxLength"], 500);
    assert_eq!(prop("VoteInput", "value")["enum"], json!([1, -1]));
    assert_eq!(
        prop("InstancePolicy", "policy")["enum"],
        json!(["allow", "block", null])
    );
    assert_eq!(prop("BadgeInput", "badge")["enum"], json!(["recognized"]));
    assert_eq!(prop("PartnerInput", "max_trust_level")["maximum"], 4.0);
    assert_eq!(prop("AdjustInput", "points")["maximum"], 1_000_000.0);

    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    let params = op("/api/v1/groups/{name}/threads", "get")["parameters"].clone();
    let param = |name: &str| {
        params
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(param("limit")["maximum"], 100.0);
    assert_eq!(
        param("sort")["enum"],
        json!(["hot", "new", "active", "top"])
    );
    let statuses = |path: &str, method: &str| -> Vec<String> {
        op(path, method)["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        statuses("/api/v1/threads/{id}", "patch"),
        [
            "200", "400", "401", "403", "404", "409", "413", "415", "422"
        ]
    );
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/register", "post"),
    ] {
        let s = statuses(path, method);
        assert!(
            s.contains(&"429".into()) && s.contains(&"503".into()),
            "{path}: {s:?}"
        );
        assert!(op(path, method)["responses"]["429"]["headers"]["Retry-After"].is_object());
    }
    for path in [
        "/api/v1/groups/{name}/threads",
        "/api/v1/threads/{id}/replies",
        "/api/v1/threads/{id}/flag",
        "/api/v1/replies/{id}/flag",
    ] {
        assert!(statuses(path, "post").contains(&"429".into()), "{path}");
    }
    // Optional sign-in is stated as such: a token that is sent is checked.
    let security = &op("/api/v1/threads/{id}", "get")["security"];
    assert!(
        security
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.get("bearer").is_some())
    );
}

/// The extremes of a documented range are refused cleanly: an adjustment of
/// i64::MIN points has no i64 absolute value, which used to overflow.
#[tokio::test]
async fn extreme_numbers_are_refused_not_overflowed() {
    let server = TestServer::sqlite().await;
    let api = server.api();
    let admin = api.register("root_user").await;
    api.register("bob").await;
    for points in [i64::MIN, i64::MAX, 1_000_001, 0] {
        admin
            .post(
                "/admin/users/bob/reputation",
                json!({"points": points, "reason": "testing"}),
            )
            .await
            .expect_error(422, "invalid");
    }
    let reputation = api.get("/users/bob/reputation").await.expect(200);
    assert_eq!(reputation["points"], 0);
}

/// What schemathesis found (`.ci/run`): removing a vote from one's own post
/// is 403, flagging or hiding a deleted post is 409, and the document must
/// not carry `"parameters": null` (an invalid document).
#[tokio::test]
async fn refusals_found_by_fuzzing_are_documented() {
    let server = TestServer::sqlite().await;
    let api = server.api();
    let admin = api.register("root_user").await;
    let bob = api.register("bob").await;
    admin
        .post("/groups", json!({"name": "help", "title": "Help"}))
        .await
        .expect(201);
    let tid = admin
        .post("/groups/help/threads", json!({"title": "T", "body": "B"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let rid = admin
        .post(&format!("/threads/{tid}/replies"), json!({"body": "R"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let doc = api.get("/openapi.json").await.expect(200);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                let parameters = op.get("parameters");
                assert!(
                    parameters.is_none_or(Value::is_array),
                    "{method} {path}: parameters {parameters:?}"
                );
            }
        }
    }
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();

    let own = admin.delete(&format!("/threads/{tid}/vote")).await;
    assert_eq!(own.status, 403, "{}", own.body);
    documented(
        &op("/api/v1/threads/{id}/vote", "delete"),
        "delete",
        "thread vote",
        403,
        "own post",
    );
    let own = admin.delete(&format!("/replies/{rid}/vote")).await;
    assert_eq!(own.status, 403, "{}", own.body);
    documented(
        &op("/api/v1/replies/{id}/vote", "delete"),
        "delete",
        "reply vote",
        403,
        "own post",
    );

    admin.delete(&format!("/replies/{rid}")).await.expect(204);
    admin.delete(&format!("/threads/{tid}")).await.expect(204);
    for (path, concrete) in [
        ("/api/v1/threads/{id}/flag", format!("/threads/{tid}/flag")),
        ("/api/v1/replies/{id}/flag", format!("/replies/{rid}/flag")),
    ] {
        let reply = bob.post(&concrete, json!({"reason": "spam"})).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        documented(&op(path, "post"), "post", path, 409, "deleted post");
    }

    // An admin lifting a suspension of their own that does not exist: 404
    // like anyone else's (schemathesis, seed 13, found a 422 here).
    let own = admin.delete("/admin/users/root_user/suspension").await;
    assert_eq!(own.status, 404, "{}", own.body);
    // Letting in a member banned from the group, who asked before the ban.
    admin
        .patch("/groups/help", json!({"visibility": "private"}))
        .await
        .expect(200);
    bob.post("/groups/help/join", json!({})).await.expect(200);
    admin
        .put("/groups/help/bans/bob", json!({}))
        .await
        .expect(200);
    let path = "/api/v1/groups/{name}/requests/{username}";
    let reply = admin
        .post("/groups/help/requests/bob", json!({"approve": true}))
        .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    documented(&op(path, "post"), "post", path, 409, "a banned member");
}

/// The served document, byte for byte, as pinned in
/// `tests/snapshots/openapi.json`: a change to the API's contract shows up
/// in review as a change to that file. `GUILDHALL_UPDATE_SNAPSHOTS=1`
/// rewrites it after a deliberate change.
#[tokio::test]
async fn the_document_is_pinned() {
    let server = TestServer::sqlite().await;
    let served = reqwest::get(server.url("/api/v1/openapi.json"))
        .await
        .expect("the document is served")
        .text()
        .await
        .expect("the document is text");
    snapshot::check("openapi.json", &served, "the served OpenAPI document");
}
