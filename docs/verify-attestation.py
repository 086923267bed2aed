#!/usr/bin/env python3
"""Verify a Guildhall reputation attestation with standard tools only.

Python's standard library does the JSON, the canonical form (RFC 8785 JCS,
exact for documents without fractional numbers, which attestations never
have), SHA-256 and base58btc; the `openssl` command checks the Ed25519
signature. Nothing here comes from Guildhall: it follows the steps of
docs/ATTESTATIONS.md.

    verify-attestation.py https://brand-a.example/u/alice/attestation
    verify-attestation.py saved.json
    verify-attestation.py saved.json --resolve https://brand-a.example=http://127.0.0.1:8080
    verify-attestation.py signed.json --key z6Mk...   # the proof alone, of any eddsa-jcs-2022 document

Prints each step, then VERIFIED (exit 0) or REJECTED: reason (exit 1).
"""

import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

ACTIVITY_JSON = "application/activity+json"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ED25519_PUB_PREFIX = bytes([0xED, 0x01])  # multicodec ed25519-pub
# DER SubjectPublicKeyInfo header for a raw 32-byte Ed25519 key (RFC 8410).
ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")


class Rejected(Exception):
    pass


def step(text):
    print(f"  ok  {text}")


# --- fetching ---------------------------------------------------------------

def fetch(url, resolve):
    """GETs `url` as ActivityPub JSON; returns (status, parsed body or None)."""
    for public, local in resolve:
        if url.startswith(public):
            url = local + url[len(public):]
    request = urllib.request.Request(url, headers={"Accept": ACTIVITY_JSON})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, None


# --- RFC 8785 (JCS) ---------------------------------------------------------

def jcs(value):
    """The canonical form: keys sorted by UTF-16 code units, no whitespace,
    minimal string escapes, integers as written."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(jcs_string(k) + ":" + jcs(value[k]) for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, str):
        return jcs_string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int) and abs(value) <= 2**53:
        return str(value)
    raise Rejected("the document holds a fractional or huge number; use a full JCS implementation")


def jcs_string(s):
    return json.dumps(s, ensure_ascii=False)


# --- multibase ---------------------------------------------------------------

def base58btc(text):
    """Decodes a multibase base58btc string (leading 'z')."""
    if not text.startswith("z"):
        raise Rejected(f"{text[:12]}… is not multibase base58btc (no leading 'z')")
    number = 0
    for char in text[1:]:
        if char not in B58:
            raise Rejected(f"{char!r} is not a base58btc character")
        number = number * 58 + B58.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    zeros = len(text[1:]) - len(text[1:].lstrip("1"))
    return b"\0" * zeros + raw


def ed25519_key(multibase):
    raw = base58btc(multibase)
    if raw[:2] != ED25519_PUB_PREFIX or len(raw) != 34:
        raise Rejected("publicKeyMultibase is not an Ed25519 public key (0xed01 + 32 bytes)")
    return raw[2:]


def ed25519_verify(public_key, message, signature):
    """Checks an Ed25519 signature with `openssl pkeyutl`."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: os.path.join(tmp, name) for name in ("key.der", "msg", "sig")}
        for name, data in (("key.der", ED25519_SPKI + public_key), ("msg", message), ("sig", signature)):
            with open(paths[name], "wb") as f:
                f.write(data)
        result = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER",
             "-inkey", paths["key.der"], "-rawin", "-in", paths["msg"], "-sigfile", paths["sig"]],
            capture_output=True, text=True)
        return result.returncode == 0


# --- the checks --------------------------------------------------------------

def parse_time(text, what):
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise Rejected(f"{what} {text!r} is not an XML Schema dateTime")


def origin(url):
    parts = urllib.parse.urlsplit(url)
    return (parts.scheme, parts.netloc)


def verify_proof(document, public_key_multibase):
    """eddsa-jcs-2022 verification (W3C Data Integrity EdDSA Cryptosuites §3.3)."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise Rejected("the document has no proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != "eddsa-jcs-2022":
        raise Rejected("the proof is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022")
    if proof.get("proofPurpose") != "assertionMethod":
        raise Rejected("the proof's purpose is not assertionMethod")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        # The document's @context must start with the proof's, which then
        # stands for it.
        as_list = lambda c: c if isinstance(c, list) else [c]
        given = as_list(options["@context"])
        if as_list(unsecured.get("@context", []))[:len(given)] != given:
            raise Rejected("the document's @context does not start with the proof's")
        unsecured["@context"] = options["@context"]
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    step("unsecured document = document without proof; proof options = proof without proofValue")
    proof_hash = hashlib.sha256(jcs(options).encode()).digest()
    doc_hash = hashlib.sha256(jcs(unsecured).encode()).digest()
    step(f"SHA-256(JCS(proof options)) = {proof_hash.hex()}")
    step(f"SHA-256(JCS(document without proof)) = {doc_hash.hex()}")
    signature = base58btc(proof.get("proofValue", ""))
    if len(signature) != 64:
        raise Rejected("proofValue is not a 64-byte Ed25519 signature")
    if not ed25519_verify(ed25519_key(public_key_multibase), proof_hash + doc_hash, signature):
        raise Rejected("the proof does not verify: the document or its proof was changed")
    step("Ed25519 signature over proofHash || docHash verifies")


def verify_attestation(document, resolve, now):
    """Every check a receiving instance makes, in order."""
    if "ReputationAttestation" not in (document.get("type") or []):
        raise Rejected("not a ReputationAttestation")
    issuer = document.get("issuer")
    subject = (document.get("credentialSubject") or {}).get("id")
    if not all(isinstance(x, str) for x in (issuer, subject, document.get("id"))):
        raise Rejected("id, issuer or credentialSubject.id is missing or not a string")
    step(f"a ReputationAttestation issued by {issuer} about {subject}")

    # 1. The issuer instance attests only its own members.
    if origin(subject) != origin(issuer):
        raise Rejected(f"{issuer} may only attest its own members, not {subject}")
    step("the subject is on the issuer's own domain")

    # 2. The time window.
    valid_from = parse_time(document.get("validFrom"), "validFrom")
    valid_until = parse_time(document.get("validUntil"), "validUntil")
    if now < valid_from:
        raise Rejected(f"it is not valid before {document['validFrom']}")
    if now > valid_until:
        raise Rejected(f"it expired at {document['validUntil']}")
    step(f"now is between validFrom {document['validFrom']} and validUntil {document['validUntil']}")

    # 3. The key: listed under the issuer actor's assertionMethod, controlled by it.
    proof = document.get("proof") if isinstance(document.get("proof"), dict) else {}
    method_id = proof.get("verificationMethod")
    if not isinstance(method_id, str) or origin(method_id) != origin(issuer):
        raise Rejected("the verificationMethod is not on the issuer's domain")
    status, actor = fetch(issuer, resolve)
    if status != 200 or not isinstance(actor, dict) or actor.get("id") != issuer:
        raise Rejected(f"the issuer actor {issuer} could not be fetched (HTTP {status})")
    methods = actor.get("assertionMethod") or []
    method = next((m for m in methods if isinstance(m, dict) and m.get("id") == method_id), None)
    if method is None:
        raise Rejected(f"{method_id} is not in the issuer's assertionMethod")
    if method.get("type") != "Multikey" or method.get("controller") != issuer:
        raise Rejected(f"{method_id} is not a Multikey controlled by {issuer}")
    if "expires" in method and parse_time(method["expires"], "the key's expires") <= now:
        raise Rejected(f"signed with {method_id}, which expired at {method['expires']}")
    step(f"{method_id} is the issuer's Multikey (assertionMethod, controller = issuer)")

    # 4. The proof.
    verify_proof(document, method["publicKeyMultibase"])

    # 5. The subject is a person the issuer serves.
    status, person = fetch(subject, resolve)
    if status != 200 or not isinstance(person, dict) or person.get("type") != "Person":
        raise Rejected(f"the subject {subject} is not a Person its issuer serves (HTTP {status})")
    step("the subject is a Person on the issuer's instance")

    # 6. Revocation: the issuer answers 410 Gone at the attestation's id.
    if not isinstance(document.get("id"), str) or origin(document["id"]) != origin(issuer):
        raise Rejected("its id is not on the issuer's domain")
    status, _ = fetch(document["id"], resolve)
    if status == 410:
        raise Rejected("it was revoked by its issuer (410 Gone at its id)")
    if status != 200:
        raise Rejected(f"its status could not be checked (HTTP {status} at its id)")
    step("its id answers 200: not revoked")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="URL of an attestation, or a file holding one ('-' for stdin)")
    parser.add_argument("--resolve", action="append", default=[], metavar="PUBLIC=LOCAL",
                        help="fetch URLs starting with PUBLIC from LOCAL instead (testing)")
    parser.add_argument("--key", metavar="MULTIBASE",
                        help="check only the proof, against this publicKeyMultibase")
    args = parser.parse_args()
    resolve = [tuple(r.split("=", 1)) for r in args.resolve]
    try:
        if args.source.startswith(("http://", "https://")):
            status, document = fetch(args.source, resolve)
            if status != 200:
                raise Rejected(f"{args.source} answered HTTP {status}")
        elif args.source == "-":
            document = json.load(sys.stdin)
        else:
            with open(args.source) as f:
                document = json.load(f)
        if not isinstance(document, dict):
            raise Rejected("not a JSON object")
        if args.key:
            verify_proof(document, args.key)
        else:
            verify_attestation(document, resolve, datetime.datetime.now(datetime.timezone.utc))
    except Rejected as e:
        print(f"REJECTED: {e}")
        return 1
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
