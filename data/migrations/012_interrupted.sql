-- An import the daemon was killed in the middle of is marked at the next
-- start: state 'failed' (already allowed by the CHECK, so no rebuild of
-- import_batches) with the time it was found. Its rows stay until the
-- operator undoes the batch or runs the import again.
ALTER TABLE import_batches ADD COLUMN interrupted_at INTEGER;
