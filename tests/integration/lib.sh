# shellcheck shell=bash
# What the integration scripts share: the binaries under test, a scratch directory, the TAP-like
# counters and the snapshot of a root. Sourced with the scratch directory's name:
#   . "$(dirname "$0")/lib.sh" NAME
#
# VALGRIND="valgrind OPTIONS" (make check-valgrind) runs every vfio-boot and vfio-boot-bind
# under it; the options make any error or leak exit 99, which no test expects.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-build}
bin="$top/$build/vfio-boot"
helper="$top/$build/vfio-boot-bind"
[ -x "$bin" ] || { echo "$0: $bin not built" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vfio-boot-$1.XXXXXX")
[ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT # KEEP_WORK=1 keeps it to look into

if [ -n "${VALGRIND:-}" ]; then
	# by its full path: some rows run with an empty PATH. Every run's report goes to its own
	# file: summary fails on any that is not empty, whatever the test did with the exit status
	read -r vg_prog vg_args <<<"$VALGRIND"
	vg_prog=$(command -v "$vg_prog") || { echo "$0: $VALGRIND: not found" >&2; exit 1; }
	mkdir -p "$work/valgrind/logs"
	chmod 1777 "$work/valgrind/logs" # a row may run the binary as nobody
	for b in vfio-boot vfio-boot-bind; do
		printf '#!/bin/sh\nexec %s %s --log-file="%s/valgrind/logs/%s.%%p" "%s" "$@"\n' \
			"$vg_prog" "$vg_args" "$work" "$b" "$top/$build/$b" >"$work/valgrind/$b"
		chmod +x "$work/valgrind/$b"
	done
	bin="$work/valgrind/vfio-boot" helper="$work/valgrind/vfio-boot-bind"
fi

. "$top/tests/tap.sh"
# Every run of vfio-boot through these has its exit status checked, whatever the test then
# does with it: vb expects 0, vb_exit STATUS expects STATUS ("3", or "0,3" where either is
# right, as for runs racing each other; vb_ok reports its own). Any other is written down with the line it came
# from, and summary makes a failed row of each.
vb() { vb_run 0 "$@"; }
vb_exit() { vb_run "$@"; }
vb_run() {
	local want=$1 root=$2 rc i
	shift 2
	"$bin" --root="$root" --sysroot="$root" "$@"
	rc=$?
	case ",$want," in *",$rc,"* | ,any,) return "$rc" ;; esac
	# the test's own line: the first caller that is not one of these functions
	for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
		case ${FUNCNAME[$i]} in vb | vb_exit | vb_run | vb_ok) ;; *) break ;; esac
	done
	local where="${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]}" top=$((${#FUNCNAME[@]} - 1))
	# in a function of the test's: where the script called it, too
	[ "$top" -gt "$i" ] && where+=" (from line ${BASH_LINENO[$((top - 1))]})"
	printf '%s: vfio-boot %s exited %s, expected %s\n' "$where" "$*" "$rc" "$want" >>"$work/unexpected-exit"
	return "$rc"
}
# vb_ok ROOT ARGS...: a run a test's setup needs to succeed (selecting the devices, say):
# when it fails, that is a row of its own with what it printed, not a later row's mystery
vb_ok() {
	local out rc
	out=$(vb_run any "$@" 2>&1) && return 0
	rc=$?
	not_ok "setup: vfio-boot ${*:2} exited $rc" "$out"
	return "$rc"
}

# snapshot DIR [SKIP...]: every path under DIR with its type, mode, link target and content
# hash, leaving out the top-level directories named in SKIP. The manifest's bytes carry a
# time stamp: only its presence counts.
snapshot() {
	local dir=$1 prune=() d
	shift
	for d in "$@"; do prune+=(-path "./$d" -prune -o); done
	(cd "$dir" && {
		find . "${prune[@]}" -printf '%y %m %p %l\n'
		find . "${prune[@]}" -type f ! -name manifest.json -exec sha256sum {} +
	} | sort)
}

# summary NAME: the last line, and the exit status
summary() {
	local log
	for log in "$work"/valgrind/logs/*; do
		[ -s "$log" ] || continue
		not_ok "valgrind: ${log##*/} reported an error or a leak" "$(head -40 "$log")"
	done
	if [ -s "$work/unexpected-exit" ]; then
		not_ok "every vfio-boot run exited as its test expects" "$(cat "$work/unexpected-exit")"
	fi
	tap_summary "$1"
}
