#!/usr/bin/env bash
# check-format.sh [FILE...]: names the files that do not follow the tree's
# formatting, changing none. C sources (.c, .h) are run through
# clang-format-14 --dry-run with .clang-format; every text file is checked
# for the .editorconfig basics: a final newline, no trailing blanks, and C
# indented with tabs (a line may start with a blank only to continue a
# comment). Sections of .editorconfig that set trim_trailing_whitespace or
# insert_final_newline to false are honoured (simple globs: *.ext, or a
# path from the top). Without FILE: every file git tracks.
# Exit 0 when nothing is flagged, 1 when a file is, 2 on a missing tool, a
# file that cannot be read or one clang-format cannot parse.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
clang_format=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$clang_format" >/dev/null; then
	echo "check-format: $clang_format not found (apt-get install clang-format-14)" >&2
	exit 2
fi
cd "$top" || exit 2

# Globs of the sections that turn one of the two basics off.
declare -a keep_blanks=() no_final_newline=()
section=
while IFS= read -r line; do
	line=${line%%#*}
	line=${line//[[:space:]]/}
	case $line in
	\[*\]) section=${line:1:${#line}-2} ;;
	trim_trailing_whitespace=false) keep_blanks+=("$section") ;;
	insert_final_newline=false) no_final_newline+=("$section") ;;
	esac
done < .editorconfig

# matches FILE GLOB...: a glob with a slash is a path from the top, any
# other matches the file's name.
matches() {
	local f=$1 g
	shift
	for g in "$@"; do
		if [[ $g == */* ]]; then
			[[ $f == $g ]] && return 0
		else
			[[ ${f##*/} == $g ]] && return 0
		fi
	done
	return 1
}

if (($# == 0)); then
	mapfile -t files < <(git ls-files)
else
	files=("$@")
fi

flagged=0 by_clang=0 by_editorconfig=0 checked=0 unreadable=0
for f in "${files[@]}"; do
	if [[ ! -f $f || ! -r $f ]]; then
		echo "$f: cannot read" >&2
		unreadable=1
		continue
	fi
	# binary files (and empty ones) have no lines to judge
	grep -Iq . "$f" || continue
	checked=$((checked + 1))
	problems=0
	c=0
	[[ $f == *.c || $f == *.h ]] && c=1
	if ((c)); then
		if ! report=$("$clang_format" --dry-run --style=file "$f" 2>&1)
		then
			echo "$f: $clang_format failed: ${report%%$'\n'*}" >&2
			unreadable=1
			continue
		fi
		n=$(grep -c 'warning:' <<<"$report")
		if ((n > 0)); then
			echo "$f: clang-format would change $n places"
			by_clang=$((by_clang + 1))
			problems=1
		fi
	fi
	trim=1 final=1
	matches "$f" "${keep_blanks[@]}" && trim=0
	matches "$f" "${no_final_newline[@]}" && final=0
	out=$(awk -v f="$f" -v trim=$trim -v c=$c '
		trim && /[ \t]$/ { print f ":" FNR ": trailing whitespace" }
		c && /^ / && !/^ \*/ { print f ":" FNR ": indented with blanks, not tabs" }
	' "$f")
	if ((final)) && [[ -n $(tail -c 1 "$f") ]]; then
		out+="${out:+$'\n'}$f: no newline at the end"
	fi
	if [[ -n $out ]]; then
		echo "$out"
		by_editorconfig=$((by_editorconfig + 1))
		problems=1
	fi
	flagged=$((flagged + problems))
done

echo "check-format: $flagged of $checked files flagged ($by_clang by clang-format," \
	"$by_editorconfig by the .editorconfig basics)"
((unreadable)) && exit 2
((flagged)) && exit 1
exit 0
