-- Reputation: the append-only ledger, the scores folded from it, badges,
-- and the activity trust levels are computed from.
--
-- The ledger is the truth; scores, day buckets and instance day counts are
-- kept up to date by triggers on each ledger row (constant work per event,
-- and no extra round trips for the writer), and `guildhall admin reputation
-- recompute` rebuilds them from the ledger. Days are UTC days since the
-- epoch (created_at / 86400000). group_id 0 in the folded tables is the
-- instance-wide total.

ALTER TABLE users ADD COLUMN banned_at BIGINT;

-- A restricted group: starting threads there takes trust level TL2
-- (moderators always may).
ALTER TABLE groups ADD COLUMN restricted BIGINT NOT NULL DEFAULT 0;

-- What a standing vote gave in the ledger, so taking it back reverses
-- exactly that; NULL when nothing of it stands (cast before the ledger, or
-- already reversed because its post was deleted or its voter banned).
ALTER TABLE thread_votes ADD COLUMN author_points BIGINT;
ALTER TABLE thread_votes ADD COLUMN voter_points BIGINT;
ALTER TABLE reply_votes ADD COLUMN author_points BIGINT;
ALTER TABLE reply_votes ADD COLUMN voter_points BIGINT;

-- Flags: a member (TL1 and up) tells the group's moderators a post needs
-- their attention. One flag per member per post.
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_type TEXT    NOT NULL CHECK (object_type IN ('thread', 'reply')),
    object_id   BIGINT  NOT NULL,
    group_id    BIGINT  NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    reason      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    UNIQUE (object_type, object_id, user_id)
);
CREATE INDEX flags_group ON flags(group_id, id);

CREATE TABLE reputation_ledger (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id     BIGINT  NOT NULL REFERENCES users(id),   -- whom the points go to
    group_id      BIGINT,                                  -- NULL: instance-wide (adjustments)
    source_id     BIGINT,                                  -- the voter, acceptor, moderator, admin
    source_domain TEXT,                                    -- the source's instance when remote
    kind          TEXT    NOT NULL CHECK (kind IN ('vote_received', 'vote_cast', 'vote_withdrawn',
                          'answer_accepted', 'answer_accepted_by', 'idea_staged', 'post_removed',
                          'badge_awarded', 'adjustment')),
    vote          BIGINT,                                  -- +1 / -1 for votes
    object_type   TEXT    CHECK (object_type IN ('thread', 'reply')),
    object_id     BIGINT,
    amount        BIGINT  NOT NULL DEFAULT 0,              -- idea_staged, post_removed, adjustment
    weight        BIGINT  NOT NULL DEFAULT 100,            -- percent of a vote that counts
    points        BIGINT  NOT NULL,                        -- as decided when written
    detail        TEXT,                                    -- an adjustment's reason, a badge's key
    day           BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX reputation_ledger_member ON reputation_ledger(member_id, id);

CREATE TABLE reputation_scores (
    member_id BIGINT NOT NULL,
    group_id  BIGINT NOT NULL,
    points    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, group_id)
);
CREATE INDEX reputation_scores_board ON reputation_scores(group_id, points DESC, member_id);

CREATE TABLE reputation_days (
    member_id  BIGINT NOT NULL,
    group_id   BIGINT NOT NULL,
    day        BIGINT NOT NULL,
    points     BIGINT NOT NULL DEFAULT 0,
    vote_gains BIGINT NOT NULL DEFAULT 0,   -- for the daily cap (total rows only)
    upvotes    BIGINT NOT NULL DEFAULT 0,   -- upvotes received (total rows only), for rings
    PRIMARY KEY (member_id, group_id, day)
);
CREATE INDEX reputation_days_board ON reputation_days(group_id, day, member_id, points);

-- Upvotes a member received from one voter per day, for rings.
CREATE TABLE reputation_pairs (
    member_id BIGINT NOT NULL,
    source_id BIGINT NOT NULL,
    day       BIGINT NOT NULL,
    upvotes   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, source_id, day)
);

CREATE TABLE reputation_instance_days (
    domain TEXT   NOT NULL,
    day    BIGINT NOT NULL,
    points BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (domain, day)
);

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

-- Badges held. A badge earned once has object_type '' and object_id 0; a
-- post badge names its post; a granted badge names who granted it and may
-- repeat.
CREATE TABLE member_badges (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    badge       TEXT    NOT NULL,
    object_type TEXT    NOT NULL DEFAULT '',
    object_id   BIGINT  NOT NULL DEFAULT 0,
    granted_by  BIGINT,
    awarded_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX member_badges_once ON member_badges(user_id, badge, object_type, object_id)
    WHERE granted_by IS NULL;
CREATE INDEX member_badges_user ON member_badges(user_id, awarded_at);

-- What trust levels are computed from, kept by triggers on posts and votes.
-- Upvotes count while they stand; posts count once created.
CREATE TABLE member_stats (
    user_id           BIGINT PRIMARY KEY REFERENCES users(id),
    threads           BIGINT NOT NULL DEFAULT 0,
    replies           BIGINT NOT NULL DEFAULT 0,
    upvotes_received  BIGINT NOT NULL DEFAULT 0,
    upvotes_given     BIGINT NOT NULL DEFAULT 0,
    accepted_answers  BIGINT NOT NULL DEFAULT 0,
    moderator_actions BIGINT NOT NULL DEFAULT 0,
    days_active       BIGINT NOT NULL DEFAULT 0,
    last_active_day   BIGINT NOT NULL DEFAULT -1,
    leader            BIGINT NOT NULL DEFAULT 0       -- TL4, granted by an admin
);

-- A post or a vote makes its author's day an active one.
CREATE TRIGGER member_stats_thread AFTER INSERT ON threads
BEGIN
    INSERT INTO member_stats (user_id, threads, days_active, last_active_day)
        SELECT NEW.author_id, 1, 1, NEW.created_at / 86400000 WHERE true
        ON CONFLICT (user_id) DO UPDATE SET threads = threads + 1,
            days_active = days_active + CASE WHEN last_active_day = excluded.last_active_day THEN 0 ELSE 1 END,
            last_active_day = excluded.last_active_day;
END;

CREATE TRIGGER member_stats_reply AFTER INSERT ON replies
BEGIN
    INSERT INTO member_stats (user_id, replies, days_active, last_active_day)
        SELECT NEW.author_id, 1, 1, NEW.created_at / 86400000 WHERE true
        ON CONFLICT (user_id) DO UPDATE SET replies = replies + 1,
            days_active = days_active + CASE WHEN last_active_day = excluded.last_active_day THEN 0 ELSE 1 END,
            last_active_day = excluded.last_active_day;
END;

CREATE TRIGGER member_stats_ledger AFTER INSERT ON reputation_ledger
    WHEN NEW.kind IN ('vote_received', 'vote_withdrawn', 'answer_accepted', 'post_removed')
BEGIN
    -- Upvotes: a vote received adds one to its author and its voter; its
    -- withdrawal (the row naming the vote it reverses) takes them back.
    INSERT INTO member_stats (user_id) SELECT NEW.member_id WHERE true ON CONFLICT (user_id) DO NOTHING;
    INSERT INTO member_stats (user_id) SELECT NEW.source_id WHERE NEW.source_id IS NOT NULL
        ON CONFLICT (user_id) DO NOTHING;
    UPDATE member_stats SET
        upvotes_received = upvotes_received + CASE
            WHEN NEW.vote = 1 AND NEW.kind = 'vote_received' THEN 1
            WHEN NEW.vote = 1 AND NEW.kind = 'vote_withdrawn' AND NEW.detail = 'received' THEN -1
            ELSE 0 END,
        accepted_answers = accepted_answers + CASE WHEN NEW.kind = 'answer_accepted' THEN 1 ELSE 0 END,
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
