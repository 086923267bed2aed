-- The HTTP signature scheme an instance is known to accept for deliveries:
-- 'draft-cavage' or 'rfc9421', learnt by double-knocking (a delivery refused
-- with 401 is signed the other way once, and what went through is kept
-- here). NULL: not known yet, and draft-cavage is tried first.
ALTER TABLE instances ADD COLUMN signature_scheme TEXT
    CHECK (signature_scheme IN ('draft-cavage', 'rfc9421'));
