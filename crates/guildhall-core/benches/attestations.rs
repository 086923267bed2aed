//! Attestations verified per second on one core: the full offline check a
//! receiving instance makes (shape, subject on the issuer's domain, key on
//! the issuer's actor, time window, JCS + SHA-256 + Ed25519 proof) of a
//! realistic attestation (5 badges, 5 groups), with the issuer's key already
//! parsed as it is once fetched; also with the JSON parse, and each step
//! alone. Prints figures; `cargo bench -p guildhall-core --bench
//! attestations` (see docs/performance.md).

use guildhall_core::attestation::{self, AttestedBadge, Claims};
use guildhall_core::integrity::{self, Keypair};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let claims = Claims {
        issuer: "https://brand-a.example/actor".into(),
        subject: "https://brand-a.example/u/alice".into(),
        points: 1240,
        rank: "Expert".into(),
        trust_level: 3,
        badges: (0..5)
            .map(|i| AttestedBadge {
                name: format!("badge-{i}"),
                tier: "bronze".into(),
                awarded: "2026-03-01T10:00:00Z".into(),
            })
            .collect(),
        groups: (0..5)
            .map(|i| (format!("https://brand-a.example/g/group-{i}"), 200 + i))
            .collect(),
        valid_from: "2026-11-23T00:00:00Z".into(),
        valid_until: "2026-12-23T00:00:00Z".into(),
    };
    let key = Keypair::from_seed([7; 32]);
    let doc = attestation::issue(
        &claims,
        "https://brand-a.example/u/alice/attestations/1",
        "https://brand-a.example/ns/reputation/v1",
        &key,
        "https://brand-a.example/actor#ed25519-key-1",
    )
    .expect("issue");
    let public = key.public();
    let now = "2026-11-24T12:00:00Z";
    // Also from the wire: parsing the JSON is part of a receiver's work.
    let wire = serde_json::to_vec(&doc).expect("serialize");
    println!("attestation: {} bytes", wire.len());

    // Where the time goes: each step alone.
    let steps = 20_000;
    let time_of = |what: &str, f: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..steps {
            f();
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / steps as f64;
        println!("  {what}: {us:.1} µs");
    };
    let options = integrity::eddsa_jcs::proof_of(&doc).expect("proof").clone();
    let mut unsigned = doc.clone();
    unsigned.as_object_mut().expect("object").remove("proof");
    let mut options = serde_json::Value::Object(options);
    options
        .as_object_mut()
        .expect("object")
        .remove("proofValue");
    let message = integrity::eddsa_jcs::hash_data(&unsigned, &options);
    let signature = key.sign(&message);
    time_of("parse JSON", &|| {
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(&wire)).expect("parse"));
    });
    time_of("JCS + SHA-256 of document and proof options", &|| {
        black_box(integrity::eddsa_jcs::hash_data(
            black_box(&unsigned),
            &options,
        ));
    });
    time_of("Ed25519 verification (strict)", &|| {
        public
            .verify(black_box(&message), &signature)
            .expect("verifies");
    });

    // What a receiver does per attestation once the activity carrying it is
    // parsed (the inbox parses the whole Offer anyway), and the same with
    // the parse of the document from bytes, for comparison.
    for run in 1..=3 {
        let n = 50_000;
        let start = Instant::now();
        for _ in 0..n {
            attestation::check(black_box(&doc), &public, now).expect("valid");
        }
        let verify = start.elapsed().as_secs_f64();
        let start = Instant::now();
        for _ in 0..n {
            let doc: serde_json::Value = serde_json::from_slice(black_box(&wire)).expect("parse");
            attestation::check(&doc, &public, now).expect("valid");
        }
        let with_parse = start.elapsed().as_secs_f64();
        println!(
            "run {run}: {n} verified in {verify:.2} s: {:.0}/s on one core ({:.1} µs each); \
             parsed from bytes and verified: {:.0}/s ({:.1} µs each)",
            n as f64 / verify,
            verify * 1e6 / n as f64,
            n as f64 / with_parse,
            with_parse * 1e6 / n as f64,
        );
    }
}
