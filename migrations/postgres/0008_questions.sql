-- Questions: a thread in a `questions` group may have one reply accepted
-- as its answer, by its asker or a moderator, who may change it or take it
-- back.
ALTER TABLE threads ADD COLUMN accepted_reply_id BIGINT REFERENCES replies(id) ON DELETE SET NULL;
ALTER TABLE threads ADD COLUMN accepted_by BIGINT REFERENCES users(id);
ALTER TABLE threads ADD COLUMN accepted_at BIGINT;

-- Taking an acceptance back (or moving it to another reply) reverses what
-- it gave, in a ledger row of its own: `answer_withdrawn`, whose detail
-- says which side it reverses (`accepted`: the answer's author,
-- `accepted_by`: the acceptor). The fold counts it in `accepted_answers`.
ALTER TABLE reputation_ledger DROP CONSTRAINT reputation_ledger_kind_check;
ALTER TABLE reputation_ledger ADD CONSTRAINT reputation_ledger_kind_check
    CHECK (kind IN ('vote_received', 'vote_cast', 'vote_withdrawn',
                    'answer_accepted', 'answer_accepted_by', 'answer_withdrawn', 'idea_staged',
                    'post_removed', 'badge_awarded', 'adjustment'));
-- The standing acceptance of a reply, found when it is taken back.
CREATE INDEX reputation_ledger_object ON reputation_ledger(object_type, object_id, kind);

CREATE OR REPLACE FUNCTION reputation_ledger_fold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gains BIGINT := CASE WHEN NEW.kind IN ('vote_received', 'vote_cast') AND NEW.points > 0 THEN NEW.points ELSE 0 END;
    upvote BIGINT := CASE
        WHEN NEW.vote = 1 AND NEW.kind = 'vote_received' THEN 1
        WHEN NEW.vote = 1 AND NEW.kind = 'vote_withdrawn' AND NEW.detail = 'received' THEN -1
        ELSE 0 END;
BEGIN
    INSERT INTO reputation_scores (member_id, group_id, points) VALUES (NEW.member_id, 0, NEW.points)
        ON CONFLICT (member_id, group_id) DO UPDATE SET points = reputation_scores.points + excluded.points;
    INSERT INTO reputation_days (member_id, group_id, day, points, vote_gains, upvotes)
        VALUES (NEW.member_id, 0, NEW.day, NEW.points, gains, CASE WHEN upvote = 1 THEN 1 ELSE 0 END)
        ON CONFLICT (member_id, group_id, day) DO UPDATE
        SET points = reputation_days.points + excluded.points,
            vote_gains = reputation_days.vote_gains + excluded.vote_gains,
            upvotes = reputation_days.upvotes + excluded.upvotes;
    IF upvote = 1 THEN
        INSERT INTO reputation_pairs (member_id, source_id, day, upvotes) VALUES (NEW.member_id, NEW.source_id, NEW.day, 1)
            ON CONFLICT (member_id, source_id, day) DO UPDATE SET upvotes = reputation_pairs.upvotes + 1;
    END IF;
    IF NEW.group_id IS NOT NULL THEN
        INSERT INTO reputation_scores (member_id, group_id, points) VALUES (NEW.member_id, NEW.group_id, NEW.points)
            ON CONFLICT (member_id, group_id) DO UPDATE SET points = reputation_scores.points + excluded.points;
        INSERT INTO reputation_days (member_id, group_id, day, points) VALUES (NEW.member_id, NEW.group_id, NEW.day, NEW.points)
            ON CONFLICT (member_id, group_id, day) DO UPDATE SET points = reputation_days.points + excluded.points;
    END IF;
    IF NEW.source_domain IS NOT NULL AND NEW.kind = 'vote_received' AND NEW.points > 0 THEN
        INSERT INTO reputation_instance_days (domain, day, points) VALUES (NEW.source_domain, NEW.day, NEW.points)
            ON CONFLICT (domain, day) DO UPDATE SET points = reputation_instance_days.points + excluded.points;
    END IF;
    IF NEW.kind IN ('vote_received', 'vote_withdrawn', 'answer_accepted', 'answer_withdrawn', 'post_removed') THEN
        INSERT INTO member_stats (user_id) VALUES (NEW.member_id) ON CONFLICT (user_id) DO NOTHING;
        UPDATE member_stats SET
            upvotes_received = upvotes_received + upvote,
            accepted_answers = accepted_answers + CASE
                WHEN NEW.kind = 'answer_accepted' THEN 1
                WHEN NEW.kind = 'answer_withdrawn' AND NEW.detail = 'accepted' THEN -1
                ELSE 0 END,
            moderator_actions = moderator_actions + CASE WHEN NEW.kind = 'post_removed' THEN 1 ELSE 0 END
            WHERE user_id = NEW.member_id;
        IF NEW.source_id IS NOT NULL THEN
            INSERT INTO member_stats (user_id) VALUES (NEW.source_id) ON CONFLICT (user_id) DO NOTHING;
            UPDATE member_stats SET
                upvotes_given = upvotes_given + upvote,
                days_active = days_active + CASE
                    WHEN NEW.kind = 'vote_received' AND last_active_day <> NEW.day THEN 1 ELSE 0 END,
                last_active_day = CASE WHEN NEW.kind = 'vote_received' THEN NEW.day ELSE last_active_day END
                WHERE user_id = NEW.source_id;
        END IF;
    END IF;
    RETURN NULL;
END $$;
