-- Contacts and categories: search, paging and counting at a million rows.

-- Substring search over names (3 characters or more) with a trigram index.
-- External content: the text lives in contacts, the triggers keep it in step.
CREATE VIRTUAL TABLE contacts_fts USING fts5(first_name, last_name,
	content = 'contacts', content_rowid = 'id', tokenize = 'trigram',
	detail = 'none');

CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
	INSERT INTO contacts_fts (rowid, first_name, last_name)
	    VALUES (new.id, new.first_name, new.last_name);
END;
CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
	INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name)
	    VALUES ('delete', old.id, old.first_name, old.last_name);
END;
CREATE TRIGGER contacts_fts_au AFTER UPDATE OF first_name, last_name
    ON contacts WHEN old.first_name IS NOT new.first_name OR
    old.last_name IS NOT new.last_name BEGIN
	INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name)
	    VALUES ('delete', old.id, old.first_name, old.last_name);
	INSERT INTO contacts_fts (rowid, first_name, last_name)
	    VALUES (new.id, new.first_name, new.last_name);
END;

-- count(*) over a million rows costs ~10 ms: keep the total here.
CREATE TABLE contacts_count (
	one	INTEGER PRIMARY KEY CHECK (one = 1),
	n	INTEGER NOT NULL
);
INSERT INTO contacts_count (one, n) SELECT 1, count(*) FROM contacts;
CREATE TRIGGER contacts_count_ai AFTER INSERT ON contacts BEGIN
	UPDATE contacts_count SET n = n + 1 WHERE one = 1;
END;
CREATE TRIGGER contacts_count_ad AFTER DELETE ON contacts BEGIN
	UPDATE contacts_count SET n = n - 1 WHERE one = 1;
END;

CREATE INDEX contacts_batch ON contacts(batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX contacts_opted_out ON contacts(id) WHERE opted_out = 1;
-- Foreign-key cascades from contacts look these up by contact.
CREATE INDEX import_changes_contact ON import_changes(contact_id);
CREATE INDEX category_contacts_batch ON category_contacts(batch_id)
	WHERE batch_id IS NOT NULL;
