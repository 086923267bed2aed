-- Accounts, sessions, groups, threads, replies and votes.
-- Times are Unix milliseconds (BIGINT) in both stores so the same code reads them.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,          -- stored lower case: unique case-insensitively
    password_hash TEXT    NOT NULL,
    display_name  TEXT,
    bio           TEXT    NOT NULL DEFAULT '',
    bio_html      TEXT    NOT NULL DEFAULT '',
    avatar_url    TEXT,
    is_admin      BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT    NOT NULL UNIQUE,             -- SHA-256 of the token; the token itself is never stored
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('cookie', 'api')),
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE groups (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL UNIQUE,
    title            TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    description_html TEXT    NOT NULL DEFAULT '',
    rules            TEXT    NOT NULL DEFAULT '',
    rules_html       TEXT    NOT NULL DEFAULT '',
    -- Reserved for later issues: question, idea and review groups; private groups.
    kind             TEXT    NOT NULL DEFAULT 'discussion' CHECK (kind IN ('discussion', 'questions', 'ideas', 'reviews')),
    visibility       TEXT    NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    creator_id       BIGINT  NOT NULL REFERENCES users(id),
    member_count     BIGINT  NOT NULL DEFAULT 0,
    thread_count     BIGINT  NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL
);

CREATE TABLE group_members (
    group_id   BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE group_moderators (
    group_id   BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE threads (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id         BIGINT  NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    author_id        BIGINT  NOT NULL REFERENCES users(id),
    title            TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    body_html        TEXT    NOT NULL,
    score            BIGINT  NOT NULL DEFAULT 0,
    upvotes          BIGINT  NOT NULL DEFAULT 0,
    downvotes        BIGINT  NOT NULL DEFAULT 0,
    reply_count      BIGINT  NOT NULL DEFAULT 0,
    hot_rank         DOUBLE PRECISION NOT NULL,
    created_at       BIGINT  NOT NULL,
    edited_at        BIGINT,
    last_activity_at BIGINT  NOT NULL,
    deleted_at       BIGINT
);
CREATE INDEX threads_group_new    ON threads(group_id, created_at DESC, id DESC);
CREATE INDEX threads_group_top    ON threads(group_id, score DESC, id DESC);
CREATE INDEX threads_group_active ON threads(group_id, last_activity_at DESC, id DESC);
CREATE INDEX threads_group_hot    ON threads(group_id, hot_rank DESC, id DESC);
CREATE INDEX threads_author       ON threads(author_id, created_at DESC);

CREATE TABLE replies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id   BIGINT  NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    parent_id   BIGINT  REFERENCES replies(id) ON DELETE CASCADE,
    author_id   BIGINT  NOT NULL REFERENCES users(id),
    body        TEXT    NOT NULL,
    body_html   TEXT    NOT NULL,
    score       BIGINT  NOT NULL DEFAULT 0,
    upvotes     BIGINT  NOT NULL DEFAULT 0,
    downvotes   BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    edited_at   BIGINT,
    deleted_at  BIGINT
);
CREATE INDEX replies_thread ON replies(thread_id, created_at, id);
CREATE INDEX replies_author ON replies(author_id, created_at DESC);

CREATE TABLE thread_votes (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    thread_id  BIGINT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    value      BIGINT NOT NULL CHECK (value IN (-1, 1)),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);

CREATE TABLE reply_votes (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reply_id   BIGINT NOT NULL REFERENCES replies(id) ON DELETE CASCADE,
    value      BIGINT NOT NULL CHECK (value IN (-1, 1)),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, reply_id)
);
