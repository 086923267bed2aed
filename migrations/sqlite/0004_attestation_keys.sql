-- The instance's Ed25519 keys for signing reputation attestations, apart
-- from the RSA keys of HTTP signatures. The newest key without expired_at
-- signs; rotated keys stay listed on the instance actor, marked expired,
-- so attestations they signed can still be judged. Multibase (FEP-521a):
-- the private key is the seed, and never leaves this table but to sign.
CREATE TABLE attestation_keys (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    public_multibase  TEXT   NOT NULL,
    private_multibase TEXT   NOT NULL,
    created_at        BIGINT NOT NULL,
    expired_at        BIGINT
);
