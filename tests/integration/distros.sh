#!/usr/bin/env bash
# Every distribution's boot setup (tests/fixtures/build-sysroot.py --distro=): the tutorial's
# machine under each, the plan compared with tests/golden/distros/<distro>/plan.json, then
# apply and revert with fake regeneration commands on PATH that record their argv: the
# commands run are the plan's, the admin's files carry our part and a real reader of each
# file (sh, bash, kernel-install, the mkinitcpio hook API) finds the parameters, a second
# apply changes nothing, and revert leaves every byte as it was, except what the admin
# changed since.
#
#   UPDATE_GOLDEN=1 tests/integration/distros.sh   rewrite the golden files; review the diff
set -u
. "$(dirname "$0")/lib.sh" distros
snapshot_root() { snapshot "$1" sys proc lib; }
listing="$top/tests/fixtures/machines/tutorial-x99.listing"
params="intel_iommu=on vfio-pci.ids=1002:67b1,1002:aac8"

mkdir -p "$work/bin"
for c in update-initramfs update-grub dracut mkinitcpio grub-mkconfig grub2-mkconfig grubby kernelstub proxmox-boot-tool; do
	# one line per run: the command, then each argument in brackets
	printf '#!/bin/sh\n{ printf %%s %s; for a; do printf " [%%s]" "$a"; done; echo; } >>"%s/calls"\n' "$c" "$work" >"$work/bin/$c"
	chmod +x "$work/bin/$c"
done
run() { local want=$1; shift; PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit "$want" "$@"; } # WANT_EXIT ROOT ARGS...
# the plan's commands in the fakes' format
planned_calls() { python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["commands"]: print(c[0] + "".join(" [%s]" % a for a in c[1:]))' "$1"; }

golden_plan() {
	local d=$1 root=$2 dir="$top/tests/golden/distros/$1"
	vb "$root" plan --json >"$work/plan.json" 2>"$work/err"
	sed "s|$root|@ROOT@|g" "$work/plan.json" >"$work/plan.golden"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then mkdir -p "$dir" && cp "$work/plan.golden" "$dir/plan.json"; fi
	if diff -u "$dir/plan.json" "$work/plan.golden" >"$work/diff"; then ok "$d: plan as tests/golden/distros/$d/plan.json"
	else not_ok "$d: plan as tests/golden/distros/$d/plan.json" "$(head -40 "$work/diff")"; fi
}

# What reads each file finds our parameters in it.
consumers() {
	local d=$1 r=$2
	case $d in
	fedora | rhel | opensuse | arch-grub)
		# grub(2)-mkconfig sources /etc/default/grub with sh
		local v
		v=$(sh -c '. "$1/etc/default/grub" 2>/dev/null; echo "$GRUB_CMDLINE_LINUX_DEFAULT"' sh "$r")
		case " $v " in *" intel_iommu=on vfio-pci.ids=1002:67b1,1002:aac8 "*) ok "$d: /etc/default/grub gives grub-mkconfig the parameters ($v)" ;;
		*) not_ok "$d: /etc/default/grub gives grub-mkconfig the parameters" "$v" ;; esac
		# (SC2034: the variables are grub-mkconfig's to read)
		sed -n '/^# BEGIN vfio-boot/,/^# END vfio-boot/p' "$r/etc/default/grub" >"$work/block"
		if [ "$(wc -l <"$work/block")" = 3 ] && shellcheck -s sh -e SC2034 "$work/block" >"$work/sc" 2>&1; then
			ok "$d: the block in /etc/default/grub passes shellcheck"
		else not_ok "$d: the block in /etc/default/grub passes shellcheck" "$(cat "$work/block" "$work/sc")"; fi ;;
	esac
	case $d in
	fedora | rhel | arch-systemd-boot)
		# kernel-install's loader entry plugin writes the entry of a new kernel from it
		# (its configuration directory beside the root: the BLS layout is the test's choice)
		rm -rf "$work/esp" "$work/kconf" && mkdir -p "$work/esp" "$work/kconf" && echo linux >"$work/vmlinuz"
		cp "$r/etc/kernel/cmdline" "$work/kconf/" && echo layout=bls >"$work/kconf/install.conf"
		KERNEL_INSTALL_CONF_ROOT="$work/kconf" BOOT_ROOT="$work/esp" \
			MACHINE_ID=0123456789abcdef0123456789abcdef KERNEL_INSTALL_MACHINE_ID=0123456789abcdef0123456789abcdef \
			KERNEL_INSTALL_PLUGINS=/usr/lib/kernel/install.d/90-loaderentry.install \
			kernel-install -v add 6.1.0-new "$work/vmlinuz" >"$work/ki.log" 2>&1
		if grep -q "^options .*root=UUID=.* $params" "$work"/esp/loader/entries/*-6.1.0-new.conf 2>/dev/null; then
			ok "$d: kernel-install gives a new kernel's entry the parameters from /etc/kernel/cmdline"
		else not_ok "$d: kernel-install gives a new kernel's entry the parameters from /etc/kernel/cmdline" "$(cat "$work/ki.log" "$work"/esp/loader/entries/* 2>&1)"; fi ;;
	esac
	case $d in
	arch-grub | arch-systemd-boot)
		# mkinitcpio sources mkinitcpio.conf, then the drop-ins, with bash
		local out
		out=$(bash -c '. "$1/etc/mkinitcpio.conf"; for f in "$1"/etc/mkinitcpio.conf.d/*.conf; do . "$f"; done
			echo "${MODULES[*]}|${FILES[*]}|${HOOKS[*]}"' sh "$r")
		if [ "$out" = "vfio_pci vfio_iommu_type1|/etc/modprobe.d/vfio-boot.conf|base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck vfio-boot" ] &&
			shellcheck -s bash -e SC2034 "$r/etc/mkinitcpio.conf.d/vfio-boot.conf"; then
			ok "$d: mkinitcpio reads the modules, the file and the vfio-boot hook from the drop-in"
		else not_ok "$d: mkinitcpio reads the modules, the file and the vfio-boot hook from the drop-in" "$out"; fi ;;
	proxmox | proxmox-zfs)
		# systemd-modules-load reads the vfio modules; proxmox-boot-tool copies
		# /etc/kernel/cmdline, one line, to the ESPs' loader entries
		if [ "$(grep -v '^#' "$r/etc/modules-load.d/vfio-boot.conf" | tr '\n' ' ')" = "vfio vfio_iommu_type1 vfio_pci " ]; then
			ok "$d: /etc/modules-load.d/vfio-boot.conf loads vfio, vfio_iommu_type1 and vfio_pci"
		else not_ok "$d: /etc/modules-load.d/vfio-boot.conf loads vfio, vfio_iommu_type1 and vfio_pci" "$(cat "$r/etc/modules-load.d/vfio-boot.conf")"; fi
		if [ "$d" = proxmox-zfs ]; then
			if [ "$(cat "$r/etc/kernel/cmdline")" = "root=ZFS=rpool/ROOT/pve-1 boot=zfs $params" ] && [ ! -e "$r/etc/default/grub.d/vfio-boot.cfg" ]; then
				ok "$d: the parameters are in /etc/kernel/cmdline for proxmox-boot-tool, not in GRUB's files"
			else not_ok "$d: the parameters are in /etc/kernel/cmdline for proxmox-boot-tool, not in GRUB's files" "$(cat "$r/etc/kernel/cmdline"; ls "$r/etc/default/grub.d")"; fi
		elif [ -e "$r/etc/default/grub.d/vfio-boot.cfg" ] && [ ! -e "$r/etc/kernel/cmdline" ]; then
			ok "$d: without proxmox-boot-tool's ESPs the parameters go to GRUB's drop-in"
		else not_ok "$d: without proxmox-boot-tool's ESPs the parameters go to GRUB's drop-in" "$(ls "$r/etc/default/grub.d" "$r/etc/kernel")"; fi ;;
	debian-refind)
		if [ "$(grep -c " $params\"\$" "$r/boot/refind_linux.conf")" = 3 ] &&
			grep -q "^\"vfio-boot: .*\" \"root=UUID=.* ro quiet vfio-boot=off\"$" "$r/boot/refind_linux.conf"; then
			ok "$d: every refind_linux.conf line has the parameters, and one more boots with vfio-boot=off"
		else not_ok "$d: every refind_linux.conf line has the parameters, and one more boots with vfio-boot=off" "$(cat "$r/boot/refind_linux.conf")"; fi ;;
	esac
}

for d in debian debian-refind ubuntu-dracut fedora rhel opensuse arch-grub arch-systemd-boot popos proxmox proxmox-zfs; do
	r="$work/$d"
	if ! python3 "$top/tests/fixtures/build-sysroot.py" --distro="$d" "$listing" "$r" >"$work/build.log" 2>&1; then
		not_ok "$d: fixture build" "$(cat "$work/build.log")"
		continue
	fi
	vb_ok "$r" add -q 03:00.0
	snapshot_root "$r" >"$work/before.snap"
	golden_plan "$d" "$r"
	planned_calls "$work/plan.json" >"$work/want-calls"

	# (apply then reads the images the fakes did not build, and says they would not bind)
	rm -f "$work/calls"
	run 1 "$r" apply -q >"$work/out" 2>&1
	if diff -u "$work/want-calls" "$work/calls" >"$work/diff"; then
		ok "$d: apply runs the planned commands ($(cut -d' ' -f1 "$work/want-calls" | tr '\n' ' '))"
	else not_ok "$d: apply runs the planned commands" "$(cat "$work/out" "$work/diff")"; fi
	consumers "$d" "$r"

	rm -f "$work/calls"
	run 1 "$r" apply --json >"$work/out" 2>&1
	if grep -q '"changed": false' "$work/out" && [ ! -e "$work/calls" ]; then ok "$d: a second apply changes nothing, runs nothing"
	else not_ok "$d: a second apply changes nothing, runs nothing" "$(cat "$work/out" "$work/calls" 2>/dev/null)"; fi

	rm -f "$work/calls"
	run 0 "$r" revert -q >"$work/out" 2>&1
	snapshot_root "$r" | grep -v ' ./var/lib/vfio-boot' >"$work/after.snap"
	grep -v ' ./var/lib/vfio-boot' "$work/before.snap" >"$work/before2.snap"
	if diff -u "$work/before2.snap" "$work/after.snap" >"$work/diff"; then ok "$d: revert leaves every byte as before apply"
	else not_ok "$d: revert leaves every byte as before apply" "$(cat "$work/out"; head -30 "$work/diff")"; fi
	case $d in
	fedora | rhel)
		grep -qxF "grubby [--update-kernel=ALL] [--remove-args=$params]" "$work/calls" && ok "$d: revert takes the parameters out of the BLS entries with grubby" ||
			not_ok "$d: revert takes the parameters out of the BLS entries with grubby" "$(cat "$work/calls")" ;;
	popos)
		grep -qxF "kernelstub [-d] [$params]" "$work/calls" && ok "$d: revert takes the parameters out with kernelstub -d" ||
			not_ok "$d: revert takes the parameters out with kernelstub -d" "$(cat "$work/calls")" ;;
	esac
done

# The way back that apply names is the one the boot loader has.
for c in debian:grub-dropin:'pick a "recovery mode" entry' debian-refind:refind:'pick the rEFInd entry with vfio-boot=off' \
	fedora:grub-bls:'add vfio-boot=off to the kernel command line at' debian:none:'are yours to add'; do
	d=${c%%:*} rest=${c#*:} bl=${rest%%:*} want=${rest#*:}
	r="$work/wayback"
	rm -rf "$r" && python3 "$top/tests/fixtures/build-sysroot.py" --distro="$d" "$listing" "$r" >/dev/null
	vb "$r" apply --no-rebuild --bootloader="$bl" 03:00.0 >"$work/out" 2>&1
	if grep -qF "$want" "$work/out" && { [ "$bl" = grub-dropin ] || ! grep -q 'recovery mode' "$work/out"; }; then
		ok "apply names the way back $bl has"
	else not_ok "apply names the way back $bl has" "$(cat "$work/out")"; fi
done

# status after a reboot without the parameters, with no boot loader found: they are the
# admin's to add, not "the boot loader configuration was not regenerated"
r="$work/wayback"
printf 'cpu  1 0 1 100 0 0 0 0 0 0\nbtime %s\n' "$(( $(date +%s) + 60 ))" >"$r/proc/stat"
echo "BOOT_IMAGE=/boot/vmlinuz ro quiet" >"$r/proc/cmdline"
sed -i 's/"rebuild":"skipped"/"rebuild":"done"/' "$r/var/lib/vfio-boot/manifest.json"
vb_exit 1 "$r" status --bootloader=none >"$work/out" 2>&1
grep -q 'no boot loader was found, so the parameters are yours to add' "$work/out" && ! grep -q 'was not regenerated' "$work/out" &&
	ok "status with no boot loader: the missing parameters are the admin's to add" ||
	not_ok "status with no boot loader: the missing parameters are the admin's to add" "$(cat "$work/out")"

# The admin's edits since apply stay; only our part goes.
r="$work/fedora"
run 1 "$r" apply -q >/dev/null 2>&1
echo 'GRUB_TIMEOUT=10' >>"$r/etc/default/grub"
sed -i 's/ rhgb / rhgb nomodeset /' "$r/etc/kernel/cmdline"
vb_exit 1 "$r" status --json >"$work/status.json" 2>&1
if grep -A1 '"path": "/etc/kernel/cmdline"' "$work/status.json" | grep -q '"state": "ok"' &&
	grep -A1 '"path": "/etc/default/grub"' "$work/status.json" | grep -q '"state": "pending"'; then
	ok "status: the admin's edits around our part are not drift; a setting after the GRUB block is (apply moves it last)"
else not_ok "status: the admin's edits around our part are not drift; a setting after the GRUB block is (apply moves it last)" "$(grep -A1 '"path"' "$work/status.json")"; fi
run 0 "$r" revert -q >"$work/out" 2>&1
if [ "$(tail -1 "$r/etc/default/grub")" = GRUB_TIMEOUT=10 ] && ! grep -q vfio-boot "$r/etc/default/grub" &&
	[ "$(cat "$r/etc/kernel/cmdline")" = "root=UUID=0b6d2f4e-8f5c-4c1e-9d3a-2f3c1f0e7a11 ro rhgb nomodeset quiet" ]; then
	ok "revert keeps the admin's later edits to /etc/default/grub and /etc/kernel/cmdline, takes out only ours"
else not_ok "revert keeps the admin's later edits to /etc/default/grub and /etc/kernel/cmdline, takes out only ours" "$(cat "$work/out" "$r/etc/default/grub" "$r/etc/kernel/cmdline")"; fi

# A parameter the entries already had is not vfio-boot's: grubby does not add it, revert keeps it.
r="$work/rhel"
sed -i 's/ quiet$/ quiet intel_iommu=on/' "$r/etc/kernel/cmdline"
rm -f "$work/calls"
run 1 "$r" apply -q >/dev/null 2>&1
if grep -qxF "grubby [--update-kernel=ALL] [--args=vfio-pci.ids=1002:67b1,1002:aac8]" "$work/calls" &&
	grep -q ' quiet intel_iommu=on vfio-pci.ids=1002:67b1,1002:aac8$' "$r/etc/kernel/cmdline"; then
	ok "a parameter already on the command line is not added twice, to the entries or to /etc/kernel/cmdline"
else not_ok "a parameter already on the command line is not added twice, to the entries or to /etc/kernel/cmdline" "$(cat "$work/calls" "$r/etc/kernel/cmdline")"; fi
rm -f "$work/calls"
run 0 "$r" revert -q >/dev/null 2>&1
if grep -qxF "grubby [--update-kernel=ALL] [--remove-args=vfio-pci.ids=1002:67b1,1002:aac8]" "$work/calls" &&
	grep -q ' quiet intel_iommu=on$' "$r/etc/kernel/cmdline"; then
	ok "revert takes out only the parameters vfio-boot added"
else not_ok "revert takes out only the parameters vfio-boot added" "$(cat "$work/calls" "$r/etc/kernel/cmdline")"; fi

# A changed selection: the entries lose what is no longer wanted.
r="$work/popos"
run 1 "$r" apply -q >/dev/null 2>&1
sed -i 's/^iommu-pt no/iommu-pt yes/' "$r/etc/vfio-boot.conf"
rm -f "$work/calls"
run 1 "$r" apply -q >"$work/out" 2>&1
if grep -qxF "kernelstub [-a] [intel_iommu=on iommu=pt vfio-pci.ids=1002:67b1,1002:aac8]" "$work/calls"; then
	ok "popos: a new parameter reaches kernelstub"
else not_ok "popos: a new parameter reaches kernelstub" "$(cat "$work/out" "$work/calls")"; fi
sed -i 's/^iommu-pt yes/iommu-pt no/' "$r/etc/vfio-boot.conf"
rm -f "$work/calls"
run 1 "$r" apply -q >"$work/out" 2>&1
if grep -qxF "kernelstub [-d] [iommu=pt]" "$work/calls"; then ok "popos: a parameter no longer wanted is taken out with kernelstub -d"
else not_ok "popos: a parameter no longer wanted is taken out with kernelstub -d" "$(cat "$work/out" "$work/calls")"; fi
run 0 "$r" revert -q >/dev/null 2>&1

# Nothing selected any more: apply takes our part out of the admin's files and forgets them.
r="$work/arch-grub"
cp "$r/etc/default/grub" "$work/grub.orig"
run 1 "$r" apply -q >/dev/null 2>&1
vb_ok "$r" remove -q 03:00.0
run 0 "$r" apply -q >"$work/out" 2>&1
if cmp -s "$work/grub.orig" "$r/etc/default/grub" && ! grep -q '"/etc/default/grub"' "$r/var/lib/vfio-boot/manifest.json" 2>/dev/null &&
	[ -z "$(ls "$r/var/lib/vfio-boot/backups" 2>/dev/null)" ]; then
	ok "an emptied selection: apply restores /etc/default/grub and keeps no record or backup of it"
else not_ok "an emptied selection: apply restores /etc/default/grub and keeps no record or backup of it" "$(cat "$work/out"; diff "$work/grub.orig" "$r/etc/default/grub"; ls "$r/var/lib/vfio-boot/backups")"; fi
vb_ok "$r" add -q 03:00.0

# An admin's file without a last newline gets one with our part, and revert takes it out
# again: the file comes back byte for byte.
for d in arch-grub:/etc/default/grub debian-refind:/boot/refind_linux.conf; do
	r="$work/nl-${d%%:*}" f="${d#*:}"
	python3 "$top/tests/fixtures/build-sysroot.py" --distro="${d%%:*}" "$listing" "$r" >/dev/null
	printf '%s' "$(cat "$r$f")" >"$work/nl.orig" && cp "$work/nl.orig" "$r$f"
	vb_ok "$r" add -q 03:00.0
	vb "$r" apply -q --no-rebuild >"$work/out" 2>&1
	added=$(tail -c 1 "$r$f" | od -An -c | tr -d ' ')
	vb "$r" revert -q --no-rebuild >>"$work/out" 2>&1
	if [ "$added" = '\n' ] && cmp -s "$work/nl.orig" "$r$f"; then
		ok "${d%%:*}: $f without a last newline comes back byte for byte"
	else not_ok "${d%%:*}: $f without a last newline comes back byte for byte" "$(cat "$work/out"; cmp "$work/nl.orig" "$r$f")"; fi
done

# grubby's BLS entries without /etc/kernel/cmdline: a parameter every entry has already is
# left to them (not added, so never taken out); one that only some have is added to all.
r="$work/bls-entries"
python3 "$top/tests/fixtures/build-sysroot.py" --distro=fedora "$listing" "$r" >/dev/null
vb_ok "$r" add -q 03:00.0
rm "$r/etc/kernel/cmdline"
first=$(ls "$r"/boot/loader/entries/*.conf | head -1)
sed -i 's/^options .*/& intel_iommu=on/' "$first"
vb "$r" plan --json >"$work/some.json" 2>&1
sed -i 's/^options .*/& intel_iommu=on/' "$r"/boot/loader/entries/*.conf
sed -i 's/ intel_iommu=on intel_iommu=on$/ intel_iommu=on/' "$first"
vb "$r" plan --json >"$work/all.json" 2>&1
if python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["entry_args"]; b=json.load(open(sys.argv[2]))["entry_args"]; sys.exit(not ("intel_iommu=on" in a and "intel_iommu=on" not in b and "vfio-pci.ids=1002:67b1,1002:aac8" in b))' "$work/some.json" "$work/all.json"; then
	ok "fedora without /etc/kernel/cmdline: a parameter every BLS entry has is not grubby's to add"
else not_ok "fedora without /etc/kernel/cmdline: a parameter every BLS entry has is not grubby's to add" "$(grep -A4 entry_args "$work/some.json" "$work/all.json")"; fi

# The same entries through apply and revert with a grubby that edits them: the entry that
# had intel_iommu=on before keeps it after revert, the other one loses it again.
mkdir -p "$work/bin-edit" && cp "$work/bin/"* "$work/bin-edit/"
cat >"$work/bin-edit/grubby" <<'GRUBBY'
#!/usr/bin/env python3
# grubby --update-kernel=ALL|KERNEL --args=...|--remove-args=... on $FAKE_ROOT's BLS entries
import glob, os, sys
opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
for f in glob.glob(os.environ["FAKE_ROOT"] + "/boot/loader/entries/*.conf"):
    lines = open(f).read().split("\n")
    linux = next(l.split()[1] for l in lines if l.startswith("linux "))
    if opts["update-kernel"] not in ("ALL", linux if linux.startswith("/boot/") else "/boot" + linux):
        continue
    for i, l in enumerate(lines):
        if l.startswith("options "):
            words = l.split()[1:]
            for a in opts.get("args", "").split():
                words = [w for w in words if w.split("=")[0] != a.split("=")[0]] + [a]
            words = [w for w in words if w not in opts.get("remove-args", "").split()]
            lines[i] = "options " + " ".join(words)
    open(f, "w").write("\n".join(lines))
GRUBBY
chmod +x "$work/bin-edit/grubby"
entry_words() { for e in "$1"/boot/loader/entries/*.conf; do echo "${e##*/}: $(sed -n 's/^options //p' "$e" | tr ' ' '\n' | sort | tr '\n' ' ')"; done; }
r="$work/bls-kept"
python3 "$top/tests/fixtures/build-sysroot.py" --distro=fedora "$listing" "$r" >/dev/null
vb_ok "$r" add -q 03:00.0
rm "$r/etc/kernel/cmdline"
sed -i 's/^options .*/& intel_iommu=on/' "$(ls "$r"/boot/loader/entries/*.conf | head -1)"
entry_words "$r" >"$work/entries.before"
FAKE_ROOT=$r PATH="$work/bin-edit:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$r" apply -q >/dev/null 2>&1
applied_ok=$(entry_words "$r" | grep -c 'intel_iommu=on.*vfio-pci.ids=')
FAKE_ROOT=$r PATH="$work/bin-edit:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$r" revert -q >"$work/out" 2>&1
if [ "$applied_ok" = 2 ] && entry_words "$r" | cmp -s - "$work/entries.before"; then
	ok "grubby: an entry that had intel_iommu=on before apply still has it after revert"
else not_ok "grubby: an entry that had intel_iommu=on before apply still has it after revert" "$(cat "$work/out"; entry_words "$r" | diff "$work/entries.before" -)"; fi

# Overrides, and what is not guessed.
r="$work/fedora"
vb "$r" plan --json --bootloader=none >"$work/out" 2>&1
if grep -q '"code": "no-bootloader"' "$work/out" && ! grep -q '"path": "/etc/default/grub"' "$work/out" && grep -q '"bootloader_forced": true' "$work/out"; then
	ok "--bootloader=none: the admin's boot files are left alone, the parameters are listed"
else not_ok "--bootloader=none: the admin's boot files are left alone, the parameters are listed" "$(cat "$work/out")"; fi
vb "$r" plan --json --initramfs=mkinitcpio >"$work/out" 2>&1
grep -q '"path": "/etc/mkinitcpio.conf.d/vfio-boot.conf"' "$work/out" && grep -q '"mkinitcpio",' "$work/out" && ok "--initramfs= chooses the generator" || not_ok "--initramfs= chooses the generator" "$(cat "$work/out")"
vb "$r" check --bootloader=grub-dropin --json >"$work/out" 2>&1
grep -q '"message": "Fedora Linux 41 (Workstation Edition): boot loader GRUB (/etc/default/grub.d, update-grub) (--bootloader), initramfs dracut"' "$work/out" &&
	ok "check reports the boot setup and the override" || not_ok "check reports the boot setup and the override" "$(grep boot-setup -A3 "$work/out")"
"$bin" --bootloader=lilo plan >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q -- "--bootloader=lilo: not one of grub-dropin, grub, grub-bls, systemd-boot, kernelstub, refind, proxmox-boot-tool, none" "$work/err" &&
	ok "--bootloader= with an unknown name is a usage error that lists the names" || not_ok "--bootloader= with an unknown name is a usage error that lists the names" "$(cat "$work/err")"
# booster: best effort, said so; a block in /etc/booster.yaml that a YAML reader takes
r="$work/arch-booster"
python3 "$top/tests/fixtures/build-sysroot.py" --distro=arch-booster "$listing" "$r" >/dev/null
vb_ok "$r" add -q 03:00.0
snapshot_root "$r" | grep -v ' ./var/lib/vfio-boot' >"$work/before.snap"
golden_plan arch-booster "$r"
grep -q '"code": "best-effort"' "$work/plan.json" && grep -q '"/usr/lib/booster/regenerate_images"' "$work/plan.json" &&
	ok "arch-booster: the plan says booster is best effort and regenerates its images" || not_ok "arch-booster: the plan says booster is best effort and regenerates its images" "$(cat "$work/plan.json")"
vb "$r" apply -q --no-rebuild >/dev/null 2>&1
yaml=$(python3 -c 'import yaml,sys; d=yaml.safe_load(open(sys.argv[1])); print(d["modules_force_load"], d["compression"])' "$r/etc/booster.yaml" 2>&1)
[ "$yaml" = "vfio_pci,vfio_iommu_type1 zstd" ] && ok "arch-booster: /etc/booster.yaml loads vfio_pci and keeps the admin's settings" ||
	not_ok "arch-booster: /etc/booster.yaml loads vfio_pci and keeps the admin's settings" "$yaml"
vb "$r" revert -q --no-rebuild >/dev/null 2>&1
snapshot_root "$r" | grep -v ' ./var/lib/vfio-boot' | diff -u "$work/before.snap" - >"$work/diff" &&
	ok "arch-booster: revert leaves every byte as before apply" || not_ok "arch-booster: revert leaves every byte as before apply" "$(cat "$work/diff")"
printf 'modules_force_load: nvme\n' >>"$r/etc/booster.yaml"
vb_exit 1 "$r" plan >"$work/out" 2>&1
[ $? = 1 ] && grep -q "refused (booster-config): /etc/booster.yaml sets modules_force_load already" "$work/out" &&
	ok "booster with its own modules_force_load: refused, with the step to do by hand" || not_ok "booster with its own modules_force_load: refused, with the step to do by hand" "$(cat "$work/out")"
r="$work/identical-booster"
python3 "$top/tests/fixtures/build-sysroot.py" --distro=arch-booster "$top/tests/fixtures/machines/identical-gpus.listing" "$r" >/dev/null
snapshot_root "$r" >"$work/idb.snap"
vb_exit 1 "$r" add 02:00.0 >"$work/out" 2>&1
[ $? = 1 ] && grep -q "refused (unsupported-initramfs): booster runs no udev rules" "$work/out" && snapshot_root "$r" | cmp -s - "$work/idb.snap" &&
	ok "booster cannot bind by address: identical GPUs are refused with the way out" || not_ok "booster cannot bind by address: identical GPUs are refused with the way out" "$(cat "$work/out")"
r="$work/arch-systemd-boot"
rm "$r/etc/kernel/cmdline"
vb "$r" plan --json >"$work/out" 2>&1
grep -q 'systemd-boot without /etc/kernel/cmdline: create it' "$work/out" && ! grep -q '"path": "/etc/kernel/cmdline"' "$work/out" &&
	ok "systemd-boot without /etc/kernel/cmdline: no file is made up, the steps are given" || not_ok "systemd-boot without /etc/kernel/cmdline: no file is made up, the steps are given" "$(cat "$work/out")"

# A cut block is the admin's to mend: plan refuses, apply writes nothing.
r="$work/opensuse"
run 1 "$r" apply -q >/dev/null 2>&1
sed -i '/^# END vfio-boot/d' "$r/etc/default/grub"
snapshot_root "$r" >"$work/cut.snap"
run 1 "$r" apply >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q "refused (damaged-block): /etc/default/grub: a '# BEGIN vfio-boot' line without its '# END vfio-boot'" "$work/out" &&
	snapshot_root "$r" | cmp -s - "$work/cut.snap"; then ok "a block without its end line is refused and nothing changes"
else not_ok "a block without its end line is refused and nothing changes" "$(cat "$work/out")"; fi

# The mkinitcpio build hook, through the API mkinitcpio gives it (functions it defines), in
# a copy whose absolute paths point into a scratch root (mkinitcpio builds from /).
hook=$top/$build/mkinitcpio/install
libexec=$(sed -n 's|^ *add_binary \(.*\)/vfio-boot-bind$|\1|p' "$hook")
rules=$(sed -n 's|^ *add_udev_rule \(.*\)/60-vfio-boot.rules$|\1|p' "$hook")
fake=$work/mkinitcpio-root
mkdir -p "$fake$libexec" "$fake$rules" "$fake/etc/vfio-boot"
: >"$fake$libexec/vfio-boot-bind"
: >"$fake$rules/60-vfio-boot.rules"
: >"$fake/etc/vfio-boot/devices.conf"
sed -e "s|$libexec/|$fake$libexec/|g" -e "s|$rules/|$fake$rules/|g" -e "s| /etc/| $fake/etc/|g" "$hook" >"$work/mkinitcpio-hook"
run_hook() {
	bash -c 'add_module() { echo "module $1"; }; add_binary() { echo "binary $1"; }
		add_udev_rule() { echo "rule $1"; }; add_file() { echo "file $1"; }
		error() { local f=$1; shift; printf "==> ERROR: $f\n" "$@"; }
		. "$1"; build; st=$?; help >/dev/null; exit $st' sh "$work/mkinitcpio-hook" 2>&1
}
out=$(run_hook)
st=$?
if [ $st = 0 ] && grep -qx "module vfio_pci" <<<"$out" && grep -qx "binary $fake$libexec/vfio-boot-bind" <<<"$out" &&
	grep -qx "rule $fake$rules/60-vfio-boot.rules" <<<"$out" && grep -qx "file $fake/etc/vfio-boot/devices.conf" <<<"$out" &&
	[ -x "$top/$build/vfio-boot-bind" ] && shellcheck -s bash "$hook"; then
	ok "the mkinitcpio hook adds vfio-pci, the helper, its rule and the device list"
else not_ok "the mkinitcpio hook adds vfio-pci, the helper, its rule and the device list" "$out"; fi
for piece in "$libexec/vfio-boot-bind" "$rules/60-vfio-boot.rules" /etc/vfio-boot/devices.conf; do
	mv "$fake$piece" "$fake$piece.away"
	out=$(run_hook)
	st=$?
	mv "$fake$piece.away" "$fake$piece"
	if [ $st = 1 ] && grep -qF "==> ERROR: vfio-boot: '$fake$piece' is missing: the image would not bind" <<<"$out" &&
		! grep -q "^binary" <<<"$out"; then
		ok "the mkinitcpio hook fails the build without ${piece##*/} and says why"
	else not_ok "the mkinitcpio hook fails the build without ${piece##*/} and says why" "exit $st: $out"; fi
done

summary distros
