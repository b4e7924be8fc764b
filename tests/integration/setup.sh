#!/usr/bin/env bash
# setup, the first-run wizard, driven in a pseudo-terminal (pty-drive.py) on staged copies of
# the tutorial's machine: a yes at each step applies and writes the VM; a no at apply or the
# end of input changes nothing; not on a terminal it asks nothing.
set -u
. "$(dirname "$0")/lib.sh" setup
snapshot_root() { snapshot "$1" sys proc lib; }
drive="$top/tests/integration/pty-drive.py"
python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/tutorial-x99.listing" "$work/pristine" >/dev/null

# every step answered yes: the guest GPU proposed is the R9 390, never the console Quadro;
# the ASM1142 USB 3.1 controller too, iommu=pt, the changes shown, a Windows 10 VM on a disk
# made now with the installer's ISO. A kernel directory with an odd name is warned about once.
cp -a "$work/pristine" "$work/yes"
mkdir -p "$work/yes/lib/modules/odd name"
: >"$work/win10.iso"
printf '%s\n' 'Pass it through\? \[Y/n\]	' 'Which one\? \(a number\) \[0\]	3' 'iommu=pt .*\[y/N\]	y' \
	'Show the changes to each file\? \[y/N\]	y' 'Apply: write these files.*\[y/N\]	y' \
	'VM with these devices\? \[Y/n\]	' 'Guest OS .* \[windows11\]	windows10' 'disk: .*\[/var/lib/libvirt/images/vfio-boot-vm.qcow2\]	'"$work/vm-disk" \
	'its size \[64G\]	2G' 'Installation ISO .*\[none\]	'"$work/win10.iso" 'drivers ISO .*\[none\]	' \
	'Write the definition to \[vfio-boot-vm.xml\]	'"$work/vm.xml" |
	python3 "$drive" "$work/yes.txt" "$bin" --root="$work/yes" --sysroot="$work/yes" setup
st=$?
if [ $st = 0 ] && grep -q 'The GPU for the VM: 0000:03:00.0 Hawaii PRO' "$work/yes.txt" &&
	grep -q 'The host keeps 0000:04:00.0, its console: G94GL \[Quadro FX 1800\]' "$work/yes.txt" &&
	grep -q '3) 0000:07:00.0 ASM1142 USB 3.1 Host Controller (IOMMU group 32)' "$work/yes.txt" &&
	grep -q 'pass.*group-isolation' "$work/yes.txt" && grep -q '^create /etc/modprobe.d/vfio-boot.conf' "$work/yes.txt" &&
	grep -q '^  +options vfio-pci' "$work/yes.txt" &&
	grep -q '^device 0000:03:00.0 1002:67b1' "$work/yes/etc/vfio-boot.conf" && grep -q '^device 0000:07:00.0 1b21:1242' "$work/yes/etc/vfio-boot.conf" &&
	grep -q '^iommu-pt yes' "$work/yes/etc/vfio-boot.conf" && grep -q 'iommu=pt' "$work/yes/etc/default/grub.d/vfio-boot.cfg" &&
	[ -s "$work/yes/etc/modprobe.d/vfio-boot.conf" ] && [ -s "$work/yes/var/lib/vfio-boot/manifest.json" ] &&
	grep -q '<address domain="0x0000" bus="0x03" slot="0x00" function="0x0"/>' "$work/vm.xml" &&
	grep -q '<address domain="0x0000" bus="0x07" slot="0x00" function="0x0"/>' "$work/vm.xml" &&
	grep -q '<target dev="sda" bus="sata"/>' "$work/vm.xml" && grep -q "$work/win10.iso" "$work/vm.xml" &&
	qemu-img info "$work/vm-disk" | grep -q 'virtual size: 2 GiB' &&
	[ "$(grep -c "odd name" "$work/yes.txt")" = 1 ]; then
	ok "setup: the GPU (not the console), a USB controller, iommu=pt, the diff on request, apply, a VM that installs; a warning once"
else not_ok "setup: the GPU (not the console), a USB controller, iommu=pt, the diff on request, apply, a VM that installs; a warning once" "exit $st; $(tail -40 "$work/yes.txt")"; fi
[ "$(vb "$work/yes" plan --json | grep -c '"action": "unchanged"')" -ge 3 ] &&
	ok "setup: the system it leaves is what plan wants" || not_ok "setup: the system it leaves is what plan wants"

# applied, then the VM cannot be written (its ISO is missing): said in words, not a raw error
cp -a "$work/pristine" "$work/vmfail"
printf '%s\n' 'Pass it through\? \[Y/n\]	' 'Which one\? \(a number\) \[0\]	' 'iommu=pt.*\[y/N\]	' \
	'Show the changes to each file\? \[y/N\]	' 'Apply: write these files.*\[y/N\]	y' \
	'VM with these devices\? \[Y/n\]	' 'Guest OS .* \[windows11\]	linux' 'disk: .*\]	none' \
	'Installation ISO .*\[none\]	'"$work/no-such.iso" 'Write the definition to .*\]	'"$work/vm2.xml" |
	python3 "$drive" "$work/vmfail.txt" "$bin" --root="$work/vmfail" --sysroot="$work/vmfail" setup
st=$?
if [ $st = 1 ] && grep -q "The passthrough is applied, but the VM definition was not written" "$work/vmfail.txt" &&
	grep -q "no-such.iso: not an absolute path to an image file" "$work/vmfail.txt" && tail -3 "$work/vmfail.txt" | grep -q "^Done. Reboot" &&
	[ -s "$work/vmfail/var/lib/vfio-boot/manifest.json" ] && [ ! -e "$work/vm2.xml" ]; then
	ok "setup: a VM that cannot be written after apply is said in words, and the way on"
else not_ok "setup: a VM that cannot be written after apply is said in words, and the way on" "exit $st; $(tail -15 "$work/vmfail.txt")"; fi

# no at apply: nothing written
cp -a "$work/pristine" "$work/no"
snapshot_root "$work/no" >"$work/no.snap"
printf 'Pass it through\t\nWhich one\t\niommu=pt\t\nShow the changes\t\nApply: write these files.*\\[y/N\\]\tn\n' |
	python3 "$drive" "$work/no.txt" "$bin" --root="$work/no" --sysroot="$work/no" setup
st=$?
if [ $st = 1 ] && grep -q 'Nothing was changed.' "$work/no.txt" && snapshot_root "$work/no" | cmp -s - "$work/no.snap"; then
	ok "setup: no at apply changes nothing"
else not_ok "setup: no at apply changes nothing" "exit $st; $(tail -5 "$work/no.txt")"; fi

# an answer it does not understand is asked again; end of input stops, changing nothing
printf 'Pass it through\tmaybe\nPlease answer y or n.\t\004\n' |
	python3 "$drive" "$work/eof.txt" "$bin" --root="$work/no" --sysroot="$work/no" setup
st=$?
if [ $st = 1 ] && grep -q 'Please answer y or n.' "$work/eof.txt" && grep -q 'Nothing was changed.' "$work/eof.txt" &&
	snapshot_root "$work/no" | cmp -s - "$work/no.snap"; then
	ok "setup: asks again on an unclear answer; end of input changes nothing"
else not_ok "setup: asks again on an unclear answer; end of input changes nothing" "exit $st; $(tail -5 "$work/eof.txt")"; fi

# in Spanish, with the locale's answers: s takes the GPU, no refuses apply
mkdir -p "$work/locale"
if localedef -i es_ES -f UTF-8 "$work/locale/es_ES.UTF-8" >"$work/err" 2>&1; then
	printf 'Pasarla a la VM\\? \\[S/n\\]\ts\nCuál\t\niommu=pt\t\ncambios\t\nAplicar: .*\\[s/N\\]\tno\n' |
		python3 "$drive" "$work/es.txt" env LOCPATH="$work/locale" LANG=es_ES.UTF-8 LC_ALL= \
			VFIO_BOOT_TEST_LOCALEDIR="$top/$build/locale" "$bin" --root="$work/no" --sysroot="$work/no" setup
	st=$?
	if [ $st = 1 ] && grep -q 'La GPU para la VM: 0000:03:00.0 Hawaii PRO' "$work/es.txt" &&
		grep -q '^3. Lo que apply escribiría y ejecutaría:' "$work/es.txt" && grep -q 'No se cambió nada.' "$work/es.txt" &&
		snapshot_root "$work/no" | cmp -s - "$work/no.snap"; then
		ok "setup in Spanish: its questions, and s and no as answers"
	else not_ok "setup in Spanish: its questions, and s and no as answers" "exit $st; $(tail -15 "$work/es.txt")"; fi
else not_ok "localedef es_ES.UTF-8" "$(cat "$work/err")"; fi

# not on a terminal: no question, a clear refusal
vb_exit 1 "$work/no" setup </dev/null >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q 'setup asks questions, and standard input is not a terminal' "$work/out" && ! grep -q '\[Y/n\]' "$work/out"; then
	ok "setup refuses to prompt when standard input is not a terminal"
else not_ok "setup refuses to prompt when standard input is not a terminal" "exit $st; $(cat "$work/out")"; fi

summary setup
