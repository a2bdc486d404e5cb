# bash completion for wacamp(1): nouns, verbs and options.
#
# The words come from `wacamp --help`, which prints the command line's own
# tables, so a new command completes without touching this file.

_wacamp_help()
{
	if [[ -z ${_wacamp_usage-} ]]; then
		_wacamp_usage=$(LC_ALL=C "$1" --help 2>/dev/null |
		    sed -n 's/^  \([a-z]\)/\1/p')
	fi
}

# A file name: bash-completion's _filedir when there, else compgen -f.
_wacamp_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

_wacamp()
{
	local cword=$COMP_CWORD words=("${COMP_WORDS[@]}")
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}

	local prog=${words[0]} i noun= verb= nounpos=0
	_wacamp_help "$prog"

	# Skip the leading options to find the noun and the verb.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-S|--org) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $noun ]]; then
				noun=${words[i]}
				nounpos=$i
			elif [[ -z $verb ]]; then
				verb=${words[i]}
				break
			fi
			;;
		esac
	done

	case $prev in
	-S)
		_wacamp_files
		return
		;;
	--org)
		local confs=(/etc/wacamp/*.conf)
		confs=("${confs[@]##*/}")
		confs=("${confs[@]%.conf}")
		COMPREPLY=($(compgen -W "${confs[*]/#wacampd/}" -- "$cur"))
		return
		;;
	--*-file|--report)
		_wacamp_files
		return
		;;
	esac

	if [[ -z $noun ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-S --org --json --help
			    --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(awk '{print $1}' \
			    <<<"$_wacamp_usage" | sort -u)" -- "$cur"))
		fi
		return
	fi

	if [[ -z $verb && $nounpos -eq $((cword - 1)) ]]; then
		local verbs
		verbs=$(awk -v n="$noun" '$1 == n && $2 ~ /^[a-z]/ {
		    print $2 }' <<<"$_wacamp_usage" | sort -u)
		if [[ -n $verbs && $cur != -* ]]; then
			COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
			return
		fi
	fi

	if [[ $cur == -* ]]; then
		local line
		line=$(awk -v n="$noun" -v v="$verb" '$1 == n &&
		    (v == "" || $2 == v)' <<<"$_wacamp_usage")
		COMPREPLY=($(compgen -W "$(grep -o -- '--[a-z0-9-]*' \
		    <<<"$line" | sort -u) --json" -- "$cur"))
		return
	fi

	# A file for the commands that read or write one.
	case "$noun $verb" in
	"contacts import"|"contacts export"|"campaigns export"|\
	"campaigns report")
		_wacamp_files
		;;
	esac
} &&
	complete -F _wacamp wacamp
