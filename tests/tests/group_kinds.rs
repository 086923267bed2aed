//! A group's kind (discussion, questions, ideas, reviews): chosen at
//! creation through the API, shown with the group, changed only by admins.

use guildhall_e2e::TestServer;
use guildhall_e2e::browser::{self, Browser};
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

#[tokio::test]
async fn the_kind_on_the_pages() {
    let server = TestServer::sqlite().await;
    let admin = Browser::new(&server);
    admin.register("ann").await;
    let form = admin.get("/groups/new").await.expect(200);
    assert!(form.html().contains(r#"<select id="kind" name="kind""#));
    let to = admin
        .submit(
            "/groups/new",
            "/groups/new",
            &[("name", "help"), ("title", "Help"), ("kind", "questions")],
        )
        .await
        .redirect();
    assert_eq!(to, "/g/help");
    let page = admin.get("/g/help").await.expect(200);
    assert!(
        page.html()
            .contains(r#"<span class="badge kind">Questions</span>"#)
    );
    // A refused form keeps the chosen kind.
    let again = admin
        .submit(
            "/groups/new",
            "/groups/new",
            &[("name", "help"), ("title", "Again"), ("kind", "ideas")],
        )
        .await;
    assert!(
        again.html().contains(r#"<option value="ideas" selected>"#),
        "{}",
        again.html()
    );

    // A moderator who is not an admin sees the kind, not a choice.
    let bob = Browser::new(&server);
    bob.register("bob").await;
    server
        .api()
        .as_user(&api_token(&server, "ann").await)
        .post("/groups/help/moderators", json!({"username": "bob"}))
        .await
        .expect(200);
    let edit = bob.get("/g/help/edit").await.expect(200);
    assert!(!edit.html().contains(r#"name="kind""#));
    assert!(edit.html().contains("Only admins change it."));
    let edit = admin.get("/g/help/edit").await.expect(200);
    assert!(
        edit.html()
            .contains(r#"<option value="questions" selected>"#)
    );
    let to = admin
        .submit(
            "/g/help/edit",
            "/g/help/edit",
            &[
                ("title", "Help"),
                ("description", ""),
                ("rules", ""),
                ("kind", "ideas"),
            ],
        )
        .await
        .redirect();
    assert_eq!(to, "/g/help");
    assert_eq!(
        server.api().get("/groups/help").await.expect(200)["kind"],
        "ideas"
    );
}

/// A bearer token for `username`, registered by `Browser::register`.
async fn api_token(server: &TestServer, username: &str) -> String {
    let body = server
        .api()
        .post(
            "/auth/login",
            json!({"username": username, "password": browser::PASSWORD}),
        )
        .await
        .expect(200);
    body["token"].as_str().expect("token").to_string()
}
