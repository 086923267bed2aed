-- What software each remote instance runs, from its NodeInfo: which shapes
-- of activity it reads (Lemmy refuses the bare Announce(Page) Mastodon
-- needs) and whether it takes reputation attestations (advertised in its
-- NodeInfo metadata). NULL software: not known (yet, or NodeInfo failed).
ALTER TABLE instances ADD COLUMN software TEXT;
ALTER TABLE instances ADD COLUMN accepts_attestations BIGINT NOT NULL DEFAULT 0;
-- When NodeInfo was last asked for (ms), whatever the answer; NULL: never.
ALTER TABLE instances ADD COLUMN nodeinfo_at BIGINT;
