#!/usr/bin/env bash
# make bench: time `vfio-boot scan` (table and --json) against `lspci -nn` and the tutorial's shell loop (one
# `lspci -nns` per device) on synthetic sysroots of 64, 512 and 4096 functions, with hyperfine.
# Then plan's time, and the boot-time helper: its size, its run time on the 4096-function tree with 8
# configured devices, and the bytes it adds to an image. Prints Markdown tables;
# BENCHMARKS.md records a run. Needs hyperfine, lspci, python3, cpio, gzip.
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

echo "| functions | vfio-boot scan | scan --json | lspci -nn | tutorial loop | scan / lspci | --json / lspci | loop / scan |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in 64 512 4096; do
	root="$work/sys-$n"
	python3 "$top/bench/gen-listing.py" "$n" >"$work/listing-$n"
	python3 "$top/tests/fixtures/build-sysroot.py" "$work/listing-$n" "$root"
	cmds=("$bin --root=$root --sysroot=$root scan --all"
	      "lspci -A linux-sysfs -O sysfs.path=$root/sys/bus/pci -i $root/usr/share/misc/pci.ids -nn"
	      "$bin --root=$root --sysroot=$root scan --json")
	[ "$n" -le 512 ] && cmds+=("bash $work/loop.sh $root")
	# the 4096 rows are the target (within 1.2x of lspci): more runs against this VM's noise
	runs=10
	[ "$n" = 4096 ] && runs=30
	hyperfine -N --warmup 3 --min-runs $runs --export-json "$work/h-$n.json" "${cmds[@]}" >/dev/null 2>&1 ||
		hyperfine --warmup 3 --min-runs $runs --export-json "$work/h-$n.json" "${cmds[@]}" >/dev/null
	python3 - "$work/h-$n.json" "$n" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
scan, lspci, js = r[0], r[1], r[2]
loop = r[3] if len(r) > 3 else None
ms = lambda s: f"{s * 1000:.1f} ms"
print(f"| {sys.argv[2]} | {ms(scan)} | {ms(js)} | {ms(lspci)} | {ms(loop) if loop else 'not run'} | "
      f"{scan / lspci:.2f}x | {js / lspci:.2f}x | {f'{loop / scan:.0f}x' if loop else '-'} |")
PY
done

# the second shape at 4096: a group and a long name per function
root="$work/sys-groups"
python3 "$top/bench/gen-listing.py" 4096 --shape=groups >"$work/listing-groups"
python3 "$top/tests/fixtures/build-sysroot.py" "$work/listing-groups" "$root"
hyperfine -N --warmup 3 --min-runs 30 --export-json "$work/h-groups.json" \
	"$bin --root=$root --sysroot=$root scan --all" \
	"lspci -A linux-sysfs -O sysfs.path=$root/sys/bus/pci -i $root/usr/share/misc/pci.ids -nn" \
	"$bin --root=$root --sysroot=$root scan --json" >/dev/null 2>&1
python3 - "$work/h-groups.json" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
print(f"| 4096, a group and a long name each | {r[0] * 1000:.1f} ms | {r[2] * 1000:.1f} ms | {r[1] * 1000:.1f} ms | not run | "
      f"{r[0] / r[1]:.2f}x | {r[2] / r[1]:.2f}x | - |")
PY

# the same at 4096 in instructions (callgrind): what the wall times above scatter around
# on a shared machine, repeatable whatever the load
if command -v valgrind >/dev/null; then
	echo
	echo "| instructions at 4096 (callgrind) | scan | scan --json | lspci -nn | scan / lspci | --json / lspci |"
	echo "|---|---:|---:|---:|---:|---:|"
	for shape in 4096 groups; do
		root="$work/sys-$shape"
		count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
			sed -n 's/.*refs: *//p' | tr -d ,; }
		t=$(count "$bin" --root="$root" --sysroot="$root" scan --all)
		j=$(count "$bin" --root="$root" --sysroot="$root" scan --json)
		l=$(count lspci -A linux-sysfs -O sysfs.path="$root/sys/bus/pci" -i "$root/usr/share/misc/pci.ids" -nn)
		name="4-function slots"
		[ "$shape" = groups ] && name="a group and a long name each"
		awk -v n="$name" -v t="$t" -v j="$j" -v l="$l" 'BEGIN { printf "| %s | %.0f M | %.0f M | %.0f M | %.2fx | %.2fx |\n", n, t / 1e6, j / 1e6, l / 1e6, t / l, j / l }'
	done
fi

# ---- plan ----------------------------------------------------------------------------------
# `plan` reads the selection, probes every function, expands the groups, asks libkmod about
# each kernel and generates every file. On the tutorial's machine (2 kernels, 2 devices
# selected) and on a 4096-function tree with one kernel's modules (one GPU of 1024 identical
# ones selected: binding by address).
tut="$work/tutorial"
python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/tutorial-x99.listing" "$tut" >/dev/null
"$bin" --root="$tut" --sysroot="$tut" add -q 03:00.0 07:00.0
big="$work/plan-4096"
{
	cat "$work/listing-4096"
	echo "@module 6.1.0-bench-amd64 vfio"
	echo "@module 6.1.0-bench-amd64 vfio_pci alias=vfio_pci:v*d*sv*sd*bc*sc*i*"
	echo "@module 6.1.0-bench-amd64 vfio_iommu_type1"
	echo "@module 6.1.0-bench-amd64 nouveau alias=pci:v000010DEd*sv*sd*bc03sc*i*"
	echo "@module 6.1.0-bench-amd64 snd_hda_intel alias=pci:v*d*sv*sd*bc04sc03i00"
	echo "@module 6.1.0-bench-amd64 xhci_pci alias=pci:v*d*sv*sd*bc0Csc03i30"
} >"$work/listing-plan"
python3 "$top/tests/fixtures/build-sysroot.py" "$work/listing-plan" "$big" >/dev/null
"$bin" --root="$big" --sysroot="$big" add -q 01:05.0
hyperfine -N --warmup 3 --min-runs 20 --export-json "$work/plan.json" \
	"$bin --root=$tut --sysroot=$tut plan --json" "$bin --root=$big --sysroot=$big plan --json" \
	"$bin --root=$tut --sysroot=$tut -q profile --libvirt-version=9.0" >/dev/null 2>&1
python3 - "$work/plan.json" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
print()
print("| plan and profile | time |")
print("|---|---:|")
print(f"| tutorial's machine: 2 kernels, 2 devices selected | {r[0] * 1000:.1f} ms |")
print(f"| 4096 functions, 1 kernel, 1 of 1024 identical GPUs selected | {r[1] * 1000:.1f} ms |")
print(f"| profile (domain XML) on the tutorial's machine: plan, topology, libxml2 loaded | {r[2] * 1000:.1f} ms |")
PY

# ---- the boot-time helper ------------------------------------------------------------------
# udev runs it for each selected function as it appears (the rule apply generates names
# their addresses); until that rule, a packaged one ran it for every PCI function. On the
# 4096-function tree, with 8 configured devices: one run for a configured address (it
# binds) and one for any other (what each unselected function cost before: it reads the
# device list and leaves). Its writes go to files under the tree.
helper=$(dirname "$bin")/vfio-boot-bind
root="$work/sys-4096"
mkdir -p "$root/etc/vfio-boot"
mapfile -t addrs < <(find "$root/sys/bus/pci/devices/" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
: >"$root/etc/vfio-boot/devices.conf"
for i in 0 512 1024 1536 2048 2560 3072 3584; do
	a=${addrs[$i]}
	printf 'device %s %s\n' "$a" "$(sed 's/^0x//' "$root/sys/bus/pci/devices/$a/vendor"):$(sed 's/^0x//' "$root/sys/bus/pci/devices/$a/device")" >>"$root/etc/vfio-boot/devices.conf"
done
configured=${addrs[3584]} other=${addrs[100]}
VFIO_BOOT_BIND_ROOT=$root hyperfine -N --warmup 20 --min-runs 200 --export-json "$work/helper.json" \
	"$helper $configured" "$helper $other" >/dev/null 2>&1
stripped="$work/vfio-boot-bind.stripped"
strip -o "$stripped" "$helper"
# what an image gains beyond the vfio modules: the helper, the rule, the device list, the
# modprobe file (uncompressed, and as gzip adds it to a cpio)
fx="$work/fixture"
python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/identical-gpus.listing" "$fx" >/dev/null
"$bin" --root="$fx" --sysroot="$fx" add -q 02:00.0
mkdir -p "$work/img/usr/libexec/vfio-boot" "$work/img/lib/udev/rules.d" "$work/img/etc/vfio-boot" "$work/img/etc/modprobe.d"
cp "$stripped" "$work/img/usr/libexec/vfio-boot/vfio-boot-bind"
"$bin" --root="$fx" --sysroot="$fx" generate udev-rule >"$work/img/lib/udev/rules.d/60-vfio-boot.rules"
"$bin" --root="$fx" --sysroot="$fx" generate devices >"$work/img/etc/vfio-boot/devices.conf"
"$bin" --root="$fx" --sysroot="$fx" generate modprobe >"$work/img/etc/modprobe.d/vfio-boot.conf"
added=$(find "$work/img" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
added_gz=$(cd "$work/img" && find . -type f | cpio -o -H newc 2>/dev/null | gzip -9 | wc -c)
python3 - "$work/helper.json" "$(stat -c %s "$helper")" "$(stat -c %s "$stripped")" "$added" "$added_gz" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
size, stripped, added, added_gz = (int(x) for x in sys.argv[2:6])
us = lambda s: f"{s * 1e6:.0f} µs"
print()
print("| boot-time helper | figure |")
print("|---|---:|")
print(f"| size (as built / stripped) | {size} / {stripped} bytes |")
print(f"| run for a configured address (binds; 4096 functions, 8 configured) | {us(r[0])} |")
print(f"| run for any other address (reads the list, leaves) | {us(r[1])} |")
print(f"| runs per boot and udev phase, 4096 functions, 8 selected: the generated rule / the packaged rule before it | 8 / 4096 |")
print(f"| their CPU time: the generated rule / the packaged rule before it | {8 * r[0] * 1000:.1f} ms / {(8 * r[0] + 4088 * r[1]) * 1000:.0f} ms |")
print(f"| bytes added to an image beyond the vfio modules | {added} uncompressed, {added_gz} gzip-compressed |")
PY
