#!/usr/bin/env bash
# apply / revert / status as transactions, on staged copies of the tutorial's machine:
# round trips compared file by file, admin edits, every write step failed in turn, kill -9 at
# random moments, and regeneration through fake update-initramfs/update-grub on PATH.
set -u
. "$(dirname "$0")/lib.sh" tx
# the roots' live state (sys, proc) and modules are inputs: only what apply may touch is compared
snapshot_root() { snapshot "$1" sys proc lib; }

python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/tutorial-x99.listing" "$work/pristine"
# An admin's own file at one of our paths (backed up and restored), and the selection.
echo "options snd_hda_intel enable_msi=1" >"$work/pristine/etc/modprobe.d/vfio-boot.conf"
chmod 0640 "$work/pristine/etc/modprobe.d/vfio-boot.conf"
printf 'method auto\ndevice 0000:03:00.0 1002:67b1 174b:e324\ndevice 0000:07:00.0 1b21:1242\n' >"$work/pristine/etc/vfio-boot.conf"
snapshot_root "$work/pristine" >"$work/before.snap"

# ---- verify before apply: not applied comes first --------------------------------------------
cp -a "$work/pristine" "$work/t"
vb_exit 1 "$work/t" verify >"$work/out" 2>&1
st=$?
[ $st = 1 ] && head -1 "$work/out" | grep -q "^Not applied: the files the images need are not written yet; 'vfio-boot apply' writes them" &&
	vb_exit 1 "$work/t" verify --json | grep -q '"applied": false' &&
	ok "verify before apply says first that nothing is applied, and what writes it" ||
	not_ok "verify before apply says first that nothing is applied, and what writes it" "exit $st: $(cat "$work/out")"
rm -rf "$work/t"

# ---- round trip --------------------------------------------------------------------------
cp -a "$work/pristine" "$work/t"
vb "$work/t" apply --json >"$work/apply1.json" 2>"$work/err"
st=$?
snapshot_root "$work/t" >"$work/after.snap"
if [ $st = 0 ] && grep -q '"changed": true' "$work/apply1.json" && ! cmp -s "$work/before.snap" "$work/after.snap"; then
	ok "apply writes the plan"
else not_ok "apply writes the plan" "$(cat "$work/err")"; fi
for f in etc/modprobe.d/vfio-boot.conf etc/default/grub.d/vfio-boot.cfg etc/initramfs-tools/hooks/vfio-boot; do
	vb "$work/t" generate "$(case $f in *modprobe*) echo modprobe ;; *grub*) echo grub ;; *) echo initramfs-tools ;; esac)" >"$work/want"
	if cmp -s "$work/want" "$work/t/$f"; then ok "apply wrote /$f as planned"; else not_ok "apply wrote /$f as planned"; fi
done
[ "$(stat -c %a "$work/t/etc/initramfs-tools/hooks/vfio-boot")" = 755 ] && ok "the hook is executable" || not_ok "the hook is executable"
manifest_before=$(sha256sum <"$work/t/var/lib/vfio-boot/manifest.json")
vb "$work/t" apply --json >"$work/apply2.json" 2>&1
if grep -q '"changed": false' "$work/apply2.json" && snapshot_root "$work/t" | cmp -s - "$work/after.snap" &&
	[ "$manifest_before" = "$(sha256sum <"$work/t/var/lib/vfio-boot/manifest.json")" ]; then
	ok "a second apply changes nothing, not even the manifest"
else not_ok "a second apply changes nothing, not even the manifest" "$(cat "$work/apply2.json")"; fi
vb "$work/t" revert >"$work/out" 2>&1
if snapshot_root "$work/t" | cmp -s - "$work/before.snap"; then
	ok "revert restores the pristine tree (every file, mode and link)"
else not_ok "revert restores the pristine tree (every file, mode and link)" "$(snapshot_root "$work/t" | diff "$work/before.snap" -)"; fi
vb "$work/t" revert --json >"$work/out" 2>&1
grep -q '"changed": false' "$work/out" && ok "a second revert changes nothing" || not_ok "a second revert changes nothing" "$(cat "$work/out")"

# ---- the reboot, said in JSON and to Debian's tools (/run/reboot-required) --------------------
rm -rf "$work/t" && cp -a "$work/pristine" "$work/t" && mkdir "$work/t/run"
printf 'linux-image-6.1.0-18-amd64' >"$work/t/run/reboot-required.pkgs" # another package's, no newline
vb "$work/t" plan --json >"$work/plan.json" 2>&1
vb "$work/t" apply --json >"$work/out.json" 2>"$work/err"
st=$?
if [ $st = 0 ] && grep -q '"reboot_required": true' "$work/plan.json" && grep -q '"reboot_required": true' "$work/out.json" &&
	[ "$(cat "$work/t/run/reboot-required")" = "*** System restart required ***" ] &&
	[ "$(cat "$work/t/run/reboot-required.pkgs")" = "linux-image-6.1.0-18-amd64
vfio-boot" ]; then
	ok "apply: reboot_required in plan and apply, /run/reboot-required written, vfio-boot added to its .pkgs"
else not_ok "apply: reboot_required in plan and apply, /run/reboot-required written, vfio-boot added to its .pkgs" \
	"exit $st: $(cat "$work/err"; cat "$work/t/run/reboot-required.pkgs" 2>&1)"; fi
rm "$work/t/run/reboot-required"
vb "$work/t" revert --json >"$work/out.json" 2>"$work/err"
if grep -q '"reboot_required": false' "$work/out.json" && [ ! -e "$work/t/run/reboot-required" ]; then
	ok "revert with nothing on vfio-pci: no reboot required"
else not_ok "revert with nothing on vfio-pci: no reboot required" "$(cat "$work/err" "$work/out.json")"; fi
# the devices on vfio-pci already (vfio-boot bind) and the parameters booted (this machine's
# kernel has vfio-pci built in: its ids go on the command line too): nothing to reboot for; a
# revert then leaves them on vfio-pci until a reboot; vfio-boot appears once in the .pkgs
sed -e '/^@cmdline/s/$/ vfio-pci.ids=1002:67b1,1002:aac8,1b21:1242/' -e 's/^@driver 03:00.0 radeon/@driver 03:00.0 vfio-pci/' -e 's/^@driver 03:00.1 snd_hda_intel/@driver 03:00.1 vfio-pci/' \
	-e 's/^@driver 07:00.0 xhci_hcd/@driver 07:00.0 vfio-pci/' "$top/tests/fixtures/machines/tutorial-x99.listing" >"$work/bound.listing"
rm -rf "$work/t" && python3 "$top/tests/fixtures/build-sysroot.py" "$work/bound.listing" "$work/t" >/dev/null && mkdir "$work/t/run"
printf 'vfio-boot\nlinux-image-6.1.0-18-amd64\n' >"$work/t/run/reboot-required.pkgs"
vb "$work/t" apply 03:00.0 07:00.0 >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && grep -q 'Applied. 0000:03:00.0 is on vfio-pci already and the booted command line has the parameters: no reboot is needed.' "$work/out" &&
	[ ! -e "$work/t/run/reboot-required" ]; then
	ok "apply with the devices on vfio-pci and the parameters booted: no reboot needed, none recorded"
else not_ok "apply with the devices on vfio-pci and the parameters booted: no reboot needed, none recorded" "exit $st: $(cat "$work/out")"; fi
vb "$work/t" revert --json >"$work/out.json" 2>"$work/err"
if grep -q '"reboot_required": true' "$work/out.json" && [ -e "$work/t/run/reboot-required" ] &&
	[ "$(cat "$work/t/run/reboot-required.pkgs")" = "vfio-boot
linux-image-6.1.0-18-amd64" ]; then
	ok "revert with the devices on vfio-pci: reboot required, recorded, vfio-boot listed once"
else not_ok "revert with the devices on vfio-pci: reboot required, recorded, vfio-boot listed once" "$(cat "$work/err" "$work/out.json")"; fi
# not Debian: no /run/reboot-required
rm -rf "$work/t" && cp -a "$work/pristine" "$work/t" && mkdir "$work/t/run"
printf 'ID=fedora\nNAME="Fedora Linux"\n' >"$work/t/etc/os-release"
vb "$work/t" apply --json >"$work/out.json" 2>"$work/err"
if grep -q '"reboot_required": true' "$work/out.json" && [ ! -e "$work/t/run/reboot-required" ]; then
	ok "apply on Fedora: reboot_required in JSON, no /run/reboot-required (Debian's convention)"
else not_ok "apply on Fedora: reboot_required in JSON, no /run/reboot-required (Debian's convention)" "$(cat "$work/err")"; fi

# ---- dry run -----------------------------------------------------------------------------
rm -rf "$work/t" && cp -a "$work/pristine" "$work/t"
vb "$work/t" apply --dry-run >"$work/out" 2>&1
if snapshot_root "$work/t" | cmp -s - "$work/before.snap" && grep -q '^would write /etc/modprobe.d/vfio-boot.conf' "$work/out"; then
	ok "apply --dry-run says what it would write and writes nothing"
else not_ok "apply --dry-run says what it would write and writes nothing" "$(cat "$work/out")"; fi

# ---- admin edits ---------------------------------------------------------------------------
vb "$work/t" apply -q
echo "# tuned by the admin" >>"$work/t/etc/default/grub.d/vfio-boot.cfg"
vb_exit 1 "$work/t" status >"$work/out" 2>&1
grep -q '^modified  /etc/default/grub.d/vfio-boot.cfg' "$work/out" && ok "status sees the edit" || not_ok "status sees the edit" "$(cat "$work/out")"
vb_exit 1 "$work/t" revert >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q 'tuned by the admin' "$work/t/etc/default/grub.d/vfio-boot.cfg" && grep -q 'was edited since apply' "$work/out" &&
	[ ! -e "$work/t/etc/initramfs-tools/hooks/vfio-boot" ]; then
	ok "revert leaves an edited file alone and fails"
else not_ok "revert leaves an edited file alone and fails" "$(cat "$work/out")"; fi
vb "$work/t" revert --force -q
if snapshot_root "$work/t" | cmp -s - "$work/before.snap"; then ok "revert --force completes"; else
	not_ok "revert --force completes" "$(snapshot_root "$work/t" | diff "$work/before.snap" -)"; fi

# ---- symlinks out of the root --------------------------------------------------------------
rm -rf "$work/t" && cp -a "$work/pristine" "$work/t"
mkdir -p "$work/outside"
rm -rf "$work/t/etc/default/grub.d" && ln -s "$work/outside" "$work/t/etc/default/grub.d"
vb_exit 1 "$work/t" apply >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && [ -z "$(ls -A "$work/outside")" ] && grep -q 'symlink on the way is refused' "$work/out" &&
	[ "$(cat "$work/t/etc/modprobe.d/vfio-boot.conf")" = "options snd_hda_intel enable_msi=1" ]; then
	ok "a symlink leading out of the root is refused and nothing is written"
else not_ok "a symlink leading out of the root is refused and nothing is written" "$(cat "$work/out")"; fi

# ---- every write step failed in turn ------------------------------------------------------
total=$(cd "$work" && rm -rf t && cp -a pristine t && VFIO_BOOT_TEST_FAIL_AT=999999 vb "t" apply -q 2>&1 |
	sed -n 's/.*test: \([0-9]*\) fault points passed/\1/p')
bad=0
for n in $(seq 1 "$total"); do
	rm -rf "$work/t" && cp -a "$work/pristine" "$work/t"
	# (0 where the failed step comes after the commit and is harmless, as the journal's unlink)
	VFIO_BOOT_TEST_FAIL_AT=$n vb_exit 0,1 "$work/t" apply -q >/dev/null 2>&1
	snapshot_root "$work/t" >"$work/s.snap"
	if ! cmp -s "$work/s.snap" "$work/before.snap" && ! cmp -s "$work/s.snap" "$work/after.snap"; then
		bad=$((bad + 1)); echo "    fault $n: half applied"; diff "$work/before.snap" "$work/s.snap" | head -5 | sed 's/^/    /'
		continue
	fi
	vb "$work/t" apply -q >/dev/null 2>&1 && snapshot_root "$work/t" | cmp -s - "$work/after.snap" || { bad=$((bad + 1)); echo "    fault $n: a later apply did not complete"; continue; }
	vb "$work/t" revert -q >/dev/null 2>&1 && snapshot_root "$work/t" | cmp -s - "$work/before.snap" || { bad=$((bad + 1)); echo "    fault $n: revert did not complete"; }
done
if [ "${total:-0}" -gt 10 ] && [ $bad = 0 ]; then ok "apply failed at each of its $total write steps: always all or nothing, then completes"
else not_ok "apply failed at each of its ${total:-0} write steps: always all or nothing, then completes" "$bad bad"; fi

# revert failed at each step: a later revert always completes.
rm -rf "$work/t" && cp -a "$work/pristine" "$work/t" && vb "$work/t" apply -q && cp -a "$work/t" "$work/applied"
rtotal=$(cd "$work" && rm -rf t && cp -a applied t && VFIO_BOOT_TEST_FAIL_AT=999999 vb "t" revert -q 2>&1 |
	sed -n 's/.*test: \([0-9]*\) fault points passed/\1/p')
bad=0
for n in $(seq 1 "$rtotal"); do
	rm -rf "$work/t" && cp -a "$work/applied" "$work/t"
	VFIO_BOOT_TEST_FAIL_AT=$n vb_exit 1 "$work/t" revert -q >/dev/null 2>&1
	vb "$work/t" revert -q >/dev/null 2>&1 && snapshot_root "$work/t" | cmp -s - "$work/before.snap" || { bad=$((bad + 1)); echo "    revert fault $n: a later revert did not complete"; }
done
if [ "${rtotal:-0}" -gt 3 ] && [ $bad = 0 ]; then ok "revert failed at each of its $rtotal write steps: a later revert completes"
else not_ok "revert failed at each of its ${rtotal:-0} write steps: a later revert completes" "$bad bad"; fi

# ---- kill -9 at random moments -----------------------------------------------------------------
for f in etc/modprobe.d/vfio-boot.conf etc/default/grub.d/vfio-boot.cfg etc/initramfs-tools/hooks/vfio-boot; do
	sha256sum <"$work/applied/$f" | cut -c1-64 >"$work/final-${f//\//_}"
done
half=0 runs=60
for i in $(seq 1 $runs); do
	rm -rf "$work/t" && cp -a "$work/pristine" "$work/t"
	"$bin" --root="$work/t" --sysroot="$work/t" apply -q >/dev/null 2>&1 &
	pid=$! # the binary itself, not a subshell
	sleep "0.00$((RANDOM % 9))$((RANDOM % 10))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	for f in etc/modprobe.d/vfio-boot.conf etc/default/grub.d/vfio-boot.cfg etc/initramfs-tools/hooks/vfio-boot; do
		[ -e "$work/t/$f" ] || continue
		h=$(sha256sum <"$work/t/$f" | cut -c1-64)
		orig=$( [ -e "$work/pristine/$f" ] && sha256sum <"$work/pristine/$f" | cut -c1-64)
		if [ "$h" != "$(cat "$work/final-${f//\//_}")" ] && [ "$h" != "$orig" ]; then half=$((half + 1)); echo "    run $i: /$f is neither old nor new"; fi
	done
	vb "$work/t" apply -q >/dev/null 2>&1 && snapshot_root "$work/t" | cmp -s - "$work/after.snap" || {
		half=$((half + 1)); echo "    run $i: apply after the kill did not complete"; snapshot_root "$work/t" | diff "$work/after.snap" - | head -4 | sed 's/^/    /'; }
done
[ $half = 0 ] && ok "kill -9 during apply ($runs times): never a half-written file, a later apply completes" ||
	not_ok "kill -9 during apply ($runs times): never a half-written file, a later apply completes"

# ---- status after the reboot -------------------------------------------------------------------
# The sysroot as it would look after rebooting: the booted command line has the parameters,
# the boot is newer than the apply, vfio-pci holds the functions.
rm -rf "$work/t" && cp -a "$work/pristine" "$work/t"
vb "$work/t" apply -q --no-rebuild >/dev/null 2>&1
vb_exit 1 "$work/t" status --json >"$work/out" 2>&1
grep -q '"reboot_pending": true' "$work/out" && grep -q '"in_sync": false' "$work/out" && ok "status: a reboot is pending after apply" || not_ok "status: a reboot is pending after apply" "$(cat "$work/out")"
# fake regeneration commands (used from here on; see the regeneration tests below)
mkdir -p "$work/bin"
for c in update-initramfs update-grub; do
	cat >"$work/bin/$c" <<FAKE
#!/bin/sh
echo "$c \$*" >>"$work/calls"
[ "$c" = update-initramfs ] && echo "update-initramfs: Generating /boot/initrd.img-4.15.0-33-generic"
exit \${FAKE_${c//-/_}_STATUS:-0}
FAKE
	chmod +x "$work/bin/$c"
done
# With FAKE_ROOT set, update-initramfs also builds small real images (newc cpio, gzip) for
# every kernel of that root, as mkinitramfs with our hook would: the vfio modules, our
# modprobe file, the device list, the helper and its rule. apply reads them back (verify).
# FAKE_IMAGE_WITHOUT names a file (relative to the image) to leave out.
cat >>"$work/bin/update-initramfs" <<'FAKE'
[ -n "${FAKE_ROOT:-}" ] || exit 0
for k in "$FAKE_ROOT"/lib/modules/*; do
	kver=${k##*/} img=$(mktemp -d)
	(cd "$FAKE_ROOT" && find "lib/modules/$kver" -name 'vfio*' | cpio -pdm --quiet "$img")
	mkdir -p "$img/etc/modprobe.d" "$img/etc/vfio-boot" "$img/usr/local/libexec/vfio-boot" "$img/lib/udev/rules.d"
	cp "$FAKE_ROOT/etc/modprobe.d/vfio-boot.conf" "$img/etc/modprobe.d/" 2>/dev/null
	cp "$FAKE_ROOT/etc/vfio-boot/devices.conf" "$img/etc/vfio-boot/" 2>/dev/null
	: >"$img/usr/local/libexec/vfio-boot/vfio-boot-bind"
	cp "$FAKE_ROOT/etc/udev/rules.d/60-vfio-boot.rules" "$img/lib/udev/rules.d/" 2>/dev/null
	[ -n "${FAKE_IMAGE_WITHOUT:-}" ] && rm -f "$img/$FAKE_IMAGE_WITHOUT"
	mkdir -p "$FAKE_ROOT/boot"
	(cd "$img" && find . | cpio -o -H newc --quiet | gzip) >"$FAKE_ROOT/boot/initrd.img-$kver"
	rm -rf "$img"
done
FAKE
sed -i 's/^exit \(.*\)$/st=\1; [ "$st" = 0 ] || exit "$st"/' "$work/bin/update-initramfs"
sed -i 's/"rebuild":"skipped"/"rebuild":"done"/' "$work/t/var/lib/vfio-boot/manifest.json"
FAKE_ROOT="$work/t" "$work/bin/update-initramfs" -u -k all >/dev/null # the images apply would have had built
printf 'cpu  1 0 1 100 0 0 0 0 0 0\nbtime %s\n' "$(( $(date +%s) + 60 ))" >"$work/t/proc/stat"
echo "BOOT_IMAGE=/boot/vmlinuz ro quiet intel_iommu=on vfio-pci.ids=1002:67b1,1002:aac8,1b21:1242" >"$work/t/proc/cmdline"
vb_exit 1 "$work/t" status --json >"$work/out" 2>&1
if grep -q '"in_sync": false' "$work/out" && grep -q 'radeon bound it before vfio-pci' "$work/out"; then
	ok "status: a device still on its native driver gets a diagnosis"
else not_ok "status: a device still on its native driver gets a diagnosis" "$(cat "$work/out")"; fi
for a in 0000:00:02.0/0000:03:00.0 0000:00:02.0/0000:03:00.1 0000:00:1c.4/0000:07:00.0; do
	mkdir -p "$work/t/sys/bus/pci/drivers/vfio-pci"
	ln -sfn ../../../../bus/pci/drivers/vfio-pci "$work/t/sys/devices/pci0000:00/$a/driver"
done
vb "$work/t" status >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && grep -q '^In sync.' "$work/out" && [ "$(grep -c 'bound to vfio-pci' "$work/out")" = 3 ]; then
	ok "status: in sync after the reboot (exit 0)"
else not_ok "status: in sync after the reboot (exit 0)" "$(cat "$work/out")"; fi
rm "$work/t/boot/initrd.img-4.15.0-33-generic"
vb_exit 1 "$work/t" status >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q 'missing  image .*no initramfs image for 4.15.0-33-generic' "$work/out" && grep -q '^Not in sync.' "$work/out"; then
	ok "status: an image that would not bind at the next boot is reported"
else not_ok "status: an image that would not bind at the next boot is reported" "$(cat "$work/out")"; fi
echo "BOOT_IMAGE=/boot/vmlinuz ro quiet intel_iommu=on vfio-boot=off" >"$work/t/proc/cmdline"
ln -sfn ../../../../bus/pci/drivers/radeon "$work/t/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/driver"
vb_exit 1 "$work/t" status >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q '0000:03:00.0  radeon .*vfio-boot=off is on the booted kernel command line' "$work/out"; then
	ok "status: the kill switch is named"
else not_ok "status: the kill switch is named" "$(cat "$work/out")"; fi

# ---- two at once: the second waits for the first ------------------------------------------------
rm -rf "$work/t" && cp -a "$work/pristine" "$work/t"
vb "$work/t" apply -q >"$work/o1" 2>&1 &
p1=$!
vb "$work/t" apply -q >"$work/o2" 2>&1
s2=$?
wait $p1
s1=$?
if [ $s1 = 0 ] && [ $s2 = 0 ] && snapshot_root "$work/t" | cmp -s - "$work/after.snap"; then ok "two applies at once serialize"; else
	not_ok "two applies at once serialize" "$(cat "$work/o1" "$work/o2")"; fi

# ---- regeneration with fake commands on PATH ---------------------------------------------------
rm -rf "$work/t" "$work/calls" && cp -a "$work/pristine" "$work/t"
FAKE_ROOT="$work/t" PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$work/t" apply >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && [ "$(cat "$work/calls")" = "$(printf 'update-initramfs -u -k all\nupdate-grub ')" ] &&
	grep -q 'Generating /boot/initrd.img-4.15.0-33-generic' "$work/out" && grep -q 'update-grub done in' "$work/out" &&
	grep -q 'Generating' "$work/t/var/lib/vfio-boot/rebuild.log" && grep -q '^Applied' "$work/out"; then
	ok "apply runs update-initramfs -u -k all and update-grub, shows the kernel, keeps the log, verifies the images"
else not_ok "apply runs update-initramfs -u -k all and update-grub, shows the kernel, keeps the log, verifies the images" "$(cat "$work/out" "$work/calls")"; fi
vb "$work/t" verify --json >"$work/verify.json"
st=$?
if [ $st = 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["binds"] and len(d["kernels"]) >= 2 and all(k["compression"] == "gzip" for k in d["kernels"])' "$work/verify.json"; then
	ok "verify: every kernel's image binds"
else not_ok "verify: every kernel's image binds" "$(cat "$work/verify.json")"; fi
# an image generator that leaves our modprobe file out: apply does not say done
rm -rf "$work/t" "$work/calls" && cp -a "$work/pristine" "$work/t"
FAKE_IMAGE_WITHOUT=etc/modprobe.d/vfio-boot.conf FAKE_ROOT="$work/t" PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$work/t" apply >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q 'will NOT bind' "$work/out" && grep -q 'missing  modprobe  *\/etc\/modprobe.d\/vfio-boot.conf is not in the image' "$work/out" &&
	grep -q 'not done: the files are written' "$work/out" && ! grep -q '^Applied' "$work/out"; then
	ok "apply refuses to say done when an image would not bind, and says which file and why"
else not_ok "apply refuses to say done when an image would not bind, and says which file and why" "$(cat "$work/out")"; fi
# and so does the next apply, with nothing left to change over the same images
FAKE_ROOT="$work/t" PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$work/t" apply --json >"$work/out.json" 2>"$work/out"
st=$?
if [ $st = 1 ] && grep -q '"changed": false' "$work/out.json" && grep -q '"binds": false' "$work/out.json"; then
	ok "a second apply with nothing to change still reads the images and exits 1 when they would not bind"
else not_ok "a second apply with nothing to change still reads the images and exits 1 when they would not bind" "exit $st: $(cat "$work/out" "$work/out.json")"; fi
rm -rf "$work/t" "$work/calls" && cp -a "$work/pristine" "$work/t"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 FAKE_update_initramfs_STATUS=3 vb_exit 1 "$work/t" apply >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q 'update-initramfs -u -k all (exit status 3) failed' "$work/out" && grep -q 'rebuild.log' "$work/out" &&
	[ -e "$work/t/etc/modprobe.d/vfio-boot.conf" ] &&
	vb_exit 1 "$work/t" status 2>&1 | grep -q 'Not yet run since the files changed (rebuild failed): update-initramfs -u -k all, update-grub\. '; then
	ok "a failed command is named with its status and log; files stay; status says the images are stale"
else not_ok "a failed command is named with its status and log; files stay; status says the images are stale" "$(cat "$work/out")"; fi
rm -f "$work/calls"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$work/t" apply -q >"$work/out" 2>&1
if grep -q 'update-initramfs -u -k all' "$work/calls" && vb_exit 1 "$work/t" status --json | grep -q '"rebuild": "done"'; then
	ok "the next apply runs the failed rebuild again"
else not_ok "the next apply runs the failed rebuild again" "$(cat "$work/out")"; fi
# update-grub fails after the images were rebuilt: only update-grub is owed, and the next
# apply runs it and nothing else; a change in between runs what it needs and what is owed
rm -f "$work/calls"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$work/t" revert -q >/dev/null 2>&1
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 FAKE_update_grub_STATUS=2 vb_exit 1 "$work/t" apply >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q 'update-grub (exit status 2) failed. The files are written and stay; still to run: update-grub\.$' "$work/out" &&
	! grep -q "images are stale" "$work/out" && vb_exit 1 "$work/t" status 2>&1 | grep -q '(rebuild failed): update-grub\. '; then
	ok "update-grub failing after the images were rebuilt: only update-grub is still to run, the images are not called stale"
else not_ok "update-grub failing after the images were rebuilt: only update-grub is still to run, the images are not called stale" "exit $st: $(cat "$work/out")"; fi
rm -f "$work/calls"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$work/t" apply -q >"$work/out" 2>&1
if [ "$(cat "$work/calls" 2>/dev/null)" = "update-grub " ] && vb_exit 1 "$work/t" status --json | python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["rebuild_pending"] != [])'; then
	ok "the next apply runs only what was left (update-grub), not the images again"
else not_ok "the next apply runs only what was left (update-grub), not the images again" "calls: $(cat "$work/calls" 2>/dev/null); $(cat "$work/out")"; fi
# owed update-grub, then a change that only the images need (one device less): both run
sed -i 's/^# *iommu_pt.*//' "$work/t/etc/vfio-boot.conf"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$work/t" revert -q >/dev/null 2>&1
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 FAKE_update_grub_STATUS=2 vb_exit 1 "$work/t" apply -q >/dev/null 2>&1
sed -i '/0000:07:00.0/d' "$work/t/etc/vfio-boot.conf"
rm -f "$work/calls"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$work/t" apply -q >"$work/out" 2>&1
if [ "$(cat "$work/calls" 2>/dev/null)" = "$(printf 'update-initramfs -u -k all\nupdate-grub ')" ]; then
	ok "a change that needs only the images also runs the update-grub an earlier apply left owed"
else not_ok "a change that needs only the images also runs the update-grub an earlier apply left owed" "calls: $(cat "$work/calls" 2>/dev/null); $(cat "$work/out")"; fi
rm -f "$work/calls"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$work/t" revert -q >"$work/out" 2>&1
[ "$(cat "$work/calls" 2>/dev/null)" = "$(printf 'update-initramfs -u -k all\nupdate-grub ')" ] && ok "revert regenerates too" || not_ok "revert regenerates too" "$(cat "$work/out")"
# a command that fails during revert: named, with what it printed; never "run apply" (that
# would switch passthrough back on), never the log revert removed; then status says
# nothing is applied and exits 0
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$work/t" apply -q >/dev/null 2>&1
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 FAKE_update_initramfs_STATUS=3 vb_exit 1 "$work/t" revert >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q 'update-initramfs -u -k all (exit status 3) failed: the files are reverted' "$work/out" &&
	grep -q '^  | update-initramfs: Generating /boot/initrd.img-4.15.0-33-generic' "$work/out" &&
	! grep -q "vfio-boot apply\|rebuild.log\|^Reverted" "$work/out"; then
	ok "a command failing in revert: named with its last output, no advice to apply, no deleted log"
else not_ok "a command failing in revert: named with its last output, no advice to apply, no deleted log" "exit $st: $(cat "$work/out")"; fi
vb "$work/t" status >"$work/out" 2>&1
st=$?
[ $st = 0 ] && grep -q '^Not applied.$' "$work/out" && ! grep -q "run 'vfio-boot apply'" "$work/out" &&
	ok "status after a revert: not applied, exit 0" || not_ok "status after a revert: not applied, exit 0" "exit $st: $(cat "$work/out")"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 FAKE_update_initramfs_STATUS=3 vb_exit 1 "$work/t" apply >"$work/out" 2>&1
grep -q '^  | update-initramfs: Generating' "$work/out" && grep -q "'vfio-boot apply' runs it again" "$work/out" &&
	ok "a command failing in apply: its last output inline, and apply runs it again" ||
	not_ok "a command failing in apply: its last output inline, and apply runs it again" "$(cat "$work/out")"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$work/t" revert -q >/dev/null 2>&1
rm -rf "$work/t" "$work/calls" && cp -a "$work/pristine" "$work/t"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$work/t" apply -q --no-rebuild >"$work/out" 2>&1
[ ! -e "$work/calls" ] && vb_exit 1 "$work/t" status --json | grep -q '"rebuild": "skipped"' && ok "--no-rebuild runs nothing and says so" || not_ok "--no-rebuild runs nothing and says so"
# apply --if-configured (the package's post-install step): with the selection applied and no
# file to change, it still rebuilds the images (the package replaced the helper they carry);
# with nothing selected it does nothing at all
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$work/t" apply -q >/dev/null 2>&1 # the rebuild done
rm -f "$work/calls"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit 1 "$work/t" apply -q >/dev/null 2>&1
plain=$(cat "$work/calls" 2>/dev/null)
FAKE_ROOT="$work/t" PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$work/t" apply --if-configured >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && [ -z "$plain" ] && grep -q 'update-initramfs -u -k all' "$work/calls" 2>/dev/null &&
	grep -q '^Nothing to change in the files; the images were rebuilt' "$work/out"; then
	ok "apply --if-configured rebuilds the images when nothing changed (a plain apply does not)"
else not_ok "apply --if-configured rebuilds the images when nothing changed (a plain apply does not)" "plain: $plain; $(cat "$work/out")"; fi
rm -rf "$work/none" "$work/calls" && cp -a "$work/pristine" "$work/none" && rm "$work/none/etc/vfio-boot.conf"
snapshot_root "$work/none" >"$work/none.snap"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb "$work/none" apply --if-configured >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && [ ! -s "$work/out" ] && [ ! -e "$work/calls" ] && snapshot_root "$work/none" | cmp -s - "$work/none.snap"; then
	ok "apply --if-configured with nothing selected writes nothing, runs nothing, says nothing"
else not_ok "apply --if-configured with nothing selected writes nothing, runs nothing, says nothing" "$(cat "$work/out")"; fi
# in a chroot without /sys (a package installed by debootstrap): the same, probing nothing
mkdir -p "$work/nosys"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 "$bin" --root="$work/none" --sysroot="$work/nosys" apply --if-configured >"$work/out" 2>&1
st=$?
[ $st = 0 ] && [ ! -s "$work/out" ] && ok "apply --if-configured with nothing selected and no /sys: silent, exit 0" ||
	not_ok "apply --if-configured with nothing selected and no /sys: silent, exit 0" "exit $st: $(cat "$work/out")"

# (a missing update-initramfs: tests/integration/bad-input.sh)

# ---- a root it cannot write -------------------------------------------------------------------------
if mkdir -p "$work/ro" && mount -t tmpfs -o size=4m tmpfs "$work/ro" 2>/dev/null; then
	cp -a "$work/pristine/." "$work/ro/" 2>/dev/null; mount -o remount,ro "$work/ro"
	vb_exit 1 "$work/ro" apply >"$work/out" 2>&1
	st=$?
	umount "$work/ro"
	[ $st = 1 ] && grep -q 'Read-only file system' "$work/out" && ok "a read-only root gets one clear error" || not_ok "a read-only root gets one clear error" "$(cat "$work/out")"
	# a full filesystem: the root's /etc and /var on a small tmpfs with almost no space left;
	# live state comes from the pristine copy, and so do the kernels' modules
	mount -t tmpfs -o size=512k tmpfs "$work/ro"
	mkdir -p "$work/ro/etc" && ln -s "$work/pristine/lib" "$work/ro/lib"
	cp -a "$work/pristine/etc/." "$work/ro/etc/"
	head -c 2000000 /dev/zero >"$work/ro/filler" 2>/dev/null
	snapshot_root "$work/ro" >"$work/full-before.snap"
	"$bin" --root="$work/ro" --sysroot="$work/pristine" apply >"$work/out" 2>&1
	st=$?
	snapshot_root "$work/ro" >"$work/full-after.snap"
	rm -f "$work/ro/filler"
	"$bin" --root="$work/ro" --sysroot="$work/pristine" apply -q >/dev/null 2>&1
	st2=$?
	umount "$work/ro"
	if [ $st = 1 ] && grep -q 'No space left on device' "$work/out" && cmp -s "$work/full-before.snap" "$work/full-after.snap" && [ $st2 = 0 ]; then
		ok "a full filesystem: apply fails cleanly, changes nothing, and completes once there is room"
	else not_ok "a full filesystem: apply fails cleanly, changes nothing, and completes once there is room" "$(cat "$work/out"; diff "$work/full-before.snap" "$work/full-after.snap")"; fi
else
	echo "# not run here: the read-only and full-filesystem cases need mount(2) (no privilege in this environment)"
fi

summary transaction
