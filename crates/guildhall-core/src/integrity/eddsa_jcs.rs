//! The `eddsa-jcs-2022` cryptosuite of W3C "Data Integrity EdDSA
//! Cryptosuites v1.0", as FEP-8b32 uses it:
//!
//! 1. the document without its `proof`, and the proof options without
//!    `proofValue`, are each canonicalized with JCS (RFC 8785);
//! 2. the data signed is SHA-256(options) followed by SHA-256(document);
//! 3. `proofValue` is the Ed25519 signature as multibase base58btc.

use super::ProofError;
use super::multikey::{Keypair, PublicKey, from_multibase, multibase};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const PROOF_TYPE: &str = "DataIntegrityProof";
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// What a proof says besides its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofOptions {
    /// The key's id, e.g. `https://a.example/actor#ed25519-key`.
    pub verification_method: String,
    /// `assertionMethod` for attestations.
    pub proof_purpose: String,
    /// RFC 3339, e.g. `2026-11-23T10:00:00Z`.
    pub created: Option<String>,
    /// `None` copies the document's, as the suite asks.
    pub context: Option<Value>,
}

impl ProofOptions {
    fn to_json(&self) -> Value {
        let mut proof = Map::new();
        proof.insert("type".into(), PROOF_TYPE.into());
        proof.insert("cryptosuite".into(), CRYPTOSUITE.into());
        if let Some(created) = &self.created {
            proof.insert("created".into(), created.clone().into());
        }
        proof.insert(
            "verificationMethod".into(),
            self.verification_method.clone().into(),
        );
        proof.insert("proofPurpose".into(), self.proof_purpose.clone().into());
        if let Some(context) = &self.context {
            proof.insert("@context".into(), context.clone());
        }
        Value::Object(proof)
    }
}

/// RFC 8785 canonical JSON, by `serde_json_canonicalizer`: the reference.
pub fn canonical(value: &impl Serialize) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).expect("a serde_json Value always serializes")
}

/// RFC 8785 canonical JSON of a document whose numbers are all integers
/// within ±2^53 (as every attestation's are), faster than [`canonical`]:
/// members in JCS order, written by serde_json, whose compact output of
/// strings and such integers is byte for byte what JCS asks (the escapes of
/// ECMAScript's JSON.stringify, integers in plain digits). `None` for any
/// other number, which [`canonical`] then formats as an IEEE double.
///
/// [`canonical`] spends most of its time re-parsing every member name to
/// sort it; this halves the cost of verifying an attestation's proof, and
/// the tests hold the two to the same bytes.
pub fn canonical_fast(value: &Value) -> Option<Vec<u8>> {
    fast(&Sorted(value))
}

fn fast(value: &(impl Serialize + Plain)) -> Option<Vec<u8>> {
    if !value.plain() {
        return None;
    }
    let mut out = Vec::with_capacity(2048);
    serde_json::to_writer(&mut out, value).ok()?;
    Some(out)
}

/// Whether every number in a document is an integer a double holds exactly.
trait Plain {
    fn plain(&self) -> bool;
}

impl Plain for Value {
    fn plain(&self) -> bool {
        const EXACT: u64 = 1 << 53;
        match self {
            Value::Number(n) => {
                n.as_u64().is_some_and(|n| n <= EXACT)
                    || n.as_i64().is_some_and(|n| n.unsigned_abs() <= EXACT)
            }
            Value::Array(items) => items.iter().all(Plain::plain),
            Value::Object(fields) => fields.values().all(Plain::plain),
            _ => true,
        }
    }
}

impl Plain for Sorted<'_> {
    fn plain(&self) -> bool {
        self.0.plain()
    }
}

/// Members in JCS order: by their names' UTF-16 code units.
fn sorted<'a>(fields: impl Iterator<Item = (&'a str, &'a Value)>) -> Vec<(&'a str, &'a Value)> {
    let mut fields: Vec<_> = fields.collect();
    fields.sort_unstable_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
    fields
}

/// A value serialized with every object's members in JCS order.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(fields) => {
                let fields = sorted(fields.iter().map(|(k, v)| (k.as_str(), v)));
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, &Sorted(v))?;
                }
                map.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Sorted)),
            other => other.serialize(serializer),
        }
    }
}

/// A JSON object as the proof sees it, without copying it: one member left
/// out (`proof`, or `proofValue`), and `@context` replaced when given.
/// Serialized with its members in JCS order.
struct View<'a> {
    fields: &'a Map<String, Value>,
    without: &'a str,
    context: Option<&'a Value>,
}

impl View<'_> {
    fn members(&self) -> impl Iterator<Item = (&str, &Value)> {
        let replaced = |k: &str| k == self.without || (self.context.is_some() && k == "@context");
        self.fields
            .iter()
            .filter(move |(k, _)| !replaced(k))
            .map(|(k, v)| (k.as_str(), v))
            .chain(self.context.map(|c| ("@context", c)))
    }
}

impl Plain for View<'_> {
    fn plain(&self) -> bool {
        self.members().all(|(_, v)| v.plain())
    }
}

impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = sorted(self.members());
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (k, v) in fields {
            map.serialize_entry(k, &Sorted(v))?;
        }
        map.end()
    }
}

/// SHA-256 of a document's canonical form.
fn canonical_hash(value: &(impl Serialize + Plain)) -> [u8; 32] {
    let bytes = fast(value).unwrap_or_else(|| canonical(value));
    Sha256::digest(bytes).into()
}

/// The bytes signed: SHA-256 of the canonical proof options, then of the
/// canonical document.
pub fn hash_data(document: &Value, proof_options: &Value) -> [u8; 64] {
    hash_both(&Sorted(document), &Sorted(proof_options))
}

fn hash_both(
    document: &(impl Serialize + Plain),
    proof_options: &(impl Serialize + Plain),
) -> [u8; 64] {
    let mut data = [0u8; 64];
    data[..32].copy_from_slice(&canonical_hash(proof_options));
    data[32..].copy_from_slice(&canonical_hash(document));
    data
}

/// `document` (an object without a `proof`) with a proof added.
pub fn sign(document: &Value, options: &ProofOptions, key: &Keypair) -> Result<Value, ProofError> {
    let Value::Object(fields) = document else {
        return Err(ProofError::NotAnObject);
    };
    let mut unsecured = fields.clone();
    unsecured.remove("proof");
    let unsecured = Value::Object(unsecured);
    // The suite copies the document's @context into the proof.
    let options = ProofOptions {
        context: options
            .context
            .clone()
            .or_else(|| fields.get("@context").cloned()),
        ..options.clone()
    };
    let mut proof = options.to_json();
    let signature = key.sign(&hash_data(&unsecured, &proof));
    proof["proofValue"] = multibase(&signature).into();
    let mut secured = fields.clone();
    secured.insert("proof".into(), proof);
    Ok(Value::Object(secured))
}

/// The proof of a secured document, checked for its suite: what a verifier
/// reads to find the key (`verificationMethod`) before calling [`verify`].
pub fn proof_of(secured: &Value) -> Result<&Map<String, Value>, ProofError> {
    let proof = secured
        .as_object()
        .ok_or(ProofError::NotAnObject)?
        .get("proof")
        .ok_or(ProofError::NoProof)?
        .as_object()
        .ok_or(ProofError::NoProof)?;
    if proof.get("type").and_then(Value::as_str) != Some(PROOF_TYPE)
        || proof.get("cryptosuite").and_then(Value::as_str) != Some(CRYPTOSUITE)
    {
        return Err(ProofError::WrongSuite);
    }
    Ok(proof)
}

/// Verifies a secured document's proof with `key`: the key the caller
/// found, and trusts, for the proof's `verificationMethod`.
pub fn verify(secured: &Value, key: &PublicKey) -> Result<(), ProofError> {
    let proof = proof_of(secured)?;
    let signature = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .and_then(from_multibase)
        .ok_or(ProofError::BadProofValue)?;
    let fields = secured.as_object().ok_or(ProofError::NotAnObject)?;
    // The proof's @context, when given, must open the document's, in order;
    // the document is then hashed with the proof's.
    let proof_context = proof.get("@context");
    if let Some(wanted) = proof_context {
        fn listed(v: &Value) -> &[Value] {
            match v {
                Value::Array(items) => items,
                other => std::slice::from_ref(other),
            }
        }
        let document_context = fields.get("@context").map(listed).unwrap_or_default();
        if !document_context.starts_with(listed(wanted)) {
            return Err(ProofError::ContextMismatch);
        }
    }
    let unsecured = View {
        fields,
        without: "proof",
        context: proof_context,
    };
    // The proof options carry the (unsecured) document's @context: the
    // proof's own when it has one, else the document's.
    let options = View {
        fields: proof,
        without: "proofValue",
        context: proof_context.or(fields.get("@context")),
    };
    key.verify(&hash_both(&unsecured, &options), &signature)
}

#[cfg(test)]
mod tests {
    //! The W3C Recommendation's test vectors (tests/data/w3c-vc-di-eddsa).

    use super::*;

    const DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/w3c-vc-di-eddsa/"
    );

    fn text(name: &str) -> String {
        std::fs::read_to_string(format!("{DIR}{name}"))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .trim()
            .to_owned()
    }

    fn json(name: &str) -> Value {
        serde_json::from_str(&text(name)).unwrap()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn keypair() -> Keypair {
        Keypair::from_multibase(
            json("keyPair.json")["privateKeyMultibase"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
    }

    fn options() -> ProofOptions {
        let config = json("proofConfigJCS.json");
        let s = |k: &str| config[k].as_str().unwrap().to_owned();
        ProofOptions {
            verification_method: s("verificationMethod"),
            proof_purpose: s("proofPurpose"),
            created: Some(s("created")),
            context: Some(config["@context"].clone()),
        }
    }

    #[test]
    fn the_key_pair_round_trips() {
        let keys = json("keyPair.json");
        let pair = keypair();
        assert_eq!(pair.public().to_multibase(), keys["publicKeyMultibase"]);
        assert_eq!(pair.to_multibase(), keys["privateKeyMultibase"]);
    }

    #[test]
    fn signing_reproduces_every_intermediate_and_the_proof_value() {
        let document = json("unsigned.json");
        let proof_config = json("proofConfigJCS.json");
        assert_eq!(options().to_json(), proof_config);
        assert_eq!(
            String::from_utf8(canonical(&document)).unwrap(),
            text("canonDocJCS.txt")
        );
        assert_eq!(
            String::from_utf8(canonical(&proof_config)).unwrap(),
            text("proofCanonJCS.txt")
        );
        assert_eq!(
            hex(&Sha256::digest(canonical(&document))),
            text("docHashJCS.txt")
        );
        assert_eq!(
            hex(&Sha256::digest(canonical(&proof_config))),
            text("proofHashJCS.txt")
        );
        let data = hash_data(&document, &proof_config);
        assert_eq!(hex(&data), text("combinedHashJCS.txt"));
        assert_eq!(hex(&keypair().sign(&data)), text("sigHexJCS.txt"));
        let signed = sign(&document, &options(), &keypair()).unwrap();
        assert_eq!(signed["proof"]["proofValue"], text("sigBTC58JCS.txt"));
        assert_eq!(signed, json("signedJCS.json"));
        // Without a @context of its own, the proof takes the document's.
        let options = ProofOptions {
            context: None,
            ..options()
        };
        assert_eq!(sign(&document, &options, &keypair()).unwrap(), signed);
    }

    #[test]
    fn the_signed_document_verifies_and_any_change_breaks_it() {
        let signed = json("signedJCS.json");
        let key = keypair().public();
        assert_eq!(verify(&signed, &key), Ok(()));
        // A proof may leave out its @context: the proof options then carry
        // the document's, which is what was signed here.
        let mut bare = signed.clone();
        bare["proof"].as_object_mut().unwrap().remove("@context");
        assert_eq!(verify(&bare, &key), Ok(()));

        let changed = |edit: &dyn Fn(&mut Value)| {
            let mut copy = signed.clone();
            edit(&mut copy);
            verify(&copy, &key)
        };
        assert_eq!(
            changed(&|d| d["credentialSubject"]["alumniOf"] = "Another School".into()),
            Err(ProofError::BadSignature)
        );
        assert_eq!(
            changed(&|d| d["validFrom"] = "2024-01-01T00:00:00Z".into()),
            Err(ProofError::BadSignature)
        );
        assert_eq!(
            changed(&|d| d["proof"]["created"] = "2023-02-24T23:36:39Z".into()),
            Err(ProofError::BadSignature)
        );
        assert_eq!(
            changed(&|d| d["proof"]["proofPurpose"] = "authentication".into()),
            Err(ProofError::BadSignature)
        );
        assert_eq!(
            changed(&|d| {
                let value = d["proof"]["proofValue"].as_str().unwrap();
                let mut signature = from_multibase(value).unwrap();
                signature[10] ^= 1;
                d["proof"]["proofValue"] = multibase(&signature).into();
            }),
            Err(ProofError::BadSignature)
        );
        assert_eq!(
            changed(&|d| d["proof"]["cryptosuite"] = "eddsa-rdfc-2022".into()),
            Err(ProofError::WrongSuite)
        );
        assert_eq!(
            changed(
                &|d| d["@context"] = serde_json::json!(["https://www.w3.org/ns/credentials/v2"])
            ),
            Err(ProofError::ContextMismatch)
        );
        assert_eq!(
            changed(&|d| {
                d.as_object_mut().unwrap().remove("proof");
            }),
            Err(ProofError::NoProof)
        );
        // Another key does not verify it.
        let other = Keypair::from_seed([7; 32]).public();
        assert_eq!(verify(&signed, &other), Err(ProofError::BadSignature));
    }

    /// The fast path writes the very bytes the JCS crate writes, for the
    /// W3C documents and for names and strings that JCS treats specially;
    /// it steps aside for numbers that are not exact integers.
    #[test]
    fn the_fast_canonical_form_is_the_crates() {
        let tricky = serde_json::json!({
            "zeta": 1, "alpha": -9007199254740992_i64, "Beta": 9007199254740992_u64,
            "\u{e000}": "private use", "\u{1f600}": "astral: sorts first in UTF-16",
            "é": "e acute", "": "empty name", "a\"b\\c": "escaped name",
            "controls": "\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f} \u{7f}",
            "unicode": "\u{2028}\u{2029} 中文 \u{1f600} é",
            "nested": [{ "b": [true, false, null], "a": { "y": [], "x": {} } }, "s", 0],
            "@context": ["https://www.w3.org/ns/credentials/v2"],
        });
        for doc in [tricky, json("unsigned.json"), json("proofConfigJCS.json")] {
            assert_eq!(
                String::from_utf8(canonical_fast(&doc).expect("plain")).unwrap(),
                String::from_utf8(canonical(&doc)).unwrap(),
            );
        }
        for number in [
            serde_json::json!(1.5),
            serde_json::json!(1e300),
            serde_json::json!(9007199254740993_u64),
            serde_json::json!(-9007199254740993_i64),
        ] {
            assert_eq!(canonical_fast(&serde_json::json!({ "n": number })), None);
        }
    }
}
