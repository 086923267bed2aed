//! Attestation keys (issue 5, first part): the instance actor publishes its
//! Ed25519 key as a Multikey under `assertionMethod` (FEP-521a); after a
//! rotation the new key signs and the old one stays listed as expired.

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
