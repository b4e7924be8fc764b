#!/usr/bin/env bash
# make fuzz: build each libFuzzer target (clang, ASan+UBSan) against the core built with
# coverage, run each for FUZZ_SECONDS (default 60) from its seed corpus in tests/fuzz/corpus,
# and print the executions reached. A crash stops the run with the reproducer's path.
# FUZZ_TARGETS="a b" runs only those targets.
# tests/fuzz/RESULTS.md records a run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build-fuzz
seconds=${FUZZ_SECONDS:-60}
# shellcheck disable=SC2206 # a word list
targets=(${FUZZ_TARGETS:-selection rom device-spec sysfs-attr image admin-files})
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
make -s -C "$top" BUILD=build-fuzz CC=clang CFLAGS="$flags -fsanitize=fuzzer-no-link" build-fuzz/libvfioboot.a
cflags=$(make -s -C "$top" BUILD=build-fuzz --no-print-directory print-fuzz-flags)
libs=$(make -s -C "$top" BUILD=build-fuzz --no-print-directory print-fuzz-libs)
echo "| target | seconds | executions | corpus | result |"
echo "|---|---:|---:|---:|---|"
status=0
for t in "${targets[@]}"; do
	# shellcheck disable=SC2086 # flag lists
	clang $flags -fsanitize=fuzzer $cflags -o "$build/fuzz-$t" "$top/tests/fuzz/fuzz-$t.c" \
		"$build/libvfioboot.a" $libs
	corpus=$build/corpus-$t
	mkdir -p "$corpus" "$build/crashes-$t"
	result=ok
	if ! "$build/fuzz-$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/crashes-$t/" \
		"$corpus" "$top/tests/fuzz/corpus/$t" >"$build/fuzz-$t.log" 2>&1; then
		result="FAILED: $(find "$build/crashes-$t" -type f -printf '%f\n' | head -1) (log: $build/fuzz-$t.log)"
		status=1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$t.log")
	echo "| $t | $seconds | ${runs:-?} | $(find "$corpus" -type f | wc -l) | $result |"
done
exit $status
