-- A group is public, private or hidden (guildhall-core visibility.rs).
-- SQLite cannot widen a CHECK in place: the column is renamed, a new one
-- with the wider check is added and filled, and the old one is dropped
-- (its CHECK, which only it names, goes with it).
ALTER TABLE groups RENAME COLUMN visibility TO visibility_before;
ALTER TABLE groups ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'private', 'hidden'));
UPDATE groups SET visibility = visibility_before;
ALTER TABLE groups DROP COLUMN visibility_before;

-- A member's request to join a private group waits in group_members with
-- pending = 1 (as a follow of a remote group waits for its Accept) until a
-- moderator approves it; `requested_at` orders the moderators' list.
ALTER TABLE group_members ADD COLUMN requested_at BIGINT;
