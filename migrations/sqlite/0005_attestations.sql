-- Reputation attestations: those we issue for our members, where we
-- delivered them, those partners issued for their members, and how far we
-- trust each partner.

-- Ours. A member's current one is their newest; it is re-issued when what
-- it states (rank, trust level, badges: the fingerprint) changes or as it
-- nears validUntil. The document is kept verbatim: a signed text is served
-- as signed. Revoked ones are served as tombstones.
CREATE TABLE attestations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    fingerprint  TEXT   NOT NULL,
    document     TEXT   NOT NULL,
    valid_until  BIGINT NOT NULL,
    issued_at    BIGINT NOT NULL,
    revoked_at   BIGINT,
    revoked_why  TEXT
);
CREATE INDEX attestations_user ON attestations (user_id, id);

-- Which partner instance was sent which of our attestations (and to which
-- inbox), so each goes once and a revocation reaches every holder.
CREATE TABLE attestation_deliveries (
    attestation_id BIGINT NOT NULL REFERENCES attestations(id),
    domain         TEXT   NOT NULL,
    inbox          TEXT   NOT NULL,
    delivered_at   BIGINT NOT NULL,
    PRIMARY KEY (attestation_id, domain)
);

-- Theirs: the newest verified attestation of each remote member, as
-- received. Whether it counts is decided on use, by the partner policy,
-- validUntil and revoked_at.
CREATE TABLE imported_attestations (
    user_id      BIGINT PRIMARY KEY REFERENCES users(id),
    ap_id        TEXT   NOT NULL,
    issuer       TEXT   NOT NULL,
    domain       TEXT   NOT NULL,
    key_id       TEXT   NOT NULL,
    document     TEXT   NOT NULL,
    points       BIGINT NOT NULL,
    rank_title   TEXT   NOT NULL,
    trust_level  BIGINT NOT NULL,
    valid_until  BIGINT NOT NULL,
    verified_at  BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX imported_attestations_ap_id ON imported_attestations (ap_id);

-- The partner-trust policy, per instance: the weight of its members' votes
-- (percent, 0-100), the highest trust level its attestations grant here,
-- and whether its attested reputation is shown on profiles. An instance
-- with no row is not trusted: its attestations are shown as such and
-- change nothing.
CREATE TABLE partners (
    domain          TEXT   PRIMARY KEY,
    trust_percent   BIGINT NOT NULL,
    max_trust_level BIGINT NOT NULL,
    show_imported   BIGINT NOT NULL DEFAULT 1,
    updated_at      BIGINT NOT NULL
);
