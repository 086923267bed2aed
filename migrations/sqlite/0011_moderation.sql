-- Moderation: removals a moderator can undo, locked and pinned threads,
-- bans from one group, suspensions from the instance, report outcomes, and
-- the log of every moderator's and admin's action.

-- A removal by a moderator keeps what it took off the post here, so that a
-- restore can put it back; the live row becomes a tombstone as a deletion's
-- does, and every read path shows it as one.
ALTER TABLE threads ADD COLUMN removed_at BIGINT;
ALTER TABLE replies ADD COLUMN removed_at BIGINT;
CREATE TABLE removed_posts (
    object_type TEXT   NOT NULL CHECK (object_type IN ('thread', 'reply')),
    object_id   BIGINT NOT NULL,
    title       TEXT,
    body        TEXT   NOT NULL,
    body_html   TEXT   NOT NULL,
    PRIMARY KEY (object_type, object_id)
);

-- A locked thread takes no new replies (its group's moderators may still
-- reply); the reason is shown to its author and the moderators.
ALTER TABLE threads ADD COLUMN locked_at BIGINT;
ALTER TABLE threads ADD COLUMN lock_reason TEXT;
-- A pinned thread comes first in its group's listing.
ALTER TABLE threads ADD COLUMN pinned_at BIGINT;
CREATE INDEX threads_group_pinned ON threads(group_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- A member banned from one group: no posting, voting, flagging or
-- inviting there until `expires_at` (never, when NULL).
CREATE TABLE group_bans (
    group_id   BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    banned_by  BIGINT NOT NULL REFERENCES users(id),
    reason     TEXT   NOT NULL DEFAULT '',
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
-- An account suspended from the whole instance until then (admins).
ALTER TABLE users ADD COLUMN suspended_until BIGINT;

-- A report's outcome: resolved (with the action taken) or dismissed.
ALTER TABLE flags ADD COLUMN resolved_at BIGINT;
ALTER TABLE flags ADD COLUMN resolved_by BIGINT REFERENCES users(id);
ALTER TABLE flags ADD COLUMN resolution TEXT CHECK (resolution IN ('resolved', 'dismissed'));
ALTER TABLE flags ADD COLUMN resolution_note TEXT;

-- What moderators and admins did: who, when, what, to whom, why. Written
-- in the same transaction as the action. `group_id` is NULL for the
-- instance's own actions (suspensions, instance bans); `detail` is JSON.
CREATE TABLE mod_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id       BIGINT REFERENCES groups(id) ON DELETE CASCADE,
    moderator_id   BIGINT REFERENCES users(id),  -- NULL: the operator, at the command line
    action         TEXT   NOT NULL,
    target_user_id BIGINT REFERENCES users(id),
    object_type    TEXT   CHECK (object_type IN ('thread', 'reply')),
    object_id      BIGINT,
    reason         TEXT   NOT NULL DEFAULT '',
    detail         TEXT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX mod_log_group ON mod_log(group_id, id);

-- Restoring a removed post gives back what the removal took, in a ledger
-- row of its own (`post_restored`, whose amount is minus the removal's
-- points), and no longer counts the removal against the member's trust.
-- SQLite cannot widen a CHECK in place: the ledger is rebuilt as 0008 did.
CREATE TABLE reputation_ledger_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id     BIGINT  NOT NULL REFERENCES users(id),
    group_id      BIGINT,
    source_id     BIGINT,
    source_domain TEXT,
    kind          TEXT    NOT NULL CHECK (kind IN ('vote_received', 'vote_cast', 'vote_withdrawn',
                          'answer_accepted', 'answer_accepted_by', 'answer_withdrawn', 'idea_staged',
                          'post_removed', 'post_restored', 'badge_awarded', 'adjustment')),
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
    WHEN NEW.kind IN ('vote_received', 'vote_withdrawn', 'answer_accepted', 'answer_withdrawn', 'post_removed', 'post_restored')
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
        moderator_actions = moderator_actions + CASE
            WHEN NEW.kind = 'post_removed' THEN 1
            WHEN NEW.kind = 'post_restored' THEN -1
            ELSE 0 END
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
