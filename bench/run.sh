#!/usr/bin/env bash
# make bench: time `vfio-boot scan` against `lspci -nn` and the tutorial's shell loop (one
# `lspci -nns` per device) on synthetic sysroots of 64, 512 and 4096 functions, with hyperfine.
# Prints a Markdown table; BENCHMARKS.md records a run. Needs hyperfine, lspci, python3.
set -euo pipefail
bin=$(realpath "${1:-build/vfio-boot}")
top=$(cd "$(dirname "$0")/.." && pwd)
for tool in hyperfine lspci python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed (apt-get install hyperfine pciutils python3)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vfio-boot-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/loop.sh" <<'LOOP'
# The tutorial's loop, pointed at a sysroot: one lspci per device.
root=$1
for d in "$root"/sys/kernel/iommu_groups/*/devices/*; do
	n=${d#*/iommu_groups/*}; n=${n%%/*}
	printf 'IOMMU Group %s ' "$n"
	lspci -A linux-sysfs -O sysfs.path="$root/sys/bus/pci" -i "$root/usr/share/misc/pci.ids" -nns "${d##*/}"
done
LOOP

echo "| functions | vfio-boot scan | lspci -nn | tutorial loop | scan / lspci | loop / scan |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in 64 512 4096; do
	root="$work/sys-$n"
	python3 "$top/bench/gen-listing.py" "$n" >"$work/listing-$n"
	python3 "$top/tests/fixtures/build-sysroot.py" "$work/listing-$n" "$root"
	cmds=("$bin --root=$root --sysroot=$root scan --all"
	      "lspci -A linux-sysfs -O sysfs.path=$root/sys/bus/pci -i $root/usr/share/misc/pci.ids -nn")
	[ "$n" -le 512 ] && cmds+=("bash $work/loop.sh $root")
	hyperfine -N --warmup 3 --min-runs 10 --export-json "$work/h-$n.json" "${cmds[@]}" >/dev/null 2>&1 ||
		hyperfine --warmup 3 --min-runs 10 --export-json "$work/h-$n.json" "${cmds[@]}" >/dev/null
	python3 - "$work/h-$n.json" "$n" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
scan, lspci = r[0], r[1]
loop = r[2] if len(r) > 2 else None
ms = lambda s: f"{s * 1000:.1f} ms"
print(f"| {sys.argv[2]} | {ms(scan)} | {ms(lspci)} | {ms(loop) if loop else 'not run'} | "
      f"{scan / lspci:.2f}x | {f'{loop / scan:.0f}x' if loop else '-'} |")
PY
done
