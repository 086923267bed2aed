//! What every stand-in server needs, whatever it serves: a loopback port,
//! a task serving it until dropped, and actor documents in the shape
//! Mastodon and Lemmy use. The bench's many-actor stand-in uses it too.

use axum::Router;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A loopback port for a stand-in server and its base URL
/// `http://{host}:PORT`, bound before the routes are made (they need it).
pub async fn listen(host: &str) -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{host}:{}", listener.local_addr().unwrap().port());
    (listener, base)
}

/// A stand-in server's task, stopped when this is dropped.
pub struct Serving(tokio::task::JoinHandle<()>);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves `app` on `listener` until the returned handle is dropped.
pub fn serve(listener: tokio::net::TcpListener, app: Router) -> Serving {
    Serving(tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    }))
}

/// `localhost:PORT`, the domain Guildhall files a stand-in under, from its
/// base URL.
pub fn domain_of(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// `value` as an `application/activity+json` answer.
pub fn activity_json(value: Value) -> Response {
    (
        [("content-type", "application/activity+json")],
        value.to_string(),
    )
        .into_response()
}

/// An actor document in the shape Mastodon and Lemmy serve: `id` with
/// inbox, outbox and followers below it, the shared inbox if there is one,
/// and its public key as `{id}#main-key`.
pub fn actor_document(
    id: &str,
    kind: &str,
    name: &str,
    public_pem: &str,
    shared_inbox: Option<&str>,
) -> Value {
    let mut actor = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "type": kind,
        "id": id,
        "preferredUsername": name,
        "name": name,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
    });
    // Before the key, where these servers put it.
    if let Some(inbox) = shared_inbox {
        actor["endpoints"] = json!({ "sharedInbox": inbox });
    }
    actor["publicKey"] = json!({
        "id": format!("{id}#main-key"),
        "owner": id,
        "publicKeyPem": public_pem,
    });
    actor
}
