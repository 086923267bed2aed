//! A local group for inbox tests: `support`, with a thread by its admin
//! (ann) and a reply by bob, and the reads those tests check against.

use crate::remote::Remote;
use crate::{Api, TestServer};
use serde_json::{Value, json};

/// A local group `support` with a thread by its admin and a reply by bob.
pub struct Local {
    pub server: TestServer,
    pub admin: Api,
    pub bob: Api,
    pub thread: i64,
    pub reply: i64,
}

pub async fn local(server: TestServer) -> Local {
    let admin = server.api().register("ann").await;
    admin
        .post("/groups", json!({ "name": "support", "title": "Support" }))
        .await
        .expect(201);
    let thread = admin
        .post(
            "/groups/support/threads",
            json!({ "title": "Printer jams", "body": "Duplex jobs jam." }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let bob = server.api().register("bob").await;
    let reply = bob
        .post(
            &format!("/threads/{thread}/replies"),
            json!({ "body": "Which model?" }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    Local {
        server,
        admin,
        bob,
        thread,
        reply,
    }
}

impl Local {
    pub fn inbox(&self) -> String {
        self.server.url("/inbox")
    }

    pub fn fixture(&self, remote: &Remote, name: &str) -> Value {
        remote.fixture(name, &self.server, self.thread, self.reply)
    }

    /// Sends a fixture from `remote` to the shared inbox; expects 202.
    pub async fn deliver(&self, remote: &Remote, name: &str) -> Value {
        let activity = self.fixture(remote, name);
        let (status, body) = remote.send(&self.inbox(), &activity).await;
        assert_eq!(status, 202, "{name} refused: {body}");
        activity
    }

    pub async fn thread(&self, id: i64) -> Value {
        self.admin.get(&format!("/threads/{id}")).await.expect(200)
    }

    pub async fn replies(&self) -> Vec<Value> {
        let list = self
            .admin
            .get(&format!("/threads/{}/replies", self.thread))
            .await
            .expect(200);
        list["replies"].as_array().cloned().unwrap_or_default()
    }

    pub async fn threads(&self, group: &str) -> Vec<Value> {
        let list = self
            .admin
            .get(&format!("/groups/{group}/threads?sort=new"))
            .await
            .expect(200);
        list["threads"].as_array().cloned().unwrap_or_default()
    }

    pub async fn member_count(&self) -> i64 {
        let g = self.admin.get("/groups/support").await.expect(200);
        g["member_count"].as_i64().unwrap()
    }

    /// POSTs `activity` from `remote` to the shared inbox.
    pub async fn send(&self, remote: &Remote, activity: &Value) -> (u16, Value) {
        let (status, body) = remote.send(&self.inbox(), activity).await;
        (status.as_u16(), body)
    }

    pub async fn user(&self, name: &str) -> Value {
        self.admin.get(&format!("/users/{name}")).await.expect(200)
    }
}
