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

-- Why a message was cancelled is one of three, and a cancelled message
-- always says which: stop (resume re-queues only these), optout, erased.
-- Enforced by triggers rather than a CHECK: a CHECK needs messages, the
-- largest table, rebuilt (DESIGN §3), for a rule triggers hold as well.
CREATE TRIGGER messages_cancel_reason_insert BEFORE INSERT ON messages
    WHEN (NEW.cancel_reason IS NOT NULL AND
          NEW.cancel_reason NOT IN ('stop', 'optout', 'erased')) OR
         (NEW.state = 'cancelled' AND NEW.cancel_reason IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'messages.cancel_reason must be stop, optout or erased for a cancelled message');
END;
CREATE TRIGGER messages_cancel_reason_update
    BEFORE UPDATE OF state, cancel_reason ON messages
    WHEN (NEW.cancel_reason IS NOT NULL AND
          NEW.cancel_reason NOT IN ('stop', 'optout', 'erased')) OR
         (NEW.state = 'cancelled' AND NEW.cancel_reason IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'messages.cancel_reason must be stop, optout or erased for a cancelled message');
END;
