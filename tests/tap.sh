# shellcheck shell=bash
# The rows every test suite prints, TAP-like: "ok - WHAT", "not ok - WHAT" with what went
# wrong indented under it, and the count at the end. Sourced by tests/integration/lib.sh,
# tests/boot/run.sh and tests/package/run.sh.
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	if [ -n "${2:-}" ]; then sed 's/^/    /' <<<"$2"; fi
}
# tap_summary NAME: the last line, and the exit status
tap_summary() {
	echo "# $1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}
