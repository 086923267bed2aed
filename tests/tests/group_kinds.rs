//! A group's kind (discussion, questions, ideas, reviews): chosen at
//! creation through the API, shown with the group, changed only by admins.

use guildhall_e2e::TestServer;
use serde_json::json;

#[tokio::test]
async fn a_group_has_a_kind_that_only_admins_change() {
    let server = TestServer::sqlite().await;
    // The first account is the instance's admin.
    let admin = server.api().register("ann").await;
    let bob = server.api().register("bob").await;

    let g = admin
        .post(
            "/groups",
            json!({"name": "help", "title": "Help", "kind": "questions"}),
        )
        .await
        .expect(201);
    assert_eq!(g["kind"], "questions");
    let g = admin
        .post("/groups", json!({"name": "chat", "title": "Chat"}))
        .await
        .expect(201);
    assert_eq!(g["kind"], "discussion", "the default");
    let detail = admin
        .post(
            "/groups",
            json!({"name": "odd", "title": "Odd", "kind": "forum"}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("kind"), "{detail}");
    admin.get("/groups/odd").await.expect(404);

    // A moderator edits the group but may not change what it is.
    admin
        .post("/groups/help/moderators", json!({"username": "bob"}))
        .await
        .expect(200);
    let detail = bob
        .patch("/groups/help", json!({"kind": "ideas"}))
        .await
        .expect_error(403, "forbidden");
    assert!(detail.contains("kind"), "{detail}");
    let g = bob
        .patch(
            "/groups/help",
            json!({"title": "Peer help", "kind": "questions"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (g["title"].as_str(), g["kind"].as_str()),
        (Some("Peer help"), Some("questions"))
    );

    let g = admin
        .patch("/groups/help", json!({"kind": "ideas"}))
        .await
        .expect(200);
    assert_eq!(g["kind"], "ideas");
    assert_eq!(
        server.api().get("/groups/help").await.expect(200)["kind"],
        "ideas"
    );
    admin
        .patch("/groups/help", json!({"kind": "Ideas"}))
        .await
        .expect_error(422, "invalid");
}
