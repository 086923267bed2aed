//! The RFC's own examples (Appendix B.2, with the keys of B.1), checked
//! through our parser, signature base and verification; then our signing
//! against our inbound rules, and each refusal.

use super::*;
use std::time::Duration;

/// `test-key-rsa-pss` (RFC 9421 B.1.2), its public half.
const TEST_KEY_RSA_PSS: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHqgDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5WUtzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI2wIDAQAB";

/// `test-key-ed25519` (RFC 9421 B.1.4), its public half.
const TEST_KEY_ED25519: &str = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";

/// `test-request` (B.2): its body, and its Content-Digest (RFC 9530).
const BODY: &[u8] = br#"{"hello": "world"}"#;
const CONTENT_DIGEST: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

fn pem(base64: &str) -> String {
    let lines: Vec<&str> = base64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// `test-request` with a signature's two headers added.
fn test_request(input: &str, signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("host", "example.com"),
        ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("content-type", "application/json"),
        ("content-digest", CONTENT_DIGEST),
        ("content-length", "18"),
        ("signature-input", input),
        ("signature", signature),
    ] {
        headers.insert(name, HeaderValue::from_str(value).unwrap());
    }
    headers
}

/// Parses the example's headers, rebuilds its signature base from the
/// request, and verifies it with the published key.
fn check_example(
    input: &str,
    signature: &str,
    algorithm: Algorithm,
    key: &str,
    expected_base: &str,
) {
    let headers = test_request(input, signature);
    let inputs = parse(&headers).unwrap();
    assert_eq!(inputs.len(), 1);
    let message = Message {
        method: "POST",
        scheme: "https",
        authority: "example.com",
        path_and_query: "/foo?param=Value&Pet=dog",
        headers: &headers,
    };
    let base = signature_base(&message, &inputs[0].covered).unwrap();
    assert_eq!(base, expected_base);
    let keys = PublicKeys::default();
    let key = pem(key);
    let good = &inputs[0].signature;
    assert!(verify(Some(algorithm), &keys, &key, base.as_bytes(), good));
    // Another message, or a changed signature, does not verify.
    let other = base.replace("created=1618884473", "created=1618884474");
    assert!(!verify(
        Some(algorithm),
        &keys,
        &key,
        other.as_bytes(),
        good
    ));
    let mut bad = good.clone();
    bad[7] ^= 1;
    assert!(!verify(Some(algorithm), &keys, &key, base.as_bytes(), &bad));
}

/// B.2.1: covers nothing; the signature base is the parameters alone.
#[test]
fn rfc_example_minimal_rsa_pss() {
    check_example(
        r#"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
        Algorithm::RsaPssSha512,
        TEST_KEY_RSA_PSS,
        r#""@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
    );
}

/// B.2.3: header fields and the derived components we use.
#[test]
fn rfc_example_full_coverage_rsa_pss() {
    check_example(
        r#"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
        "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:",
        Algorithm::RsaPssSha512,
        TEST_KEY_RSA_PSS,
        &[
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT",
            "\"@method\": POST",
            "\"@path\": /foo",
            "\"@query\": ?param=Value&Pet=dog",
            "\"@authority\": example.com",
            "\"content-type\": application/json",
            &format!("\"content-digest\": {CONTENT_DIGEST}"),
            "\"content-length\": 18",
            r#""@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
        ]
        .join("\n"),
    );
}

/// B.2.6: Ed25519, with the key in PEM.
#[test]
fn rfc_example_ed25519() {
    check_example(
        r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
        Algorithm::Ed25519,
        TEST_KEY_ED25519,
        &[
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT",
            "\"@method\": POST",
            "\"@path\": /foo",
            "\"@authority\": example.com",
            "\"content-type\": application/json",
            "\"content-length\": 18",
            r#""@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        ]
        .join("\n"),
    );
}

/// The example's Content-Digest (RFC 9530) is its body's; another body's is not.
#[test]
fn content_digests_are_checked() {
    let headers = test_request("", "");
    check_content_digest(&headers, BODY).unwrap();
    assert!(check_content_digest(&headers, b"{}").is_err());
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-digest",
        HeaderValue::from_static("md5=:AAAA:, unknown=:AAAA:"),
    );
    assert!(
        check_content_digest(&headers, BODY).is_err(),
        "no usable algorithm"
    );
    headers.insert("content-digest", HeaderValue::from_static("sha-256=abc"));
    assert!(
        check_content_digest(&headers, BODY).is_err(),
        "not a byte sequence"
    );
}

fn signed_post(now: SystemTime, body: &[u8]) -> (HeaderMap, guildhall_db::KeyPair) {
    let pair = crate::keys::generate_blocking();
    let key = crate::signing::KeyCache::default()
        .get("https://a.example/u/alice", &pair.private_key_pem)
        .unwrap();
    let actor = Url::parse("https://a.example/u/alice").unwrap();
    let inbox = Url::parse("https://b.example:8443/inbox").unwrap();
    let headers = post_headers_at(&key, &actor, &inbox, body, now).unwrap();
    (headers, pair)
}

fn ours() -> Urls {
    Urls::new("https://b.example:8443").unwrap()
}

/// What we sign, our inbound rules accept, from the signer's key only;
/// each way of spoiling it is refused.
#[test]
fn our_signatures_verify_and_spoiled_ones_do_not() {
    let now = SystemTime::now();
    let body = br#"{"type":"Like"}"#;
    let (headers, signed) = signed_post(now, body);
    let uri: Uri = "/inbox".parse().unwrap();
    let keys = PublicKeys::default();
    let pending = begin_at(&Method::POST, &uri, &headers, body, &ours(), now).unwrap();
    assert_eq!(pending.signer.as_str(), "https://a.example/u/alice");
    assert_eq!(pending.algorithm, Some(Algorithm::RsaV15Sha256));
    assert!(pending.verify(&keys, &signed.public_key_pem));
    let other = crate::keys::generate_blocking();
    assert!(!pending.verify(&keys, &other.public_key_pem));

    let refused = |headers: &HeaderMap, body: &[u8], urls: &Urls, at: SystemTime| {
        begin_at(&Method::POST, &uri, headers, body, urls, at)
            .err()
            .expect("refused")
    };
    // Another body than the digest's.
    assert!(refused(&headers, b"{}", &ours(), now).contains("Content-Digest"));
    // Sent to (and signed for) another host.
    let elsewhere = Urls::new("https://c.example").unwrap();
    assert!(refused(&headers, body, &elsewhere, now).contains("not to this server"));
    // Too old, or from too far ahead.
    let later = now + Duration::from_secs(66 * 60);
    assert!(refused(&headers, body, &ours(), later).contains("too old"));
    let earlier = now - Duration::from_secs(61 * 60);
    assert!(refused(&headers, body, &ours(), earlier).contains("future"));
    // A path other than the signed one: verifies no more.
    let moved: Uri = "/g/support/inbox".parse().unwrap();
    let pending = begin_at(&Method::POST, &moved, &headers, body, &ours(), now).unwrap();
    assert!(!pending.verify(&keys, &signed.public_key_pem));
    // Plain http where we are https: @target-uri differs.
    let http = Urls::new("http://b.example:8443").unwrap();
    let pending = begin_at(&Method::POST, &uri, &headers, body, &http, now).unwrap();
    assert!(!pending.verify(&keys, &signed.public_key_pem));
}

/// Signatures that leave out what we require, or use an algorithm we do
/// not take, are refused before any key is fetched.
#[test]
fn incomplete_signatures_are_refused() {
    let now = SystemTime::now();
    let body = b"{}";
    let uri: Uri = "/inbox".parse().unwrap();
    let (signed, _) = signed_post(now, body);
    let input = signed["signature-input"].to_str().unwrap().to_owned();
    let cases = [
        (input.replace("\"@method\" ", ""), "@method"),
        (
            input.replace("\"@target-uri\" \"@authority\" ", ""),
            "@target-uri",
        ),
        (input.replace(" \"content-digest\"", ""), "content-digest"),
        (input.replace(";created", ";x"), "created"),
        (input.replace(";keyid", ";x"), "keyid"),
        (
            input.replace("rsa-v1_5-sha256", "hmac-sha256"),
            "not supported",
        ),
        (input.replace("sig1=", "other="), "no signature labelled"),
        ("sig1=\"text\"".to_owned(), "not a list"),
        ("(((".to_owned(), "structured"),
    ];
    for (input, why) in cases {
        let mut headers = signed.clone();
        headers.insert("signature-input", HeaderValue::from_str(&input).unwrap());
        let refusal = begin_at(&Method::POST, &uri, &headers, body, &ours(), now)
            .err()
            .unwrap_or_else(|| panic!("{input} was accepted"));
        assert!(refusal.contains(why), "{input}: {refusal}");
    }
    // The same through the public entry point: a 401.
    let mut headers = signed.clone();
    headers.remove("signature");
    assert!(matches!(
        begin(&Method::POST, &uri, &headers, body, &ours()),
        Err(FedError::Unauthorized(_))
    ));
}
