//! Every JSON-LD document Guildhall serves or sends, expanded by a real
//! JSON-LD processor (pyld, through `tests/jsonld/check_terms.py`): a term
//! its `@context` does not define is lost to readers that process JSON-LD
//! (Fedify, and anything checking Data Integrity proofs), so any such term
//! fails the test. Remote contexts come from `tests/data/jsonld-contexts/`;
//! nothing is fetched from outside.
//!
//! The processor runs under `GUILDHALL_JSONLD_PYTHON` (`.ci/run` makes a
//! virtualenv with pyld and sets it), else `python3` if it has pyld. Without
//! one the test says SKIPPED, except under CI, where it fails.

use guildhall_e2e::remote::Remote;
use guildhall_e2e::steps::{
    followed_group, join_remote_group, post_reply, post_thread, served_paths,
};
use guildhall_e2e::{TestServer, eventually};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The remote contexts our documents name, and their local copies.
const CONTEXTS: [(&str, &str); 7] = [
    ("https://www.w3.org/ns/activitystreams", "activitystreams"),
    ("https://w3id.org/security/v1", "security-v1"),
    (
        "https://w3id.org/security/data-integrity/v2",
        "security-data-integrity-v2",
    ),
    (
        "https://w3id.org/security/multikey/v1",
        "security-multikey-v1",
    ),
    ("https://www.w3.org/ns/did/v1", "did-v1"),
    ("https://www.w3.org/ns/credentials/v2", "credentials-v2"),
    // An Accept embeds the follower's Follow as sent, Lemmy's context and all.
    ("https://join-lemmy.org/context.json", "join-lemmy"),
];

/// A Python with pyld, or why there is none.
fn python() -> Result<String, String> {
    let candidates = match std::env::var("GUILDHALL_JSONLD_PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec!["python3".to_owned()],
    };
    for python in &candidates {
        let ok = Command::new(python)
            .args(["-c", "import pyld"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Ok(python.clone());
        }
    }
    Err(format!(
        "no Python with pyld ({}); .ci/run installs it in a virtualenv",
        candidates.join(", ")
    ))
}

#[tokio::test]
async fn every_emitted_document_keeps_every_term() {
    let python = match python() {
        Ok(p) => p,
        Err(why) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED every_emitted_document_keeps_every_term: {why}");
            println!("SKIPPED every_emitted_document_keeps_every_term: {why}");
            return;
        }
        Err(why) => panic!("{why}"),
    };
    let server = TestServer::sqlite().await;
    let mut docs: BTreeMap<String, Value> = BTreeMap::new();

    // Content of every kind: a group, threads, a reply, a vote, an edit,
    // a deletion, and followers on another server to send them to.
    let remote = Remote::start().await;
    let ann = followed_group(&server, &remote).await;
    let thread = post_thread(&ann, "support", "Printer jams", "Duplex jobs **jam**.").await;
    let bob = server.api().register("bob").await;
    let reply = post_reply(&bob, thread, "Which model?").await;
    bob.put(&format!("/threads/{thread}/vote"), json!({ "value": 1 }))
        .await
        .expect(200);
    ann.patch(
        &format!("/threads/{thread}"),
        json!({ "title": "Printer jams (duplex)" }),
    )
    .await
    .expect(200);
    let gone = post_thread(&ann, "support", "Wrong group", "Oops.").await;
    ann.delete(&format!("/threads/{gone}")).await.expect(204);
    // bob follows a group elsewhere (a Follow, perhaps an attestation Offer).
    join_remote_group(&bob, &format!("!lemmy_group@{}", remote.domain())).await;

    // What we serve.
    for path in served_paths("ann", thread, &[reply], gone) {
        docs.insert(format!("GET {path}"), server.fetch_ap(&path).await);
    }
    // A solved question and a staged, merged idea, with their groups.
    for (name, kind) in [("help", "questions"), ("ideas", "ideas")] {
        ann.post(
            "/groups",
            json!({"name": name, "title": name, "kind": kind}),
        )
        .await
        .expect(201);
    }
    let question = post_thread(&ann, "help", "Wifi drops", "Every hour.").await;
    let answer = post_reply(&bob, question, "Update the firmware.").await;
    ann.put(
        &format!("/threads/{question}/answer"),
        json!({"reply_id": answer}),
    )
    .await
    .expect(200);
    let idea = post_thread(&ann, "ideas", "Dark mode", "Please.").await;
    let again = post_thread(&bob, "ideas", "Night mode", "Please.").await;
    ann.put(
        &format!("/threads/{idea}/status"),
        json!({"status": "planned", "response": "In May."}),
    )
    .await
    .expect(200);
    ann.post(&format!("/threads/{again}/merge"), json!({"into": idea}))
        .await
        .expect(200);
    for path in [
        "/g/help".to_owned(),
        "/g/ideas".to_owned(),
        format!("/t/{question}"),
        format!("/t/{idea}"),
        format!("/t/{again}"),
    ] {
        docs.insert(format!("GET {path}"), server.fetch_ap(&path).await);
    }
    // What we send: the Accept, Announces of each change, the Follow.
    let kinds = ["Accept", "Follow", "Announce"];
    eventually("the group's activities reach the follower", || async {
        let got = remote.received();
        let announces = got.iter().filter(|r| r.body["type"] == "Announce").count();
        (kinds
            .iter()
            .all(|k| got.iter().any(|r| r.body["type"] == *k))
            && announces >= 5)
            .then_some(())
    })
    .await;
    for (i, r) in remote.received().into_iter().enumerate() {
        let inner = &r.body["object"]["type"];
        let name = format!("POST {i} {} {}", r.body["type"], inner);
        docs.insert(name.replace('"', ""), r.body);
    }
    assert!(
        docs.keys()
            .any(|k| k.contains("Tombstone") || k.contains("Delete"))
    );

    let dir = tempfile::tempdir().unwrap();
    let mut contexts: BTreeMap<String, PathBuf> = CONTEXTS
        .iter()
        .map(|(url, file)| (url.to_string(), data_dir().join(format!("{file}.jsonld"))))
        .collect();
    // Our own reputation context, as served.
    let ours = dir.path().join("reputation-v1.jsonld");
    let served = server.fetch_ap("/ns/reputation/v1").await;
    std::fs::write(&ours, served.to_string()).unwrap();
    contexts.insert(format!("http://{}/ns/reputation/v1", server.domain()), ours);
    let mut documents = BTreeMap::new();
    for (i, (name, doc)) in docs.iter().enumerate() {
        let file = dir.path().join(format!("{i}.json"));
        std::fs::write(&file, doc.to_string()).unwrap();
        documents.insert(name.clone(), file);
    }
    let manifest = dir.path().join("manifest.json");
    std::fs::write(
        &manifest,
        json!({ "contexts": contexts, "documents": documents }).to_string(),
    )
    .unwrap();
    let out = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("jsonld/check_terms.py"))
        .arg(&manifest)
        .output()
        .expect("the checker runs");
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    assert!(
        out.status.success(),
        "terms a JSON-LD processor drops:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains(&format!("{} passed, 0 failed", docs.len())));
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/jsonld-contexts")
}
