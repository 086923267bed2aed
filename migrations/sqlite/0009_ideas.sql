-- Ideas: a thread in an `ideas` group has a status, one of the stages
-- configured in [ideas] (NULL: the first, where every idea starts), and a
-- merged duplicate points at the idea it repeats. Each change of status is
-- kept: who, when, from, to, and the official response.
ALTER TABLE threads ADD COLUMN idea_status TEXT;
ALTER TABLE threads ADD COLUMN duplicate_of BIGINT REFERENCES threads(id);
CREATE INDEX threads_group_status ON threads(group_id, idea_status, score DESC, id DESC);

CREATE TABLE idea_status_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id     BIGINT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    from_status   TEXT   NOT NULL,
    to_status     TEXT   NOT NULL,
    response      TEXT   NOT NULL DEFAULT '',
    response_html TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX idea_status_changes_thread ON idea_status_changes(thread_id, id);
