-- Several numbers (#20): a lane per WhatsApp device.
--
-- daily_usage is counted per (day, device), device being the lane's name
-- ('default' for [wassenger] device_id). Its key changes, so the table is
-- rebuilt by SQLite's 12-step procedure (DESIGN §3): the runner turns
-- foreign keys off before BEGIN and checks them before COMMIT; no table
-- references daily_usage and it references none, and it has no index,
-- trigger or view to make again. Every existing count is kept under
-- 'default', the one lane there was.
CREATE TABLE daily_usage_new (
	day		TEXT NOT NULL,	-- YYYY-MM-DD in the configured time zone
	device		TEXT NOT NULL DEFAULT 'default',	-- the lane's name
	sent		INTEGER NOT NULL DEFAULT 0,	-- claimed and not released
	m1		INTEGER NOT NULL DEFAULT 0,
	m2		INTEGER NOT NULL DEFAULT 0,
	failed		INTEGER NOT NULL DEFAULT 0,
	delivered	INTEGER NOT NULL DEFAULT 0,
	read		INTEGER NOT NULL DEFAULT 0,
	interactions	INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, device)
) WITHOUT ROWID;
INSERT INTO daily_usage_new (day, device, sent, m1, m2, failed, delivered,
    read, interactions)
    SELECT day, 'default', sent, m1, m2, failed, delivered, read,
    interactions FROM daily_usage;
DROP TABLE daily_usage;
ALTER TABLE daily_usage_new RENAME TO daily_usage;

-- The lane a message was claimed through (messages.device keeps the
-- device id Wassenger's 201 named), and the device a Message 2 must go
-- through: its Message 1's.
ALTER TABLE messages ADD COLUMN lane TEXT;
ALTER TABLE messages ADD COLUMN pin_device TEXT;
-- The governor reads a lane's last Message 1s: a walk of at most
-- governor_window entries, whatever the history.
CREATE INDEX messages_lane_m1 ON messages(lane, claimed_at)
    WHERE message_type = 1 AND lane IS NOT NULL;

-- The lanes a campaign sends through, comma-separated names (NULL: every
-- healthy one).
ALTER TABLE campaigns ADD COLUMN devices TEXT;

-- A lane the governor paused stays paused across restarts until the
-- operator resumes it (reason set); once resumed (reason NULL), the
-- governor judges only the Message 1s claimed after "at".
CREATE TABLE lane_pauses (
	lane		TEXT PRIMARY KEY,
	reason		TEXT,
	at		INTEGER NOT NULL
) WITHOUT ROWID;
