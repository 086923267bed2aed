//! Reputation attestations across real instances: the keys the instance
//! actor publishes (FEP-521a), partners verifying, applying and refusing
//! attestations, and the verifier docs/ATTESTATIONS.md ships.

use guildhall_core::integrity::{self, Keypair, ProofOptions, PublicKey};
use guildhall_e2e::TestServer;
use serde_json::json;

#[tokio::test]
async fn the_instance_actor_lists_its_attestation_keys_across_a_rotation() {
    let server = TestServer::sqlite().await;
    let actor = server.fetch_ap("/actor").await;
    let id = actor["id"].as_str().unwrap().to_owned();
    let methods = actor["assertionMethod"].as_array().unwrap().clone();
    assert_eq!(methods.len(), 1, "{actor}");
    assert_eq!(methods[0]["type"], "Multikey");
    assert_eq!(methods[0]["controller"], id.as_str());
    assert!(
        methods[0]["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{id}#"))
    );
    assert!(methods[0].get("expires").is_none());
    let first = PublicKey::from_multibase(methods[0]["publicKeyMultibase"].as_str().unwrap())
        .expect("an Ed25519 Multikey");

    // What `guildhall admin attestation rotate-key` does, on the same database.
    let store = guildhall_db::Store::connect(&server.config.database.url, 1)
        .await
        .unwrap();
    let (new, old) = store
        .rotate_attestation_key(guildhall_federation::keys::generate_attestation_key)
        .await
        .unwrap();
    assert!(old.is_some());

    let actor = server.fetch_ap("/actor").await;
    let methods = actor["assertionMethod"].as_array().unwrap().clone();
    assert_eq!(methods.len(), 2, "{actor}");
    assert!(methods[0].get("expires").is_none(), "the signing key first");
    assert!(methods[1]["expires"].is_string(), "the old key, expired");
    assert_eq!(
        PublicKey::from_multibase(methods[1]["publicKeyMultibase"].as_str().unwrap()).unwrap(),
        first
    );

    // The published key verifies what the stored private key signs.
    let published =
        PublicKey::from_multibase(methods[0]["publicKeyMultibase"].as_str().unwrap()).unwrap();
    let signer = Keypair::from_multibase(&new.private_multibase).unwrap();
    let options = ProofOptions {
        verification_method: methods[0]["id"].as_str().unwrap().to_owned(),
        proof_purpose: "assertionMethod".into(),
        created: None,
        context: None,
    };
    let signed = integrity::sign(&json!({ "issuer": id }), &options, &signer).unwrap();
    assert_eq!(integrity::verify(&signed, &published), Ok(()));
    assert!(integrity::verify(&signed, &first).is_err());
    store.close().await;
}

use guildhall_core::attestation::{AttestedBadge, Claims};
use guildhall_core::reputation::Rules;
use guildhall_e2e::steps::{join_remote_group, partner};
use guildhall_e2e::{Api, eventually, remote};
use reqwest::StatusCode;
use serde_json::Value;

/// A's own keys, read from its database: what A signs activities and
/// attestations with. The test forges what A's software never would.
struct Issuer {
    actor: String,
    rsa: rsa::RsaPrivateKey,
    attestation_key: Keypair,
    key_id: String,
}

async fn issuer(a: &TestServer) -> Issuer {
    use rsa::pkcs8::DecodePrivateKey;
    let store = guildhall_db::Store::connect(&a.config.database.url, 1)
        .await
        .unwrap();
    let rsa_pem = store
        .instance_keys(|| unreachable!("A has its keys"))
        .await
        .unwrap()
        .private_key_pem;
    let key = store.attestation_keys().await.unwrap().remove(0);
    store.close().await;
    let actor = format!("http://{}/actor", a.domain());
    Issuer {
        key_id: format!("{actor}#ed25519-key-{}", key.id),
        actor,
        rsa: rsa::RsaPrivateKey::from_pkcs8_pem(&rsa_pem).unwrap(),
        attestation_key: Keypair::from_multibase(&key.private_multibase).unwrap(),
    }
}

impl Issuer {
    /// Offers `document` to `inbox` as A's instance actor, signed as A signs.
    async fn offer(&self, inbox: &str, document: &Value) -> (StatusCode, Value) {
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Offer",
            "id": format!("{}/forged/{}", self.actor, rand::random::<u64>()),
            "actor": self.actor,
            "object": document,
        });
        let body = serde_json::to_vec(&activity).unwrap();
        let headers = remote::sign(
            "post",
            inbox,
            &body,
            std::time::SystemTime::now(),
            &self.actor,
            &self.rsa,
        );
        let mut request = reqwest::Client::new()
            .post(inbox)
            .header("content-type", "application/activity+json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.body(body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// An attestation signed with A's real key, saying what the test likes.
    fn sign(&self, subject: &str, valid_from: &str, valid_until: &str) -> Value {
        let claims = Claims {
            issuer: self.actor.clone(),
            subject: subject.into(),
            points: 99_999,
            rank: "Legend".into(),
            trust_level: 4,
            badges: vec![AttestedBadge {
                name: "Forged".into(),
                tier: "gold".into(),
                awarded: valid_from.into(),
            }],
            groups: vec![],
            valid_from: valid_from.into(),
            valid_until: valid_until.into(),
        };
        guildhall_core::attestation::issue(
            &claims,
            &format!("{subject}/attestations/forged"),
            &format!("{}/ns/reputation/v1", self.actor.trim_end_matches("/actor")),
            &self.attestation_key,
            &self.key_id,
        )
        .unwrap()
    }
}

/// What `viewer`'s instance shows of a remote member's reputation.
/// Each term of the credential subject is defined by our JSON-LD context,
/// except those the credentials v2 context defines (and protects).
async fn every_term_is_defined(issuer: &TestServer, attestation: &Value) {
    let context = issuer.fetch_ap("/ns/reputation/v1").await;
    let defined = context["@context"].as_object().unwrap();
    let subject = &attestation["credentialSubject"];
    let mut terms: Vec<&String> = subject.as_object().unwrap().keys().collect();
    for list in ["badges", "groups"] {
        for item in subject[list].as_array().unwrap() {
            terms.extend(item.as_object().unwrap().keys());
        }
    }
    for term in terms {
        let from_credentials_v2 = ["id", "type", "name"].contains(&term.as_str());
        assert_ne!(
            defined.contains_key(term),
            from_credentials_v2,
            "{term} is defined by exactly one context"
        );
    }
}

async fn reputation_of(viewer: &Api, member: &str) -> Value {
    viewer
        .get(&format!("/users/{member}/reputation"))
        .await
        .expect(200)
}

/// None until the viewer's instance knows the member and holds one.
async fn attestation_status(viewer: &Api, member: &str) -> Option<String> {
    let r = viewer.get(&format!("/users/{member}/reputation")).await;
    r.body["attestations"][0]["status"]
        .as_str()
        .map(str::to_owned)
}

/// Joins a group of another instance, found by `!name@host`.
async fn join_remote(member: &Api, group: &str, host: &TestServer) -> String {
    join_remote_group(member, &format!("!{group}@{}", host.domain())).await
}

#[tokio::test]
async fn partners_verify_apply_and_refuse_attestations_across_three_instances() {
    let a = TestServer::sqlite_with(|c| c.reputation = Rules::default()).await;
    let a_domain = a.domain();
    // B trusts A at 0.5, up to TL2 (from its config); C has no policy for A.
    let b = TestServer::sqlite_with(|c| {
        c.reputation = Rules::default();
        c.federation.partners = vec![partner(&a_domain, 0.5, 2)];
    })
    .await;
    let c = TestServer::sqlite_with(|c| c.reputation = Rules::default()).await;

    // alice, A's admin, is a leader there: TL4.
    let alice = a.api().register("alice").await;
    alice
        .put("/admin/users/alice/leader", json!({ "leader": true }))
        .await
        .expect(200);
    // Her first thread earns her a badge, which the attestation lists.
    alice
        .post("/groups", json!({ "name": "news", "title": "News" }))
        .await
        .expect(201);
    alice
        .post(
            "/groups/news/threads",
            json!({ "title": "Launch day", "body": "We are live." }),
        )
        .await
        .expect(201);
    let served = a.fetch_ap("/u/alice").await;
    let link = served["attestation"].as_str().unwrap().to_owned();
    assert_eq!(link, format!("http://{a_domain}/u/alice/attestation"));
    let mine = a.fetch_ap("/u/alice/attestation").await;
    assert_eq!(mine["credentialSubject"]["trustLevel"], 4);
    assert_eq!(mine["issuer"], format!("http://{a_domain}/actor"));
    assert_eq!(
        mine["credentialSubject"]["badges"][0]["name"],
        "First thread"
    );
    every_term_is_defined(&a, &mine).await;

    // B: a restricted group (threads need TL2) with bob's thread in it.
    let bob = b.api().register("bob").await;
    bob.post("/groups", json!({ "name": "lounge", "title": "Lounge" }))
        .await
        .expect(201);
    bob.patch("/groups/lounge", json!({ "restricted": true }))
        .await
        .expect(200);
    bob.post(
        "/groups/lounge/threads",
        json!({ "title": "Welcome", "body": "Say hello." }),
    )
    .await
    .expect(201);
    let carol = c.api().register("carol").await;
    carol
        .post("/groups", json!({ "name": "plaza", "title": "Plaza" }))
        .await
        .expect(201);

    // alice joins both: A offers her attestation to each instance.
    let lounge = join_remote(&alice, "lounge", &b).await;
    join_remote(&alice, "plaza", &c).await;
    let alice_there = format!("alice@{a_domain}");
    eventually("B verifies alice's attestation", || async {
        (attestation_status(&bob, &alice_there).await.as_deref() == Some("verified")).then_some(())
    })
    .await;
    let seen = reputation_of(&bob, &alice_there).await;
    assert_eq!(seen["trust_level"], 2, "min(TL4 attested, TL2 cap): {seen}");
    let held = &seen["attestations"][0];
    assert_eq!(held["trust_level"], 4);
    assert_eq!(held["grants_trust_level"], 2);
    assert_eq!(held["issuer"], a_domain.as_str());
    assert!(
        held["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("at {a_domain}, 0 points, verified, valid until")),
        "{held}"
    );
    let profile = reqwest::get(b.url(&format!("/u/{alice_there}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(profile.contains("verified, valid until"), "{profile}");
    eventually("C shows it, unapplied", || async {
        (attestation_status(&carol, &alice_there).await.as_deref() == Some("unverified policy"))
            .then_some(())
    })
    .await;
    let on_c = reputation_of(&carol, &alice_there).await;
    assert_eq!(on_c["trust_level"], 0, "{on_c}");
    assert!(on_c["attestations"][0].get("grants_trust_level").is_none());

    // On B she may start a thread in the restricted group (TL2), and her
    // upvote weighs half: bob's thread earns 5 × 0.5 points.
    alice
        .post(
            &format!("/groups/{lounge}/threads"),
            json!({ "title": "Hello from A", "body": "Glad to be here." }),
        )
        .await
        .expect(201);
    eventually("alice's thread lands in B's restricted group", || async {
        let list = bob.get("/groups/lounge/threads?sort=new").await.body;
        list["threads"]
            .as_array()?
            .iter()
            .any(|t| t["title"] == "Hello from A")
            .then_some(())
    })
    .await;
    let welcome = eventually("bob's thread reaches A", || async {
        let list = alice
            .get(&format!("/groups/{lounge}/threads?sort=new"))
            .await
            .body;
        list["threads"]
            .as_array()?
            .iter()
            .find(|t| t["title"] == "Welcome")
            .map(|t| t["id"].as_i64().unwrap())
    })
    .await;
    alice
        .put(&format!("/threads/{welcome}/vote"), json!({ "value": 1 }))
        .await
        .expect(200);
    eventually("alice's vote earns bob half of 5 points", || async {
        (reputation_of(&bob, "bob").await["points"] == 2).then_some(())
    })
    .await;

    // Forged offers, signed with A's real keys, are each refused with the
    // reason, and change nothing.
    let a_keys = issuer(&a).await;
    let inbox = format!("{}/inbox", b.url(""));
    let before = reputation_of(&bob, &alice_there).await;
    let mut tampered = a.fetch_ap("/u/alice/attestation").await;
    tampered["credentialSubject"]["reputationPoints"] = json!(1_000_000);
    let carol_id = format!("http://{}/u/carol", c.domain());
    let now = chrono::Utc::now();
    let rfc =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let day = chrono::Duration::days(1);
    let alice_id = format!("http://{a_domain}/u/alice");
    for (forged, reason) in [
        (tampered, "proof"),
        (
            a_keys.sign(&carol_id, &rfc(now - day), &rfc(now + day)),
            "may only attest its own members",
        ),
        (
            a_keys.sign(&alice_id, &rfc(now - day * 40), &rfc(now - day * 10)),
            "expired",
        ),
    ] {
        let (status, body) = a_keys.offer(&inbox, &forged).await;
        assert_eq!(status, 422, "{reason}: {body}");
        let message = body["detail"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{reason}: {body}");
    }
    assert_eq!(reputation_of(&bob, &alice_there).await, before);

    // A rotates its key: the old attestation is refused as signed by an
    // expired key, and the new one A offers through its queue verifies.
    let old = a.fetch_ap("/u/alice/attestation").await;
    let store = guildhall_db::Store::connect(&a.config.database.url, 1)
        .await
        .unwrap();
    store
        .rotate_attestation_key(guildhall_federation::keys::generate_attestation_key)
        .await
        .unwrap();
    store.close().await;
    let new = a.fetch_ap("/u/alice/attestation").await;
    assert_ne!(new["id"], old["id"], "re-issued under the new key");
    assert_ne!(
        new["proof"]["verificationMethod"],
        old["proof"]["verificationMethod"]
    );
    let (status, body) = a_keys.offer(&inbox, &old).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("which expired at"),
        "{body}"
    );
    alice
        .put(&format!("/threads/{welcome}/vote"), json!({ "value": -1 }))
        .await
        .expect(200);
    eventually(
        "B holds the attestation signed with the new key",
        || async {
            let r = reputation_of(&bob, &alice_there).await;
            (r["attestations"][0]["id"] == new["id"]).then_some(())
        },
    )
    .await;

    // A withdraws it: the revocation reaches B, which stops honouring it,
    // and refuses it if offered again; A serves it as gone.
    alice
        .delete_with(
            "/admin/users/alice/attestation",
            json!({ "reason": "checking revocation" }),
        )
        .await
        .expect(200);
    eventually("B hears of the revocation", || async {
        (attestation_status(&bob, &alice_there).await.as_deref() == Some("revoked")).then_some(())
    })
    .await;
    assert_eq!(reputation_of(&bob, &alice_there).await["trust_level"], 1);
    let (status, body) = a_keys.offer(&inbox, &new).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("revoked"),
        "{body}"
    );
    // C never heard of this one: it asks A (a signed fetch of its id), which
    // answers 410, and refuses it.
    let (status, body) = a_keys.offer(&format!("{}/inbox", c.url("")), &new).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("revoked by its issuer"),
        "{body}"
    );
    let gone = reqwest::Client::new()
        .get(new["id"].as_str().unwrap())
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
}

/// The outsider's verifier in docs/ (Python's standard library and the
/// `openssl` command, nothing of ours) accepts what an instance issues,
/// refuses it once changed or withdrawn, and checks the W3C example.
#[tokio::test]
async fn the_documented_verifier_checks_a_live_attestation() {
    let a = TestServer::sqlite().await;
    let alice = a.api().register("alice").await; // the first account: admin
    let url = a.url("/u/alice/attestation");
    let (ok, out) = verify_with_docs_script(vec![url.clone()]).await;
    assert!(ok && out.ends_with("VERIFIED\n"), "{out}");

    let saved = tempfile::tempdir().unwrap();
    let path = |name: &str| saved.path().join(name).display().to_string();
    let mut document = a.fetch_ap("/u/alice/attestation").await;
    std::fs::write(path("mine.json"), document.to_string()).unwrap();
    document["credentialSubject"]["reputationPoints"] = json!(1_000);
    std::fs::write(path("tampered.json"), document.to_string()).unwrap();
    let (ok, out) = verify_with_docs_script(vec![path("tampered.json")]).await;
    assert!(
        !ok && out.contains("REJECTED: the proof does not verify"),
        "{out}"
    );

    alice
        .delete_with(
            "/admin/users/alice/attestation",
            json!({ "reason": "testing the verifier" }),
        )
        .await
        .expect(200);
    let (ok, out) = verify_with_docs_script(vec![path("mine.json")]).await;
    assert!(!ok && out.contains("REJECTED: it was revoked"), "{out}");

    let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/data/w3c-vc-di-eddsa");
    let w3c_key = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    let (ok, out) = verify_with_docs_script(vec![
        format!("{vectors}/signedJCS.json"),
        "--key".into(),
        w3c_key.into(),
    ])
    .await;
    assert!(ok && out.ends_with("VERIFIED\n"), "{out}");
}

/// Runs docs/verify-attestation.py off the runtime (the servers it asks
/// run on this test's thread); whether it said VERIFIED, and its output.
async fn verify_with_docs_script(args: Vec<String>) -> (bool, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/verify-attestation.py");
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new("python3")
            .arg(script)
            .args(&args)
            .output()
            .expect("python3 runs (the docs' verifier needs it)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    })
    .await
    .unwrap()
}

/// A member's attestation re-issued at home (here: an admin makes her a
/// leader) reaches the partners that hold the old one by the periodic
/// renewal, without her taking part there again.
#[tokio::test]
async fn a_changed_attestation_is_renewed_at_its_holders() {
    let a = TestServer::sqlite_with(|c| {
        c.reputation = Rules::default();
        c.federation.attestation_renewal_minutes = 0.005; // 0.3 s
    })
    .await;
    let a_domain = a.domain();
    let b = TestServer::sqlite_with(|c| {
        c.reputation = Rules::default();
        c.federation.partners = vec![partner(&a_domain, 1.0, 4)];
    })
    .await;
    let alice = a.api().register("alice").await;
    let bob = b.api().register("bob").await;
    bob.post("/groups", json!({ "name": "lounge", "title": "Lounge" }))
        .await
        .expect(201);
    join_remote(&alice, "lounge", &b).await;
    let alice_there = format!("alice@{a_domain}");
    let first = eventually("B holds alice's attestation", || async {
        let seen = bob.get(&format!("/users/{alice_there}/reputation")).await;
        let held = seen.body["attestations"][0].clone();
        (held["status"] == "verified").then_some(held)
    })
    .await;
    assert_eq!(first["trust_level"], 0, "{first}");

    alice
        .put("/admin/users/alice/leader", json!({ "leader": true }))
        .await
        .expect(200);
    let renewed = eventually("the renewal reaches B", || async {
        let seen = reputation_of(&bob, &alice_there).await;
        (seen["trust_level"] == 4).then_some(seen)
    })
    .await;
    let held = &renewed["attestations"][0];
    assert_eq!(held["trust_level"], 4, "{renewed}");
    assert_ne!(held["id"], first["id"], "a new attestation: {renewed}");

    // Nothing changed since: later renewals offer nothing new.
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let again = reputation_of(&bob, &alice_there).await;
    assert_eq!(again["attestations"][0]["id"], held["id"]);
}
