-- The campaign lifecycle (DESIGN §6): Message 2 counted apart from the
-- audience, and the contacts a launch left out because another campaign
-- messaged them recently (suppress_days). Columns and an index only: no
-- table is rebuilt.

-- Message 2 of a campaign by state, read from the index alone: the
-- campaign counters count every message, and progress and completion
-- take Message 2 out of them.
CREATE INDEX messages_m2 ON messages(campaign_id, state)
    WHERE message_type = 2;

-- How many contacts of the audience the launch left out (suppress_days).
ALTER TABLE campaigns ADD COLUMN suppressed INTEGER NOT NULL DEFAULT 0;
