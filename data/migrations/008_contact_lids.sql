-- WhatsApp's private "@lid" ids seen with a phone number (DESIGN §7): a
-- later event from the same chat that carries no phone field still finds
-- its contact. A number is never derived from the id itself.
CREATE TABLE contact_lids (
	lid		TEXT PRIMARY KEY,
	contact_id	INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
	seen_at		INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX contact_lids_contact ON contact_lids(contact_id);
