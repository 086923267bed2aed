#!/usr/bin/env python3
"""Expands JSON-LD documents with a real processor (pyld) and reports every
term a JSON-LD reader would lose: properties the processor drops, and
properties or types that only survive as blank-node or "issuer-dependent"
IRIs (the ActivityStreams context maps unknown terms to `_:`, credentials
v2 to its issuer-dependent vocabulary), and relative `@id`s.

Usage: check_terms.py MANIFEST.json
MANIFEST: {"contexts": {"<url>": "<file>"}, "documents": {"<name>": "<file>"}}
Remote contexts come only from the manifest: nothing is fetched.
Exit 0 when every document keeps every term, 1 otherwise, 2 on bad input.
"""
import json
import sys

from pyld import jsonld

UNDEFINED = ("_:", "https://www.w3.org/ns/credentials/issuer-dependent#")


def loader_for(contexts):
    def load(url, options=None):
        if url not in contexts:
            raise jsonld.JsonLdError(
                "context not available offline: " + url, "jsonld.LoadDocumentError",
                code="loading document failed")
        with open(contexts[url], encoding="utf-8") as f:
            document = json.load(f)
        return {"contextUrl": None, "documentUrl": url, "document": document}
    return load


def absolute(iri):
    return isinstance(iri, str) and ":" in iri and not iri.startswith(UNDEFINED)


def walk(node, problems, path):
    if isinstance(node, list):
        for i, item in enumerate(node):
            walk(item, problems, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@id" and not absolute(value):
            problems.append(f"{path}: @id {value!r} is not an absolute IRI")
        elif key == "@type" and "@value" not in node:
            for t in value if isinstance(value, list) else [value]:
                if not absolute(t):
                    problems.append(f"{path}: type {t!r} is not defined")
        elif not key.startswith("@") and not absolute(key):
            problems.append(f"{path}: property {key!r} is not defined")
        walk(value, problems, f"{path}/{key}")


def check(document, contexts):
    problems = []
    dropped = lambda prop: problems.append(f"property {prop!r} was dropped")
    try:
        expanded = jsonld.expand(
            document, {"documentLoader": loader_for(contexts)},
            on_property_dropped=dropped)
    except jsonld.JsonLdError as e:
        cause = getattr(e, "cause", None)
        return [f"expansion failed: {e}" + (f" ({cause})" if cause else "")]
    walk(expanded, problems, "")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    failed = 0
    for name, path in sorted(manifest["documents"].items()):
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        problems = check(document, manifest["contexts"])
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"ok   {name}")
    print(f"{len(manifest['documents']) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
