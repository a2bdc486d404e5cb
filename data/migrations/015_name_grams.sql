-- Name search without FTS5 (issue 17). Building the FTS5 trigram index
-- took longer than the import itself (3 to 4 s for a million contacts in
-- the slices the loop allows), so a million-row import was searchable
-- only after 1.2x a plain sqlite3 .import. The daemon now keeps its own
-- index of the folded names (daemon/search.c): for each trigram of
-- fold_name(first_name) or fold_name(last_name), the ids of the contacts
-- holding it, in segments of ascending ids coded as varint gaps. It is
-- built in memory in id order from rows read back in big batches and
-- written a segment a trigram at a time: about a tenth of FTS5's work.
--
-- No table is rebuilt: the FTS5 table goes, new tables come, and the
-- index is built again from nothing in the background (the mark is 0).
DROP TRIGGER IF EXISTS contacts_fts_ad;
DROP TRIGGER IF EXISTS contacts_fts_au;
DROP TABLE contacts_fts;
DROP TABLE contacts_fts_state;

CREATE TABLE contacts_grams (
	gram	INTEGER NOT NULL,	-- three folded characters (search.c)
	hi	INTEGER NOT NULL,	-- the segment's last contact id
	lo	INTEGER NOT NULL,	-- and its first
	ids	BLOB NOT NULL,		-- ascending ids as varint gaps from 0
	PRIMARY KEY (gram, hi, lo)
) WITHOUT ROWID;

-- Every contact with id <= upto is in contacts_grams, under the names it
-- had when indexed; those above it are not yet, and a search scans them.
-- A contact renamed is put in contacts_grams_dirty (a search checks those
-- too) until it is indexed again; gen tells renames the indexer has taken
-- in hand from later ones.
CREATE TABLE contacts_grams_state (
	one	INTEGER PRIMARY KEY CHECK (one = 1),
	upto	INTEGER NOT NULL,
	gen	INTEGER NOT NULL
);
INSERT INTO contacts_grams_state (one, upto, gen) VALUES (1, 0, 1);

CREATE TABLE contacts_grams_dirty (
	id	INTEGER PRIMARY KEY,	-- a contact renamed
	gen	INTEGER NOT NULL
);

-- Plain SQL, so a rename made with sqlite3 behind the daemon's back is
-- seen too. Ids from deleted contacts stay in the index until purged:
-- every id a search finds is checked against the contact's row.
CREATE TRIGGER contacts_grams_au AFTER UPDATE OF first_name, last_name
    ON contacts WHEN old.first_name IS NOT new.first_name OR
    old.last_name IS NOT new.last_name BEGIN
	INSERT OR REPLACE INTO contacts_grams_dirty (id, gen)
	    VALUES (new.id, (SELECT gen FROM contacts_grams_state));
END;
