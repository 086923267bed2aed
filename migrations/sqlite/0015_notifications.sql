-- Notifications (issue 17). A change that may concern members writes a
-- notice in its own transaction (beside its federation event, and for
-- changes from other servers too); the notifier turns each notice into
-- notifications and deletes it in one transaction, so none is lost when
-- the server stops and none is made twice.
CREATE TABLE notice_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,   -- new_post, answer_accepted, idea_status, moderated, invited, join_decided
    object_type TEXT    NOT NULL,   -- thread, reply, group, user
    object_id   BIGINT,
    actor_id    BIGINT,             -- users.id of whoever did it
    payload     TEXT,
    created_at  BIGINT  NOT NULL
);

-- One member's notification. `source` is the notice it came from: one
-- notification per member per notice.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    actor_id    BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    group_id    BIGINT  REFERENCES groups(id) ON DELETE CASCADE,
    thread_id   BIGINT  REFERENCES threads(id) ON DELETE CASCADE,
    reply_id    BIGINT  REFERENCES replies(id) ON DELETE CASCADE,
    detail      TEXT,               -- a reason, a stage, an answer
    source      BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    read_at     BIGINT,
    UNIQUE (source, user_id)
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;

-- A member watching or muting a thread or a group.
CREATE TABLE watches (
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id    BIGINT  REFERENCES groups(id) ON DELETE CASCADE,
    thread_id   BIGINT  REFERENCES threads(id) ON DELETE CASCADE,
    level       TEXT    NOT NULL CHECK (level IN ('watch', 'mute')),
    created_at  BIGINT  NOT NULL,
    CHECK ((group_id IS NULL) <> (thread_id IS NULL))
);
CREATE UNIQUE INDEX watches_thread ON watches(user_id, thread_id) WHERE thread_id IS NOT NULL;
CREATE UNIQUE INDEX watches_group ON watches(user_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX watches_of_thread ON watches(thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX watches_of_group ON watches(group_id) WHERE group_id IS NOT NULL;

-- A member's choice of delivery for a kind (absent: the kind's default).
CREATE TABLE notification_prefs (
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    delivery    TEXT    NOT NULL,
    PRIMARY KEY (user_id, kind)
);
