-- wacamp schema, version 1. Every table of DESIGN §3.
-- Times are Unix seconds (UTC) unless a name says otherwise.

CREATE TABLE users (
	id		INTEGER PRIMARY KEY,
	login		TEXT NOT NULL UNIQUE,
	role		TEXT NOT NULL CHECK (role IN ('super_admin', 'admin')),
	unix_user	TEXT UNIQUE,
	password_hash	TEXT,
	active		INTEGER NOT NULL DEFAULT 1,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);

CREATE TABLE sessions (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	access_hash	TEXT NOT NULL UNIQUE,
	refresh_hash	TEXT NOT NULL UNIQUE,
	access_expires	INTEGER NOT NULL,
	refresh_expires	INTEGER NOT NULL,
	created_at	INTEGER NOT NULL,
	unix_user	TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE import_batches (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER REFERENCES users(id) ON DELETE SET NULL,
	filename	TEXT,
	default_country	TEXT,
	category_id	INTEGER,
	state		TEXT NOT NULL DEFAULT 'running'
			CHECK (state IN ('running', 'done', 'failed', 'undone')),
	imported	INTEGER NOT NULL DEFAULT 0,
	updated		INTEGER NOT NULL DEFAULT 0,
	duplicates	INTEGER NOT NULL DEFAULT 0,
	invalid		INTEGER NOT NULL DEFAULT 0,
	rows		INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	finished_at	INTEGER
);

CREATE TABLE contacts (
	id		INTEGER PRIMARY KEY,
	full_number	TEXT NOT NULL UNIQUE,	-- E.164 with '+'
	raw_number	TEXT,			-- as typed
	first_name	TEXT NOT NULL DEFAULT '',
	last_name	TEXT NOT NULL DEFAULT '',
	verified	INTEGER,		-- NULL unknown, 0 not on WhatsApp, 1 on it
	verified_at	INTEGER,
	opted_out	INTEGER NOT NULL DEFAULT 0,
	opted_out_at	INTEGER,
	batch_id	INTEGER REFERENCES import_batches(id) ON DELETE SET NULL,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);

-- What an import changed on a contact it did not create, so undo can restore it.
CREATE TABLE import_changes (
	batch_id	INTEGER NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
	contact_id	INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
	old_first_name	TEXT,
	old_last_name	TEXT,
	PRIMARY KEY (batch_id, contact_id)
) WITHOUT ROWID;

CREATE TABLE categories (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE COLLATE NOCASE,
	description	TEXT NOT NULL DEFAULT '',
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);

CREATE TABLE category_contacts (
	category_id	INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
	contact_id	INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
	batch_id	INTEGER,
	PRIMARY KEY (category_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX category_contacts_contact ON category_contacts(contact_id);

CREATE TABLE campaigns (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	message_1	TEXT NOT NULL,
	message_2	TEXT,
	status		TEXT NOT NULL DEFAULT 'draft'
			CHECK (status IN ('draft', 'running', 'paused', 'stopped', 'completed')),
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
	m2_total	INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE campaign_categories (
	campaign_id	INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	category_id	INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
	PRIMARY KEY (campaign_id, category_id)
) WITHOUT ROWID;

CREATE TABLE messages (
	id		INTEGER PRIMARY KEY,
	campaign_id	INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	contact_id	INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
	message_type	INTEGER NOT NULL CHECK (message_type IN (1, 2)),
	round		INTEGER NOT NULL DEFAULT 1,
	phone		TEXT NOT NULL,
	body		TEXT NOT NULL,
	state		TEXT NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'sending', 'sent', 'delivered',
			    'read', 'failed', 'unknown', 'cancelled')),
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_at		INTEGER NOT NULL DEFAULT 0,	-- not before (retry backoff)
	reference	TEXT,				-- sent as Wassenger "reference"
	wass_id		TEXT,				-- Wassenger's 24-hex id
	wa_id		TEXT,				-- WhatsApp id (waId)
	error		TEXT,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	sent_at		INTEGER,
	delivered_at	INTEGER,
	read_at		INTEGER,
	UNIQUE (campaign_id, contact_id, message_type)
);
CREATE INDEX messages_queue ON messages(state, message_type, next_at)
	WHERE state IN ('pending', 'sending');
CREATE INDEX messages_campaign_state ON messages(campaign_id, state);
CREATE INDEX messages_contact ON messages(contact_id, sent_at);
CREATE UNIQUE INDEX messages_wa_id ON messages(wa_id) WHERE wa_id IS NOT NULL;
CREATE UNIQUE INDEX messages_wass_id ON messages(wass_id) WHERE wass_id IS NOT NULL;

CREATE TABLE interactions (
	id		INTEGER PRIMARY KEY,
	contact_id	INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
	campaign_id	INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
	message_id	INTEGER REFERENCES messages(id) ON DELETE SET NULL,
	kind		TEXT NOT NULL
			CHECK (kind IN ('reply', 'reaction', 'delivered', 'read', 'optout')),
	body		TEXT,
	event_id	INTEGER,
	created_at	INTEGER NOT NULL
);
CREATE INDEX interactions_contact ON interactions(contact_id, created_at);
CREATE INDEX interactions_campaign ON interactions(campaign_id, kind);
CREATE INDEX interactions_time ON interactions(created_at);

CREATE TABLE webhook_events (
	id		INTEGER PRIMARY KEY,
	event		TEXT NOT NULL,
	object_id	TEXT NOT NULL DEFAULT '',
	ack		TEXT NOT NULL DEFAULT '',
	received_at	INTEGER NOT NULL,
	body		TEXT NOT NULL,
	applied		INTEGER NOT NULL DEFAULT 0,
	UNIQUE (event, object_id, ack)
);

CREATE TABLE daily_usage (
	day		TEXT PRIMARY KEY,	-- YYYY-MM-DD in the configured time zone
	sent		INTEGER NOT NULL DEFAULT 0,	-- claimed and not released
	m1		INTEGER NOT NULL DEFAULT 0,
	m2		INTEGER NOT NULL DEFAULT 0,
	failed		INTEGER NOT NULL DEFAULT 0,
	delivered	INTEGER NOT NULL DEFAULT 0,
	read		INTEGER NOT NULL DEFAULT 0,
	interactions	INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE audit_log (
	id		INTEGER PRIMARY KEY,
	at		INTEGER NOT NULL,
	user_id		INTEGER,
	login		TEXT,
	unix_user	TEXT,
	command		TEXT NOT NULL,
	target		TEXT,
	ok		INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX audit_log_at ON audit_log(at);
