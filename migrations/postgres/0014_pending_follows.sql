-- A remote actor's Follow of one of our private groups waits for a
-- moderator (`pending = 1`, as a local request to join does); its JSON is
-- kept here so that the group's Accept or Reject, sent when a moderator
-- decides, answers the very Follow it received.
ALTER TABLE group_members ADD COLUMN follow_activity TEXT;
