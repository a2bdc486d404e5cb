-- Schedules (DESIGN §6): a campaign may start at a set time (start_at,
-- Unix seconds) and send only within its own window (window_start and
-- window_end, minutes after midnight; the end may come before the start,
-- for a window across midnight), inside the lane's. `campaigns send` on a campaign whose
-- start is ahead makes it 'scheduled', a status the CHECK did not allow:
-- the table is rebuilt by SQLite's 12-step procedure. The runner turns
-- foreign keys off around every migration, so that dropping the old table
-- cascades into nothing, and checks them before COMMIT. Every column of
-- the table as 016 left it is copied (devices, the lanes it sends
-- through, included).
CREATE TABLE campaigns_new (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	message_1	TEXT NOT NULL,
	message_2	TEXT,
	status		TEXT NOT NULL DEFAULT 'draft'
			CHECK (status IN ('draft', 'scheduled', 'running',
			    'paused', 'stopped', 'completed')),
	round		INTEGER NOT NULL DEFAULT 0,
	created_by	INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	started_at	INTEGER,
	finished_at	INTEGER,
	-- Counters kept in the same transaction as the message states they count.
	total		INTEGER NOT NULL DEFAULT 0,
	pending		INTEGER NOT NULL DEFAULT 0,
	sending		INTEGER NOT NULL DEFAULT 0,
	sent		INTEGER NOT NULL DEFAULT 0,
	delivered	INTEGER NOT NULL DEFAULT 0,
	read		INTEGER NOT NULL DEFAULT 0,
	failed		INTEGER NOT NULL DEFAULT 0,
	unknown		INTEGER NOT NULL DEFAULT 0,
	cancelled	INTEGER NOT NULL DEFAULT 0,
	interactions	INTEGER NOT NULL DEFAULT 0,
	m2_total	INTEGER NOT NULL DEFAULT 0,
	suppressed	INTEGER NOT NULL DEFAULT 0,
	test_user	INTEGER,
	devices		TEXT,
	start_at	INTEGER,
	window_start	INTEGER,
	window_end	INTEGER
);
INSERT INTO campaigns_new (id, name, message_1, message_2, status, round,
    created_by, created_at, updated_at, started_at, finished_at, total,
    pending, sending, sent, delivered, read, failed, unknown, cancelled,
    interactions, m2_total, suppressed, test_user, devices)
    SELECT id, name, message_1, message_2, status, round, created_by,
    created_at, updated_at, started_at, finished_at, total, pending, sending,
    sent, delivered, read, failed, unknown, cancelled, interactions,
    m2_total, suppressed, test_user, devices FROM campaigns;
DROP TABLE campaigns;
ALTER TABLE campaigns_new RENAME TO campaigns;
CREATE UNIQUE INDEX campaigns_test_user ON campaigns(test_user)
    WHERE test_user IS NOT NULL;
-- The scheduler's one question: the next start.
CREATE INDEX campaigns_start ON campaigns(start_at)
    WHERE status = 'scheduled';
