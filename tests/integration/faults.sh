#!/usr/bin/env bash
# Faults and hostile input: kill -9 at every step of apply, of an apply that changes the
# selection and of revert, each followed by apply and by revert; two runs at once; files
# that are not what they should be (a FIFO, a link, a tampered manifest, a missing backup);
# names that reach generated shell; text from sysfs on its way to a terminal.
set -u
. "$(dirname "$0")/lib.sh" faults

# The live state and the kernels are inputs shared by every copy (links to the pristine
# tree); the selection file is the admin's: only what apply and revert may touch is compared.
snapshot_root() { snapshot "$1" sys proc lib dev etc/vfio-boot.conf; }
copy_root() {
	rm -rf "$2" && mkdir "$2"
	local d
	for d in "$1"/*; do
		case ${d##*/} in
		sys | proc | lib | dev) ln -s "$work/pristine/${d##*/}" "$2/" ;;
		*) cp -a "$d" "$2/" ;;
		esac
	done
}
select_both='method auto\ndevice 0000:03:00.0 1002:67b1 174b:e324\ndevice 0000:07:00.0 1b21:1242\n'
select_gpu='method auto\ndevice 0000:03:00.0 1002:67b1 174b:e324\n'

python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/tutorial-x99.listing" "$work/pristine"
# Every real root has /var/lib; the admin's own files at two of our paths, one of them
# without a last newline.
mkdir -p "$work/pristine/var/lib"
echo "options snd_hda_intel enable_msi=1" >"$work/pristine/etc/modprobe.d/vfio-boot.conf"
chmod 0640 "$work/pristine/etc/modprobe.d/vfio-boot.conf"
printf 'GRUB_TIMEOUT=3' >"$work/pristine/etc/default/grub.d/vfio-boot.cfg"
printf "$select_both" >"$work/pristine/etc/vfio-boot.conf"
snapshot_root "$work/pristine" >"$work/before.snap"
admin_modprobe=$(sha256sum <"$work/pristine/etc/modprobe.d/vfio-boot.conf")
admin_grub=$(sha256sum <"$work/pristine/etc/default/grub.d/vfio-boot.cfg")

copy_root "$work/pristine" "$work/applied"
vb "$work/applied" apply -q || echo "# apply failed on the pristine root"
snapshot_root "$work/applied" >"$work/after.snap"
# the update: the USB controller no longer selected
copy_root "$work/applied" "$work/update"
printf "$select_gpu" >"$work/update/etc/vfio-boot.conf"
copy_root "$work/update" "$work/updated"
vb "$work/updated" apply -q
snapshot_root "$work/updated" >"$work/after-update.snap"

# The bytes at each of our paths in a killed root are the old ones or the new ones.
whole_files() {
	local root=$1 f h
	for f in etc/modprobe.d/vfio-boot.conf etc/default/grub.d/vfio-boot.cfg etc/initramfs-tools/hooks/vfio-boot etc/vfio-boot/devices.conf; do
		[ -e "$root/$f" ] || continue
		h=$(sha256sum <"$root/$f")
		for known in pristine applied updated; do
			[ -e "$work/$known/$f" ] && [ "$h" = "$(sha256sum <"$work/$known/$f")" ] && continue 2
		done
		echo "/$f is neither the old nor the new bytes"
	done
}

fault_points() { # ROOT VERB: how many fault points the verb passes on a copy of ROOT
	copy_root "$1" "$work/count"
	VFIO_BOOT_TEST_FAIL_AT=999999 vb "$work/count" "$2" -q 2>&1 |
		sed -n 's/.*test: \([0-9]*\) fault points passed/\1/p'
}

# ---- kill -9 at every step ---------------------------------------------------------------
# NAME FROM VERB WANT: kill VERB on a copy of FROM at each step; then revert must give the
# pristine tree, and apply the tree WANT (then revert the pristine one).
kill_sweep() {
	local name=$1 from=$2 verb=$3 want=$4 total n bad=0 log=""
	total=$(fault_points "$work/$from" "$verb")
	# under valgrind (several seconds a run) every fourth step and the last; the steps are
	# all run in make check and make check-asan
	local stride=1
	[ -n "${VALGRIND:-}" ] && stride=4
	for n in $( (seq 1 "$stride" "${total:-0}"; echo "${total:-0}") | sort -un); do
		copy_root "$work/$from" "$work/t"
		(VFIO_BOOT_TEST_KILL_AT=$n vb_exit 137 "$work/t" "$verb" -q; echo $? >"$work/kill-status") >/dev/null 2>&1
		[ "$(cat "$work/kill-status")" = 137 ] || log+="step $n: not killed (exit $(cat "$work/kill-status"))"$'\n'
		log+=$(whole_files "$work/t")
		rm -rf "$work/killed" && cp -a "$work/t" "$work/killed"
		vb "$work/t" revert -q >/dev/null 2>&1
		snapshot_root "$work/t" | cmp -s - "$work/before.snap" || { bad=$((bad + 1)); log+="killed at $n, then revert: $(snapshot_root "$work/t" | diff "$work/before.snap" - | head -4)"$'\n'; }
		rm -rf "$work/t" && mv "$work/killed" "$work/t"
		vb "$work/t" apply -q >/dev/null 2>&1
		snapshot_root "$work/t" | cmp -s - "$work/$want" || { bad=$((bad + 1)); log+="killed at $n, then apply: $(snapshot_root "$work/t" | diff "$work/$want" - | head -4)"$'\n'; }
		vb "$work/t" revert -q >/dev/null 2>&1
		snapshot_root "$work/t" | cmp -s - "$work/before.snap" || { bad=$((bad + 1)); log+="killed at $n, then apply and revert: $(snapshot_root "$work/t" | diff "$work/before.snap" - | head -4)"$'\n'; }
	done
	local each="each of the $total steps"
	[ $stride = 1 ] || each="every ${stride}th of the $total steps"
	if [ "${total:-0}" -gt 10 ] && [ $bad = 0 ] && [ -z "$log" ]; then
		ok "kill -9 at $each of $name: whole files, revert gives the pristine tree, apply completes"
	else not_ok "kill -9 at $each of $name: whole files, revert gives the pristine tree, apply completes" "$(head -30 <<<"$log")"; fi
}
kill_sweep "a first apply" pristine apply after.snap
kill_sweep "an apply that changes the selection" update apply after-update.snap
kill_sweep "revert" applied revert after.snap

# The admin's bytes after all of that: the pristine snapshot holds their hashes, so the
# sweeps above compared them; this says it in the words of the issue.
copy_root "$work/applied" "$work/t"
(VFIO_BOOT_TEST_KILL_AT=3 vb_exit 137 "$work/t" revert -q; :) >/dev/null 2>&1
vb "$work/t" apply -q >/dev/null 2>&1
vb "$work/t" revert -q >/dev/null 2>&1
if [ "$(sha256sum <"$work/t/etc/modprobe.d/vfio-boot.conf")" = "$admin_modprobe" ] &&
	[ "$(sha256sum <"$work/t/etc/default/grub.d/vfio-boot.cfg")" = "$admin_grub" ] &&
	[ "$(stat -c %a "$work/t/etc/modprobe.d/vfio-boot.conf")" = 640 ]; then
	ok "a revert killed after it put the admin's file back, then apply and revert: the admin's bytes, mode and missing last newline"
else not_ok "a revert killed after it put the admin's file back, then apply and revert: the admin's bytes, mode and missing last newline" "$(od -c "$work/t/etc/default/grub.d/vfio-boot.cfg" | head -3)"; fi

# status after a killed apply: the journal is named, and it is not in sync
copy_root "$work/pristine" "$work/t"
(VFIO_BOOT_TEST_KILL_AT=25 vb_exit 137 "$work/t" apply -q; :) >/dev/null 2>&1
vb_exit 1 "$work/t" status --json >"$work/status.json" 2>&1
st=$?
vb_exit 1 "$work/t" status >"$work/out" 2>&1
if [ $st = 1 ] && grep -q '"interrupted": true' "$work/status.json" && grep -q 'An apply was interrupted before it finished' "$work/out"; then
	ok "status after a killed apply: interrupted, not in sync, and what to run"
else not_ok "status after a killed apply: interrupted, not in sync, and what to run" "$(cat "$work/out")"; fi

# A failure (not a kill) right after the commit: the journal's unlink. The apply stands.
total=$(fault_points "$work/pristine" apply)
copy_root "$work/pristine" "$work/t"
bad=""
stride=1
[ -n "${VALGRIND:-}" ] && stride=4
for n in $( (seq 1 "$stride" "$total"; echo "$total") | sort -un); do
	copy_root "$work/pristine" "$work/t"
	# (0 where the failed step comes after the commit and is harmless, as the journal's unlink)
	VFIO_BOOT_TEST_FAIL_AT=$n vb_exit 0,1 "$work/t" apply -q >"$work/out" 2>&1
	s=$(snapshot_root "$work/t")
	if cmp -s <(echo "$s") "$work/after.snap"; then
		grep -q 'nothing was changed' "$work/out" && bad+="fault $n: applied, and says nothing was changed"$'\n'
	elif ! cmp -s <(echo "$s") "$work/before.snap"; then
		bad+="fault $n: half applied"$'\n'
	fi
done
[ -z "$bad" ] && ok "apply failed at each of its $total steps: all or nothing, and never 'nothing was changed' once the files are in place" ||
	not_ok "apply failed at each of its $total steps: all or nothing, and never 'nothing was changed' once the files are in place" "$bad"

# A failure after the commit that leaves the files in place: the manifest's rewrite once
# the commands ran (a full /var). The message must not say nothing changed.
mkdir -p "$work/bin"
printf '#!/bin/sh\nexit 0\n' >"$work/bin/update-initramfs" && cp "$work/bin/update-initramfs" "$work/bin/update-grub"
chmod +x "$work/bin/update-initramfs" "$work/bin/update-grub"
run() { local want=$1; shift; PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit "$want" "$@"; } # WANT_EXIT ROOT ARGS...
copy_root "$work/pristine" "$work/t"
last=$(PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 VFIO_BOOT_TEST_FAIL_AT=999999 vb_exit 1 "$work/t" apply -q 2>&1 |
	sed -n 's/.*test: \([0-9]*\) fault points passed/\1/p')
# (the last point is the journal's unlink, whose failure is harmless; the one before it is
# the manifest's rename)
copy_root "$work/pristine" "$work/t"
PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 VFIO_BOOT_TEST_FAIL_AT=$((last - 1)) vb_exit 1 "$work/t" apply >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && ! grep -q 'nothing was changed' "$work/out" && grep -q 'apply wrote the files, then failed' "$work/out" &&
	[ -e "$work/t/etc/default/grub.d/vfio-boot.cfg" ] && grep -q vfio-pci "$work/t/etc/default/grub.d/vfio-boot.cfg"; then
	ok "a failure after the commit (the manifest's last rewrite) says the files are written"
else not_ok "a failure after the commit (the manifest's last rewrite) says the files are written" "$(cat "$work/out")"; fi

# ---- two at once ---------------------------------------------------------------------------
# The root's lock held from outside (flock(1) on the root directory, as vfio-boot takes it):
# apply must read the selection and the files only once it holds the lock.
copy_root "$work/applied" "$work/t"
flock "$work/t" sh -c "sleep 1; rm -rf '$work/t/etc' '$work/t/var' && cp -a '$work/pristine/etc' '$work/pristine/var' '$work/t/'" &
holder=$!
sleep 0.3
vb "$work/t" apply -q >"$work/out" 2>&1
st=$?
wait $holder
if [ $st = 0 ] && snapshot_root "$work/t" | cmp -s - "$work/after.snap"; then
	ok "apply plans under the lock: a revert that finishes while it waits does not leave a manifest of missing files"
else not_ok "apply plans under the lock: a revert that finishes while it waits does not leave a manifest of missing files" "$(cat "$work/out"; snapshot_root "$work/t" | diff "$work/after.snap" -)"; fi

copy_root "$work/pristine" "$work/t"
printf 'method auto\n' >"$work/t/etc/vfio-boot.conf"
flock "$work/t" sleep 1 &
holder=$!
sleep 0.3
vb "$work/t" add -q 03:00.0 >"$work/out" 2>&1 &
adder=$!
sleep 0.4
waited=no
kill -0 $adder 2>/dev/null && ! grep -q 03:00.0 "$work/t/etc/vfio-boot.conf" && waited=yes
wait $holder
wait $adder
st=$?
if [ $waited = yes ] && [ $st = 0 ] && grep -q '^device 0000:03:00.0' "$work/t/etc/vfio-boot.conf"; then
	ok "add waits for the root's lock before it reads the selection"
else not_ok "add waits for the root's lock before it reads the selection" "waited=$waited status=$st $(cat "$work/out")"; fi

# Twenty rounds of apply, revert and two adds at once: every add kept, and the state is
# always one that status reads and revert undoes.
bad=""
rounds=20
[ -n "${VALGRIND:-}" ] && rounds=5
for i in $(seq 1 $rounds); do
	copy_root "$work/pristine" "$work/t"
	printf 'method auto\n' >"$work/t/etc/vfio-boot.conf"
	vb "$work/t" add -q 03:00.0 >/dev/null 2>&1 &
	a1=$!
	vb "$work/t" add -q 07:00.0 >/dev/null 2>&1 &
	a2=$!
	vb "$work/t" apply -q >/dev/null 2>&1 &
	a3=$!
	vb "$work/t" revert -q >/dev/null 2>&1 &
	a4=$!
	wait $a1 $a2 $a3 $a4
	grep -q '^device 0000:03:00.0' "$work/t/etc/vfio-boot.conf" && grep -q '^device 0000:07:00.0' "$work/t/etc/vfio-boot.conf" ||
		bad+="round $i: an add was lost: $(cat "$work/t/etc/vfio-boot.conf")"$'\n'
	vb_exit 0,1 "$work/t" status --json >/dev/null 2>"$work/err" # in sync or not: both are right
	[ $? -le 1 ] && [ ! -s "$work/err" ] || bad+="round $i: status: $(cat "$work/err")"$'\n'
	vb "$work/t" revert -q >/dev/null 2>&1
	snapshot_root "$work/t" | cmp -s - "$work/before.snap" || bad+="round $i: revert did not give the pristine tree"$'\n'
done
[ -z "$bad" ] && ok "apply, revert and two adds at once, $rounds times: no add lost, status reads the state, revert completes" ||
	not_ok "apply, revert and two adds at once, $rounds times: no add lost, status reads the state, revert completes" "$bad"

# ---- names that reach generated shell ------------------------------------------------------
copy_root "$work/pristine" "$work/t"
rm "$work/t/lib" && cp -a "$work/pristine/lib" "$work/t/lib"
for k in '$(touch${IFS}pwned)' 'with space' '6.1.0-13+rt~1'; do
	mkdir -p "$work/t/lib/modules/$k" && cp "$work/t/lib/modules/4.15.0-33-generic/modules".* "$work/t/lib/modules/$k/"
done
vb "$work/t" apply >"$work/out" 2>&1
hook="$work/t/etc/initramfs-tools/hooks/vfio-boot"
mkdir -p "$work/hookrun"
cat >"$work/hookrun/hook-functions" <<'EOF'
manual_add_modules() { echo "modules $*"; }
copy_exec() { :; }
copy_file() { :; }
EOF
sed 's#^\. /usr/share/initramfs-tools/hook-functions#. ./hook-functions#' "$hook" >"$work/hookrun/hook"
out=""
for v in 6.1.0-13+rt~1 'with space' 4.15.0-33-generic 9.9.9-unknown; do
	out+=$(cd "$work/hookrun" && version=$v sh ./hook 2>&1)$'\n'
done
if grep -q 'not a kernel release name' "$work/out" && [ ! -e "$work/hookrun/pwned" ] && ! grep -q 'touch' "$hook" &&
	grep -q "^'6.1.0-13+rt~1')" "$hook" && grep -c '^modules' <<<"$out" | grep -qx 4 && sh -n "$hook"; then
	ok "a kernel directory named like a command never reaches the hook; valid names are quoted, and the hook runs"
else not_ok "a kernel directory named like a command never reaches the hook; valid names are quoted, and the hook runs" "$(cat "$work/out"; grep -n "')\|) " "$hook"; echo "$out")"; fi

# ---- what is at our paths -------------------------------------------------------------------
for f in etc/vfio-boot.conf etc/modprobe.d/vfio-boot.conf; do
	for v in plan apply revert; do
		copy_root "$work/applied" "$work/t"
		rm -f "$work/t/$f" && mkfifo "$work/t/$f"
		timeout 10 "$bin" --root="$work/t" --sysroot="$work/t" "$v" >"$work/out" 2>&1
		st=$?
		case $v/$f in
		revert/etc/vfio-boot.conf) want=0 ;; # revert does not read the selection
		revert/*) want=1 ;;                  # the FIFO is not our file: left, and said
		*) want=1 ;;
		esac
		if [ $st = $want ] && { [ $want = 0 ] || grep -q "not a regular file\|edited since apply" "$work/out"; }; then
			ok "a FIFO at /$f: $v does not hang (exit $want)"
		else not_ok "a FIFO at /$f: $v does not hang (exit $want)" "exit $st: $(cat "$work/out")"; fi
	done
done

copy_root "$work/pristine" "$work/t"
mkdir -p "$work/t/etc/dotfiles"
printf 'method auto\n' >"$work/t/etc/dotfiles/vfio-boot.conf"
ln -sfn dotfiles/vfio-boot.conf "$work/t/etc/vfio-boot.conf"
vb "$work/t" add -q 03:00.0 >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && [ -L "$work/t/etc/vfio-boot.conf" ] && grep -q '^device 0000:03:00.0' "$work/t/etc/dotfiles/vfio-boot.conf"; then
	ok "add writes through a symlinked /etc/vfio-boot.conf: the link stays, its target has the device"
else not_ok "add writes through a symlinked /etc/vfio-boot.conf: the link stays, its target has the device" "$(cat "$work/out"; ls -l "$work/t/etc/vfio-boot.conf")"; fi
ln -sfn ../../../../../../../../../../tmp/elsewhere.conf "$work/t/etc/vfio-boot.conf"
vb_exit 1 "$work/t" add -q 07:00.0 >"$work/out" 2>&1
st=$?
[ $st = 1 ] && grep -q 'leads out of' "$work/out" && [ ! -e /tmp/elsewhere.conf ] &&
	ok "a symlinked /etc/vfio-boot.conf that leads out of the root is refused" ||
	not_ok "a symlinked /etc/vfio-boot.conf that leads out of the root is refused" "exit $st: $(cat "$work/out")"

# ---- the manifest is not trusted beyond what vfio-boot writes ------------------------------
copy_root "$work/applied" "$work/t"
m="$work/t/var/lib/vfio-boot/manifest.json"
[ -e "$work/t/etc/passwd" ] || echo "root:x:0:0::/root:/bin/sh" >"$work/t/etc/passwd"
h=$(sha256sum <"$work/t/etc/passwd" | cut -c1-64)
python3 - "$m" "$h" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["files"].append({"path": "/etc/passwd", "sha256": sys.argv[2], "mode": 420, "had_original": False})
m["created_dirs"].append("etc")
json.dump(m, open(sys.argv[1], "w"))
EOF
vb "$work/t" revert >"$work/out" 2>&1
if [ -e "$work/t/etc/passwd" ] && grep -q '/etc/passwd, which vfio-boot never writes: ignored' "$work/out" &&
	[ "$(sha256sum <"$work/t/etc/default/grub.d/vfio-boot.cfg")" = "$admin_grub" ]; then
	ok "a tampered manifest naming /etc/passwd: revert leaves it and says so"
else not_ok "a tampered manifest naming /etc/passwd: revert leaves it and says so" "$(cat "$work/out")"; fi

for key in kernel_cmdline entry_args; do
	copy_root "$work/applied" "$work/t"
	sed -i "s/\"$key\":\[/\"$key\":[null,/" "$work/t/var/lib/vfio-boot/manifest.json"
	bad=""
	for v in status:1 plan:0; do
		vb_exit "${v#*:}" "$work/t" "${v%:*}" >"$work/out" 2>&1
		st=$?
		[ $st -le 1 ] || bad+="$v: exit $st"$'\n'
	done
	vb "$work/t" revert >"$work/out" 2>&1
	st=$?
	if [ -z "$bad" ] && [ $st = 0 ] && grep -q "$key holds something that is not a string: ignored" "$work/out" &&
		snapshot_root "$work/t" | cmp -s - "$work/before.snap"; then
		ok "\"$key\":[null] in the manifest: status and plan run, revert warns and completes"
	else not_ok "\"$key\":[null] in the manifest: status and plan run, revert warns and completes" "$bad exit $st: $(cat "$work/out")"; fi
done

# ---- the admin's original when our file is no longer wanted ------------------------------
copy_root "$work/applied" "$work/t"
printf 'method auto\n' >"$work/t/etc/vfio-boot.conf"
vb "$work/t" apply -q >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && [ "$(sha256sum <"$work/t/etc/modprobe.d/vfio-boot.conf")" = "$admin_modprobe" ] &&
	[ "$(stat -c %a "$work/t/etc/modprobe.d/vfio-boot.conf")" = 640 ] &&
	[ "$(sha256sum <"$work/t/etc/default/grub.d/vfio-boot.cfg")" = "$admin_grub" ] &&
	snapshot_root "$work/t" | cmp -s - "$work/before.snap"; then
	ok "nothing selected any more: apply gives the admin's files back (bytes and mode) and forgets them"
else not_ok "nothing selected any more: apply gives the admin's files back (bytes and mode) and forgets them" "$(cat "$work/out"; snapshot_root "$work/t" | diff "$work/before.snap" -)"; fi

# ---- a missing backup ------------------------------------------------------------------------
copy_root "$work/applied" "$work/t"
rm "$work/t/var/lib/vfio-boot/backups/%etc%modprobe.d%vfio-boot.conf"
vb_exit 1 "$work/t" revert >"$work/out" 2>&1
st=$?
if [ $st = 1 ] && grep -q 'the backup of the file it replaced is missing' "$work/out" && grep -q "revert --force' deletes it" "$work/out" &&
	[ ! -e "$work/t/etc/initramfs-tools/hooks/vfio-boot" ] && [ "$(sha256sum <"$work/t/etc/default/grub.d/vfio-boot.cfg")" = "$admin_grub" ] &&
	grep -q vfio-pci "$work/t/etc/modprobe.d/vfio-boot.conf"; then
	ok "one missing backup: revert reverts every other file, keeps ours there, says why and what --force does"
else not_ok "one missing backup: revert reverts every other file, keeps ours there, says why and what --force does" "exit $st: $(cat "$work/out")"; fi
# an apply in between (a device added back, say) does not make the loss silent
copy_root "$work/applied" "$work/t2"
rm "$work/t2/var/lib/vfio-boot/backups/%etc%modprobe.d%vfio-boot.conf"
printf "$select_gpu" >"$work/t2/etc/vfio-boot.conf"
vb "$work/t2" apply -q >/dev/null 2>&1
vb_exit 1 "$work/t2" revert >"$work/out" 2>&1
st=$?
[ $st = 1 ] && grep -q 'the backup of the file it replaced is missing' "$work/out" &&
	ok "one missing backup, then an apply: revert still says the backup is missing" ||
	not_ok "one missing backup, then an apply: revert still says the backup is missing" "exit $st: $(cat "$work/out")"
vb "$work/t" revert --force >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && [ ! -e "$work/t/etc/modprobe.d/vfio-boot.conf" ] && [ ! -e "$work/t/var/lib/vfio-boot" ]; then
	ok "revert --force then deletes our file and forgets it"
else not_ok "revert --force then deletes our file and forgets it" "exit $st: $(cat "$work/out")"; fi

# ---- a reader that goes away ---------------------------------------------------------------
printf '#!/bin/sh\necho "$0 $*" >>"%s/calls"\nfor i in $(seq 1 200); do echo "update-initramfs: line $i"; done\n' "$work" >"$work/bin/update-initramfs"
printf '#!/bin/sh\necho "$0 $*" >>"%s/calls"\n' "$work" >"$work/bin/update-grub"
copy_root "$work/pristine" "$work/t"
rm -f "$work/calls"
# (the exit status is not asked: once the transaction is done, printing its result may
# still meet SIGPIPE, as for any program whose reader left)
run 0,141 "$work/t" apply 2>/dev/null | head -2 >/dev/null
if grep -q update-grub "$work/calls" 2>/dev/null && grep -q '"rebuild":"done"' "$work/t/var/lib/vfio-boot/manifest.json"; then
	ok "vfio-boot apply | head -2: the transaction runs to its end (update-grub ran, the rebuild is recorded)"
else not_ok "vfio-boot apply | head -2: the transaction runs to its end (update-grub ran, the rebuild is recorded)" "$(cat "$work/calls" "$work/apply-status" 2>&1)"; fi

# ---- text from sysfs on its way to a terminal ---------------------------------------------------
copy_root "$work/applied" "$work/t"
rm "$work/t/sys" && cp -a "$work/pristine/sys" "$work/t/sys"
evil=$'evil\033]0;owned\007\033[2J'
mkdir -p "$work/t/sys/bus/pci/drivers/$evil"
ln -sfn "../../../../bus/pci/drivers/$evil" "$work/t/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/driver"
vb_exit 1 "$work/t" status >"$work/out" 2>&1
if ! grep -q $'\033' "$work/out" && grep -q 'evil\\x1b' "$work/out"; then
	ok "status shows a driver name from sysfs with its control bytes escaped"
else not_ok "status shows a driver name from sysfs with its control bytes escaped" "$(cat -v "$work/out")"; fi

# ---- the boot-time helper's paths -----------------------------------------------------------
long=$work/$(printf 'd%.0s' $(seq 1 200))/$(printf 'e%.0s' $(seq 1 200))/$(printf 'f%.0s' $(seq 1 200))
mkdir -p "$long"
VFIO_BOOT_BIND_ROOT=$long "$helper" 0000:03:00.0 >"$work/out" 2>&1
st=$?
[ $st -lt 128 ] && ok "vfio-boot-bind with a root longer than its path buffer: no overflow (exit $st)" ||
	not_ok "vfio-boot-bind with a root longer than its path buffer: no overflow (exit $st)" "$(cat "$work/out")"

summary faults
