-- Invitations into a private or hidden group: to one member by name
-- (`user_id`), or by a link (`token_hash`, the SHA-256 of the link's
-- token, which is never stored) with an expiry and a number of uses.
-- Moderators list and revoke them.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id    BIGINT  NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    invited_by  BIGINT  NOT NULL REFERENCES users(id),
    user_id     BIGINT  REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT    UNIQUE,
    max_uses    BIGINT,
    uses        BIGINT  NOT NULL DEFAULT 0,
    expires_at  BIGINT,
    revoked_at  BIGINT,
    created_at  BIGINT  NOT NULL,
    CHECK ((user_id IS NULL) <> (token_hash IS NULL))
);
CREATE INDEX invitations_group ON invitations(group_id, id);
CREATE INDEX invitations_user ON invitations(user_id);
