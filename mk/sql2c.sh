#!/bin/sh
# Turn numbered migration files into a C array compiled into wacampd.
# usage: sql2c.sh OUT.c FILE.sql...
set -eu
out=$1; shift
{
	echo '/* Generated from data/migrations by mk/sql2c.sh. */'
	echo '#include <stddef.h>'
	echo '#include "migrations.h"'
	echo 'const struct migration migrations[] = {'
	for f in "$@"; do
		n=$(basename "$f" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
		printf '\t{ %s, "%s",\n' "$n" "$(basename "$f")"
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t    "/' -e 's/$/\\n"/' "$f"
		printf '\t},\n'
	done
	echo '};'
	echo 'const size_t nmigrations = sizeof migrations / sizeof migrations[0];'
} >"$out.tmp"
mv "$out.tmp" "$out"
