-- A group is public, private or hidden (guildhall-core visibility.rs).
ALTER TABLE groups DROP CONSTRAINT groups_visibility_check;
ALTER TABLE groups ADD CONSTRAINT groups_visibility_check
    CHECK (visibility IN ('public', 'private', 'hidden'));

-- A member's request to join a private group waits in group_members with
-- pending = 1 (as a follow of a remote group waits for its Accept) until a
-- moderator approves it; `requested_at` orders the moderators' list.
ALTER TABLE group_members ADD COLUMN requested_at BIGINT;
