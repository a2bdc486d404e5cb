-- Erasure (DESIGN §6): an erased contact stays as a tombstone, opted out,
-- with its number and names blanked, so the messages and interactions
-- that counted it keep their row. erased_at marks it, and lists and
-- searches leave it out. A column only: no table is rebuilt.
ALTER TABLE contacts ADD COLUMN erased_at INTEGER;
