-- Questions: a thread in a `questions` group may have one reply accepted
-- as its answer, by its asker or a moderator, who may change it or take it
-- back.
ALTER TABLE threads ADD COLUMN accepted_reply_id BIGINT REFERENCES replies(id) ON DELETE SET NULL;
ALTER TABLE threads ADD COLUMN accepted_by BIGINT REFERENCES users(id);
ALTER TABLE threads ADD COLUMN accepted_at BIGINT;

-- Taking an acceptance back (or moving it to another reply) reverses what
-- it gave, in a ledger row of its own: `answer_withdrawn`, whose detail
-- says which side it reverses (`accepted`: the answer's author,
-- `accepted_by`: the acceptor). SQLite cannot widen a CHECK in place, so
-- the ledger is rebuilt with the same rows, and its index and triggers
-- made again (as 0003 made them, plus the withdrawal in the counters).
CREATE TABLE reputation_ledger_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id     BIGINT  NOT NULL REFERENCES users(id),
    group_id      BIGINT,
    source_id     BIGINT,
    source_domain TEXT,
    kind          TEXT    NOT NULL CHECK (kind IN ('vote_received', 'vote_cast', 'vote_withdrawn',
                          'answer_accepted', 'answer_accepted_by', 'answer_withdrawn', 'idea_staged',
                          'post_removed', 'badge_awarded', 'adjustment')),
    vote          BIGINT,
    object_type   TEXT    CHECK (object_type IN ('thread', 'reply')),
    object_id     BIGINT,
    amount        BIGINT  NOT NULL DEFAULT 0,
    weight        BIGINT  NOT NULL DEFAULT 100,
    points        BIGINT  NOT NULL,
    detail        TEXT,
    day           BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL
);
INSERT INTO reputation_ledger_new SELECT id, member_id, group_id, source_id, source_domain, kind, vote,
    object_type, object_id, amount, weight, points, detail, day, created_at FROM reputation_ledger;
DROP TABLE reputation_ledger;
ALTER TABLE reputation_ledger_new RENAME TO reputation_ledger;
CREATE INDEX reputation_ledger_member ON reputation_ledger(member_id, id);
-- The standing acceptance of a reply, found when it is taken back.
CREATE INDEX reputation_ledger_object ON reputation_ledger(object_type, object_id, kind);

CREATE TRIGGER reputation_ledger_fold AFTER INSERT ON reputation_ledger
BEGIN
    INSERT INTO reputation_scores (member_id, group_id, points)
        SELECT NEW.member_id, 0, NEW.points WHERE true
        ON CONFLICT (member_id, group_id) DO UPDATE SET points = points + excluded.points;
    INSERT INTO reputation_scores (member_id, group_id, points)
        SELECT NEW.member_id, NEW.group_id, NEW.points WHERE NEW.group_id IS NOT NULL
        ON CONFLICT (member_id, group_id) DO UPDATE SET points = points + excluded.points;
    INSERT INTO reputation_days (member_id, group_id, day, points, vote_gains, upvotes)
        SELECT NEW.member_id, 0, NEW.day, NEW.points,
               CASE WHEN NEW.kind IN ('vote_received', 'vote_cast') AND NEW.points > 0 THEN NEW.points ELSE 0 END,
               CASE WHEN NEW.kind = 'vote_received' AND NEW.vote = 1 THEN 1 ELSE 0 END
        WHERE true
        ON CONFLICT (member_id, group_id, day) DO UPDATE
        SET points = points + excluded.points, vote_gains = vote_gains + excluded.vote_gains,
            upvotes = upvotes + excluded.upvotes;
    INSERT INTO reputation_pairs (member_id, source_id, day, upvotes)
        SELECT NEW.member_id, NEW.source_id, NEW.day, 1 WHERE NEW.kind = 'vote_received' AND NEW.vote = 1
        ON CONFLICT (member_id, source_id, day) DO UPDATE SET upvotes = upvotes + 1;
    INSERT INTO reputation_days (member_id, group_id, day, points)
        SELECT NEW.member_id, NEW.group_id, NEW.day, NEW.points WHERE NEW.group_id IS NOT NULL
        ON CONFLICT (member_id, group_id, day) DO UPDATE SET points = points + excluded.points;
    INSERT INTO reputation_instance_days (domain, day, points)
        SELECT NEW.source_domain, NEW.day, NEW.points
        WHERE NEW.source_domain IS NOT NULL AND NEW.kind = 'vote_received' AND NEW.points > 0
        ON CONFLICT (domain, day) DO UPDATE SET points = points + excluded.points;
END;

CREATE TRIGGER member_stats_ledger AFTER INSERT ON reputation_ledger
    WHEN NEW.kind IN ('vote_received', 'vote_withdrawn', 'answer_accepted', 'answer_withdrawn', 'post_removed')
BEGIN
    INSERT INTO member_stats (user_id) SELECT NEW.member_id WHERE true ON CONFLICT (user_id) DO NOTHING;
    INSERT INTO member_stats (user_id) SELECT NEW.source_id WHERE NEW.source_id IS NOT NULL
        ON CONFLICT (user_id) DO NOTHING;
    UPDATE member_stats SET
        upvotes_received = upvotes_received + CASE
            WHEN NEW.vote = 1 AND NEW.kind = 'vote_received' THEN 1
            WHEN NEW.vote = 1 AND NEW.kind = 'vote_withdrawn' AND NEW.detail = 'received' THEN -1
            ELSE 0 END,
        accepted_answers = accepted_answers + CASE
            WHEN NEW.kind = 'answer_accepted' THEN 1
            WHEN NEW.kind = 'answer_withdrawn' AND NEW.detail = 'accepted' THEN -1
            ELSE 0 END,
        moderator_actions = moderator_actions + CASE WHEN NEW.kind = 'post_removed' THEN 1 ELSE 0 END
        WHERE user_id = NEW.member_id;
    UPDATE member_stats SET
        upvotes_given = upvotes_given + CASE
            WHEN NEW.vote = 1 AND NEW.kind = 'vote_received' THEN 1
            WHEN NEW.vote = 1 AND NEW.kind = 'vote_withdrawn' AND NEW.detail = 'received' THEN -1
            ELSE 0 END,
        days_active = days_active + CASE
            WHEN NEW.kind = 'vote_received' AND last_active_day <> NEW.day THEN 1 ELSE 0 END,
        last_active_day = CASE WHEN NEW.kind = 'vote_received' THEN NEW.day ELSE last_active_day END
        WHERE user_id = NEW.source_id;
END;
