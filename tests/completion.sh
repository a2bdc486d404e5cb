#!/bin/sh
# bash completion of wacamp (issue 19): nouns, a noun's verbs, a verb's
# options, all read from the built client's own --help.
#
# usage: sh tests/completion.sh PATH_TO_WACAMP
set -eu
W=${1:-build/wacamp}
cd "$(dirname "$0")/.."
out=$(bash -c '
. completion/wacamp.bash
c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _wacamp
	echo "${COMPREPLY[*]}"; }
c "$1" ""
c "$1" con
c "$1" campaigns ""
c "$1" --json campaigns send 3 --
c "$1" contacts list --s
c "$1" -
_filedir() { COMPREPLY=(FILEDIR); }
c "$1" contacts import ""
' sh "$W")
expect()
{
	line=$(echo "$out" | sed -n "$1p")
	case " $line " in
	*" $2 "*) ;;
	*) echo "completion test: line $1: no \"$2\" in \"$line\""; exit 1 ;;
	esac
}
expect 1 campaigns
expect 1 contacts
expect 1 status
expect 2 contacts
expect 3 send
expect 3 relaunch
expect 4 --yes
expect 5 --search
expect 6 --org
expect 6 --json
expect 1 templates
expect 1 devices
# A file argument goes to bash-completion's _filedir when it is there.
expect 7 FILEDIR
[ "$(echo "$out" | sed -n 2p)" = contacts ] ||
    { echo "completion test: con gave $(echo "$out" | sed -n 2p)"; exit 1; }
echo "completion test: passed"
