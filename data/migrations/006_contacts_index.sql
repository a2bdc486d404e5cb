-- Imports at a million rows: the per-row insert triggers of 002 cost as much
-- as the insert itself. New rows are now counted by whoever inserts them and
-- indexed for name search afterwards, in slices (daemon/search.c).

-- Every contact with id <= upto is in contacts_fts; none above it is.
-- Search reads the index up to `upto` and scans the rows above it.
CREATE TABLE contacts_fts_state (
	one	INTEGER PRIMARY KEY CHECK (one = 1),
	upto	INTEGER NOT NULL
);
INSERT INTO contacts_fts_state (one, upto)
    SELECT 1, coalesce(max(id), 0) FROM contacts;

-- No trigger on insert: whoever adds contacts counts them and leaves them
-- above the mark for the indexer (search_mark_lower() first, so a new id is
-- never at or below it). wacampd recounts at start for rows added behind its
-- back.
DROP TRIGGER contacts_fts_ai;
DROP TRIGGER contacts_count_ai;
DROP TRIGGER contacts_fts_ad;
DROP TRIGGER contacts_fts_au;
CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts
    WHEN old.id <= (SELECT upto FROM contacts_fts_state) BEGIN
	INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name)
	    VALUES ('delete', old.id, old.first_name, old.last_name);
END;
CREATE TRIGGER contacts_fts_au AFTER UPDATE OF first_name, last_name
    ON contacts WHEN (old.first_name IS NOT new.first_name OR
    old.last_name IS NOT new.last_name) AND
    old.id <= (SELECT upto FROM contacts_fts_state) BEGIN
	INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name)
	    VALUES ('delete', old.id, old.first_name, old.last_name);
	INSERT INTO contacts_fts (rowid, first_name, last_name)
	    VALUES (new.id, new.first_name, new.last_name);
END;

-- An index on contacts(batch_id) cost a third of an import; undo finds a
-- batch's rows by the range of ids it created instead. NULL for batches
-- from before: undo then scans the table.
DROP INDEX contacts_batch;
ALTER TABLE import_batches ADD COLUMN first_id INTEGER;
ALTER TABLE import_batches ADD COLUMN last_id INTEGER;
