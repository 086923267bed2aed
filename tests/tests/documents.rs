//! Every ActivityPub document Guildhall serves or sends, pinned byte for
//! byte in `tests/snapshots/documents.txt`: actors, posts, tombstones and
//! collections as fetched, and each kind of activity as a remote server
//! receives it (Follow, Undo, Accept, Create, Update, Delete, a moderator's
//! Delete, Like, Dislike, their Undo, the group's Announce of each, the bare
//! Announce(Page), an attestation Offer and its revocation).
//!
//! What differs from run to run is written as a placeholder: the two
//! servers' host:port (`SERVER`, `REMOTE`), activity tokens (`TOKEN`),
//! timestamps (`TIME`) and key material (`KEY`). Everything else, field
//! order included, must stay as it is; a change shows as a diff against the
//! file. `GUILDHALL_UPDATE_SNAPSHOTS=1` rewrites the file after a change
//! made on purpose.

use guildhall_e2e::remote::Remote;
use guildhall_e2e::snapshot;
use guildhall_e2e::steps::{
    first_thread, followed_group, join_remote_group, partner, post_reply, post_thread,
    served_paths, until_accepted,
};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Strings that differ from run to run, as placeholders.
struct Placeholders {
    server: String,
    remote: String,
}

impl Placeholders {
    fn value(&self, key: Option<&str>, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(key, s)),
            Value::Array(items) => items.iter().map(|i| self.value(None, i)).collect(),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), self.value(Some(k), v));
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    fn text(&self, key: Option<&str>, s: &str) -> String {
        if matches!(
            key,
            Some("publicKeyPem" | "publicKeyMultibase" | "proofValue")
        ) {
            return "KEY".into();
        }
        if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
            return "TIME".into();
        }
        let s = s
            .replace(&self.server, "SERVER")
            .replace(&self.remote, "REMOTE");
        tokens_out(&s)
    }
}

/// Runs of exactly 32 hex digits (activity tokens) as `TOKEN`.
fn tokens_out(s: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() == 32 {
            out.push_str("TOKEN");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// What a received activity is, for its line in the file.
fn shape(v: &Value) -> String {
    let kind = v["type"].as_str().unwrap_or("?");
    match &v["object"] {
        Value::Object(_) => format!("{kind}({})", shape(&v["object"])),
        _ => kind.to_owned(),
    }
}

/// Waits until nothing more is on its way to `remote`: the queue is empty
/// and no new delivery came for a second.
async fn settled(admin: &Api, remote: &Remote) {
    let mut seen = usize::MAX;
    loop {
        let domain = remote.domain();
        eventually("the queue drains", || async {
            let list = admin.get("/admin/federation/instances").await.expect(200);
            list["instances"]
                .as_array()?
                .iter()
                .find(|i| i["domain"] == domain)
                .filter(|i| i["queued"] == 0)
                .map(|_| ())
        })
        .await;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let now = remote.received().len();
        if now == seen {
            return;
        }
        seen = now;
    }
}

#[tokio::test]
async fn every_emitted_document_stays_byte_for_byte_the_same() {
    let remote = Remote::start().await;
    let remote_domain = remote.domain();
    // The stand-in is a partner, so bob's attestation is offered there.
    let server = TestServer::sqlite_with(|c| {
        c.federation.partners = vec![partner(&remote_domain, 0.5, 2)];
    })
    .await;

    // Our group, followed from the stand-in, with content of every kind.
    let ann = followed_group(&server, &remote).await;
    let thread = post_thread(&ann, "support", "Printer jams", "Duplex jobs **jam**.").await;
    let bob = server.api().register("bob").await;
    let reply = post_reply(&bob, thread, "Which model?").await;
    let removed = post_reply(&bob, thread, "Off topic.").await;
    // The Creates go out before the edits below: each event is expanded
    // from the post as it is then, so an edit racing a Create's expansion
    // would change what the Create carries.
    settled(&ann, &remote).await;
    bob.put(&format!("/threads/{thread}/vote"), json!({ "value": 1 }))
        .await
        .expect(200);
    bob.delete(&format!("/threads/{thread}/vote"))
        .await
        .expect(200);
    ann.put(&format!("/replies/{reply}/vote"), json!({ "value": -1 }))
        .await
        .expect(200);
    ann.patch(
        &format!("/threads/{thread}"),
        json!({ "title": "Printer jams (duplex)" }),
    )
    .await
    .expect(200);
    bob.patch(
        &format!("/replies/{reply}"),
        json!({ "body": "Which one?" }),
    )
    .await
    .expect(200);
    // Each event is expanded from the post as it is then: let the Create
    // and Update go out before the next change, so what they carry is fixed.
    settled(&ann, &remote).await;
    // The admin removes bob's reply: a moderator's Delete.
    ann.delete(&format!("/replies/{removed}")).await.expect(204);
    let gone = post_thread(&ann, "support", "Wrong group", "Oops.").await;
    settled(&ann, &remote).await;
    ann.delete(&format!("/threads/{gone}")).await.expect(204);
    settled(&ann, &remote).await;

    // bob in the stand-in's community: a Follow (and his attestation
    // Offer), a reply, its edit and deletion, a vote and its Undo, leaving.
    let community = join_remote_group(&bob, &format!("!lemmy_group@{remote_domain}")).await;
    until_accepted(&bob, &community).await;
    let announced = remote.fixture("lemmy_announce_create_page", &server, 0, 0);
    let (status, body) = remote.send(&server.url("/inbox"), &announced).await;
    assert_eq!(status, 202, "{body}");
    let page = first_thread(&bob, &community).await;
    let answer = post_reply(&bob, page, "The Brother ones work with CUPS.").await;
    settled(&ann, &remote).await;
    bob.patch(
        &format!("/replies/{answer}"),
        json!({ "body": "The Brother ones work." }),
    )
    .await
    .expect(200);
    settled(&ann, &remote).await;
    bob.delete(&format!("/replies/{answer}")).await.expect(204);
    bob.put(&format!("/threads/{page}/vote"), json!({ "value": -1 }))
        .await
        .expect(200);
    bob.delete(&format!("/threads/{page}/vote"))
        .await
        .expect(200);
    settled(&ann, &remote).await;
    bob.post(&format!("/groups/{community}/leave"), json!({}))
        .await
        .expect(200);
    ann.delete_with(
        "/admin/users/bob/attestation",
        json!({ "reason": "pinning the revocation" }),
    )
    .await
    .expect(200);
    settled(&ann, &remote).await;

    let placeholders = Placeholders {
        server: server.domain(),
        remote: remote_domain.clone(),
    };
    let mut lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pin = |name: String, doc: &Value| {
        let doc = placeholders.value(None, doc).to_string();
        lines.entry(name).or_default().push(doc);
    };
    for path in served_paths("bob", thread, &[reply, removed], gone) {
        pin(format!("GET {path}"), &server.fetch_ap(&path).await);
    }
    for r in remote.received() {
        pin(format!("POST {} {}", r.path, shape(&r.body)), &r.body);
    }
    let mut text = String::new();
    for (name, mut docs) in lines {
        // Deliveries of one shape to one inbox may come in any order.
        docs.sort();
        for doc in docs {
            text.push_str(&format!("{name}\n{doc}\n\n"));
        }
    }

    snapshot::check("documents.txt", &text, "what was emitted");
}
