-- Federation: actors' keys and addresses, remote copies of actors and posts,
-- follows, the persistent delivery queue, and per-instance state.
--
-- Remote actors live in the same tables as local ones, so a remote reply or
-- vote is an ordinary row. Their names carry the host ("alice@example.com"),
-- which local names (a-z, 0-9, _) can never collide with. `domain` is NULL for
-- local rows; a local row's ActivityPub id is derived from the instance URL.

ALTER TABLE users ADD COLUMN domain TEXT;
ALTER TABLE users ADD COLUMN ap_id TEXT;
ALTER TABLE users ADD COLUMN inbox TEXT;
ALTER TABLE users ADD COLUMN shared_inbox TEXT;
ALTER TABLE users ADD COLUMN profile_url TEXT;
ALTER TABLE users ADD COLUMN public_key_pem TEXT;
ALTER TABLE users ADD COLUMN private_key_pem TEXT;   -- local actors only
ALTER TABLE users ADD COLUMN fetched_at BIGINT;      -- remote actors: last refresh
CREATE UNIQUE INDEX users_ap_id ON users(ap_id);

ALTER TABLE groups ADD COLUMN domain TEXT;
ALTER TABLE groups ADD COLUMN ap_id TEXT;
ALTER TABLE groups ADD COLUMN inbox TEXT;
ALTER TABLE groups ADD COLUMN shared_inbox TEXT;
ALTER TABLE groups ADD COLUMN outbox_url TEXT;
ALTER TABLE groups ADD COLUMN followers_url TEXT;
ALTER TABLE groups ADD COLUMN profile_url TEXT;
ALTER TABLE groups ADD COLUMN posting_restricted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN public_key_pem TEXT;
ALTER TABLE groups ADD COLUMN private_key_pem TEXT;
ALTER TABLE groups ADD COLUMN fetched_at BIGINT;
CREATE UNIQUE INDEX groups_ap_id ON groups(ap_id);

-- A membership is also a follow: a remote follower of a local group, or a
-- local member of a remote group (pending until the group's Accept arrives).
ALTER TABLE group_members ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN follow_id TEXT;  -- the Follow activity's id

ALTER TABLE threads ADD COLUMN ap_id TEXT;
CREATE UNIQUE INDEX threads_ap_id ON threads(ap_id);
ALTER TABLE replies ADD COLUMN ap_id TEXT;
CREATE UNIQUE INDEX replies_ap_id ON replies(ap_id);
-- The Like/Dislike that made a vote, so an Undo can name it.
ALTER TABLE thread_votes ADD COLUMN activity_id TEXT;
ALTER TABLE reply_votes ADD COLUMN activity_id TEXT;

-- The instance actor (an Application) that signs fetches. One row.
CREATE TABLE instance_actor (
    id              BIGINT  PRIMARY KEY CHECK (id = 1),
    public_key_pem  TEXT    NOT NULL,
    private_key_pem TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);

-- What happened locally that the fediverse should hear of, written in the
-- same transaction as the change. The delivery expander turns each event
-- into an activity and its deliveries, then deletes it.
CREATE TABLE federation_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,   -- create, update, delete, vote, follow, unfollow, accept, announce
    object_type TEXT    NOT NULL,   -- thread, reply, group, activity
    object_id   BIGINT,
    actor_id    BIGINT,             -- users.id of the local actor, if any
    activity_id TEXT    NOT NULL,   -- random token; the activity's id is built from it
    payload     TEXT,               -- JSON: the vote, the Follow accepted, the activity announced
    created_at  BIGINT  NOT NULL
);

-- One outgoing activity, signed at send time by its actor.
CREATE TABLE outbound_activities (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id       TEXT    NOT NULL,
    signer      TEXT    NOT NULL,   -- actor URL whose key signs it
    body        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- One POST still to make. Shared inboxes are de-duplicated when these are written.
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id  BIGINT  NOT NULL REFERENCES outbound_activities(id) ON DELETE CASCADE,
    inbox        TEXT    NOT NULL,
    domain       TEXT    NOT NULL,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX deliveries_domain ON deliveries(domain, id);
CREATE INDEX deliveries_activity ON deliveries(activity_id);

-- Every instance we have dealt with, its policy and its delivery health.
-- Back-off is per instance: one dead server costs one failed request per retry.
CREATE TABLE instances (
    domain            TEXT    PRIMARY KEY,
    policy            TEXT    CHECK (policy IN ('allow', 'block')),
    last_success_at   BIGINT,
    last_failure_at   BIGINT,
    last_error        TEXT,
    failures          BIGINT  NOT NULL DEFAULT 0,   -- consecutive
    next_attempt_at   BIGINT  NOT NULL DEFAULT 0,
    unreachable_since BIGINT,
    created_at        BIGINT  NOT NULL
);

-- Ids of activities already applied: a repeat is a no-op.
CREATE TABLE received_activities (
    ap_id       TEXT    PRIMARY KEY,
    received_at BIGINT  NOT NULL
);
CREATE INDEX received_activities_time ON received_activities(received_at);

-- Votes counted per remote instance per UTC day, for the daily cap.
CREATE TABLE instance_vote_days (
    domain  TEXT    NOT NULL,
    day     BIGINT  NOT NULL,
    counted BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (domain, day)
);
