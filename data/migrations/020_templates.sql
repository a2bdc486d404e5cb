-- Message templates (DESIGN §10: templates list | create NAME TEXT |
-- delete ID): local texts an operator reuses as a campaign's Message 1 or
-- Message 2. They are not WhatsApp-approved (WABA) templates. A new table:
-- nothing is rebuilt.
CREATE TABLE templates (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE COLLATE NOCASE,
	body		TEXT NOT NULL,
	created_by	INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at	INTEGER NOT NULL
);
