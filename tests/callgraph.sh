#!/bin/sh
# The daemon's file call graph from the objects' own symbols (nm): an edge
# A -> B when A.o calls a function B.o defines. Data references (the command
# tables the dispatcher reads) are not calls and are left out. tsort fails on
# a cycle; the edges are printed with -v.
# usage: tests/callgraph.sh [-v] [BUILD_DIR]   (default build)
set -eu
verbose=0
[ "${1:-}" = "-v" ] && { verbose=1; shift; }
b=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for o in "$b"/daemon/*.o; do
	f=$(basename "$o" .o)
	nm "$o" | awk -v f="$f" '$2 == "T" { print $3, f }' >>"$tmp/defs"
	nm "$o" | awk -v f="$f" '$1 == "U" { print $2, f }' >>"$tmp/uses"
done
sort -o "$tmp/defs" "$tmp/defs"
sort -o "$tmp/uses" "$tmp/uses"
# uses: "symbol user"; defs: "symbol definer" -> "user definer"
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3 }' | sort -u \
    >"$tmp/edges"
[ "$verbose" = 1 ] && cat "$tmp/edges"
n=$(wc -l <"$tmp/edges")
if tsort "$tmp/edges" >/dev/null 2>"$tmp/err"; then
	echo "callgraph: $n edges among $(ls "$b"/daemon/*.o | wc -l) daemon files, no cycle"
else
	cat "$tmp/err" >&2
	echo "callgraph: cycle among daemon files" >&2
	exit 1
fi
