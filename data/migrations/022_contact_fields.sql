-- Extra CSV columns kept per contact (DESIGN §6: "any column kept from the
-- import" is a placeholder). contacts.extra holds them as one JSON object
-- of strings, {"ville": "Lomé"}, NULL when the contact has none; an import
-- that changes a contact's extras keeps the old object for its undo.
-- contact_fields names every column ever kept, so a campaign's text is
-- checked without reading the contacts. Columns are added, nothing is
-- rebuilt.
ALTER TABLE contacts ADD COLUMN extra TEXT;
ALTER TABLE import_changes ADD COLUMN old_extra TEXT;
ALTER TABLE import_changes ADD COLUMN extra_changed INTEGER NOT NULL
    DEFAULT 0;

CREATE TABLE contact_fields (
	name		TEXT PRIMARY KEY,
	created_at	INTEGER NOT NULL
) WITHOUT ROWID;
