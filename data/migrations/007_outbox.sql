-- The outbox (DESIGN §6): what reconciliation needs to settle a message
-- whose post may have been taken, and references that no other database
-- on the same Wassenger account can share.

-- Facts about this database: the random nonce in every reference.
CREATE TABLE meta (
	key	TEXT PRIMARY KEY,
	value	TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('nonce', lower(hex(randomblob(6))));

-- When the send was claimed (reconciliation's time window) and on which
-- day its cap reservation counts, through which
-- device, why a pending message was cancelled, when Wassenger's message
-- list was last searched for it.
ALTER TABLE messages ADD COLUMN claimed_at INTEGER;
ALTER TABLE messages ADD COLUMN claim_day TEXT;
ALTER TABLE messages ADD COLUMN device TEXT;
ALTER TABLE messages ADD COLUMN cancel_reason TEXT;
ALTER TABLE messages ADD COLUMN lookup_at INTEGER;
UPDATE messages SET claimed_at = updated_at
    WHERE state IN ('sending', 'unknown');
UPDATE messages SET cancel_reason = CASE WHEN error LIKE '%opted out%'
    THEN 'optout' ELSE 'stop' END WHERE state = 'cancelled';
CREATE INDEX messages_unknown ON messages(phone) WHERE state = 'unknown';

-- Every WhatsApp id a message ever had, with its round: a late event of an
-- earlier round is known as such, never taken for the current one.
CREATE TABLE message_ids (
	wa_id		TEXT PRIMARY KEY,
	message_id	INTEGER NOT NULL,
	round		INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO message_ids (wa_id, message_id, round)
    SELECT wa_id, id, round FROM messages WHERE wa_id IS NOT NULL;

-- Events waiting in the journal, by arrival, for reconciliation.
CREATE INDEX webhook_events_waiting_time ON webhook_events(received_at)
    WHERE applied = 0;
