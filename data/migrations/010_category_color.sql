-- A colour per category, shown beside its name in lists (issue 16). NULL
-- is none; the daemon takes only red, green, yellow, blue, magenta or
-- cyan (the terminal's own colours). A column only: no table is rebuilt.
ALTER TABLE categories ADD COLUMN color TEXT;
