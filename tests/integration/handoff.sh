#!/usr/bin/env bash
# Dynamic handoff over a fixture sysroot: the selection keyword and what apply writes for it
# (the libvirt hook, no boot binding), the holder search, the steps and their order, the
# journal, rollback on failure and on a step that hangs, recovery after kill -9.
#
# A fake sysfs has no kernel behind it. Where a test needs drivers to move, the driver's
# bind and unbind files are FIFOs read by a small loop in this script that moves the
# device's driver link as the kernel would; a FIFO nobody reads is a write that hangs.
set -u
. "$(dirname "$0")/lib.sh" handoff

python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/tutorial-x99.listing" "$work/x99" >/dev/null
r=$work/x99
dev=$r/sys/bus/pci/devices
gpu=0000:03:00.0 audio=0000:03:00.1

# ---- the selection and apply -----------------------------------------------------------
vb "$r" add -q --handoff 03:00.0 || not_ok "add --handoff"
grep -q '^device 0000:03:00.0 1002:67b1 174b:e324 handoff ' "$r/etc/vfio-boot.conf" &&
	ok "add --handoff: the device line says handoff" || not_ok "add --handoff: the device line says handoff" "$(cat "$r/etc/vfio-boot.conf")"
vb "$r" plan --json >"$work/plan.json"
python3 - "$work/plan.json" <<'EOF' && ok "plan --json: the slot under handoff, no boot devices, the IOMMU parameter, the hook and no boot-binding file" || not_ok "plan --json: handoff"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["devices"] == [], p["devices"]
assert [(d["address"], d["reason"]) for d in p["handoff"]] == [("0000:03:00.0", "selected"), ("0000:03:00.1", "same-slot")], p["handoff"]
assert p["kernel_cmdline"] == ["intel_iommu=on"], p["kernel_cmdline"]
paths = {f["path"] for f in p["files"]}
assert "/etc/libvirt/hooks/qemu.d/vfio-boot" in paths, paths
assert not paths & {"/etc/modprobe.d/vfio-boot.conf", "/etc/vfio-boot/devices.conf", "/etc/initramfs-tools/hooks/vfio-boot"}, paths
EOF
vb "$r" apply -q >/dev/null 2>&1
hook=$r/etc/libvirt/hooks/qemu.d/vfio-boot
if [ -x "$hook" ] && sh -n "$hook" && grep -q 'handoff prepare --domain="$1"' "$hook" && [ ! -e "$r/etc/vfio-boot/devices.conf" ]; then
	ok "apply: writes the executable libvirt hook, and no device list for the boot"
else not_ok "apply: writes the executable libvirt hook, and no device list for the boot"; fi
got=$(vb "$r" apply 2>&1)
[[ $got == *"Nothing to change"* ]] && ok "apply: a second run changes nothing" || not_ok "apply: a second run changes nothing" "$got"
got=$(vb_exit 1 "$r" status 2>&1)
[[ $got == *"0000:03:00.0  radeon         handoff: with the host until a VM that assigns it starts"* ]] &&
	ok "status: the devices selected for handoff, with the host" || not_ok "status: the devices selected for handoff, with the host" "$got"
# boot and handoff in one slot is refused
s=$work/mixed && cp -a "$r" "$s"
echo "device 0000:03:00.1 1002:aac8" >>"$s/etc/vfio-boot.conf"
got=$(vb_exit 1 "$s" plan 2>&1)
[[ $got == *"handoff-conflict"*"0000:03:00.1 would be bound at boot and handed off"* ]] &&
	ok "plan: a slot both bound at boot and handed off is refused" || not_ok "plan: a slot both bound at boot and handed off is refused" "$got"
# the console GPU: only with allow=boot-vga on its own line
s=$work/single && cp -a "$r" "$s"
got=$(vb_exit 1 "$s" add --handoff 04:00.0 2>&1; echo "/$?")
[[ $got == *"refused (boot-vga)"*"allow=boot-vga on its line"*/1 ]] && ok "add --handoff: the boot GPU is refused" || not_ok "add --handoff: the boot GPU is refused" "$got"
got=$(vb "$s" add --handoff --force 04:00.0 2>&1; echo "/$?")
if [[ $got == */0 ]] && grep -q '^device 0000:04:00.0 .*allow=boot-vga.* handoff' "$s/etc/vfio-boot.conf"; then
	ok "add --handoff --force: the boot GPU with allow=boot-vga written on its line (single-GPU)"
else not_ok "add --handoff --force: the boot GPU with allow=boot-vga written on its line (single-GPU)" "$got"; fi

# ---- a fake kernel: FIFOs for bind and unbind ------------------------------------------------
fifo_driver() { # DRIVER: its bind and unbind become FIFOs served by a loop
	local d=$r/sys/bus/pci/drivers/$1
	mkdir -p "$d"
	rm -f "$d/bind" "$d/unbind" && mkfifo "$d/bind" "$d/unbind"
	(while :; do
		read -r a <"$d/unbind"; [ -n "$a" ] || continue
		echo "unbind $1 $a" >>"$work/kernel.log"
		rm -f "$(readlink -f "$dev/$a")/driver"
	done) &
	kernel_pids+=($!)
	(while :; do
		read -r a <"$d/bind"; [ -n "$a" ] || continue
		echo "bind $1 $a" >>"$work/kernel.log"
		ln -sfn "$d" "$(readlink -f "$dev/$a")/driver"
	done) &
	kernel_pids+=($!)
}
kernel_pids=()
stop_kernel() { kill "${kernel_pids[@]}" 2>/dev/null; wait 2>/dev/null; kernel_pids=(); }
trap 'stop_kernel; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
for d in radeon snd_hda_intel vfio-pci; do fifo_driver $d; done
group=$(basename "$(readlink "$dev/$gpu/iommu_group")")
mkdir -p "$r/dev/vfio" && : >"$r/dev/vfio/$group"

# what holds the GPU: a display manager, a process with its render node, the console
mkdir -p "$dev/$gpu/drm/card0" "$dev/$gpu/drm/renderD128" "$dev/$audio/sound/card1/pcmC1D3p"
echo "DEVNAME=dri/card0" >"$dev/$gpu/drm/card0/uevent"
printf 'MAJOR=226\nMINOR=128\nDEVNAME=dri/renderD128\n' >"$dev/$gpu/drm/renderD128/uevent"
echo "DEVNAME=snd/pcmC1D3p" >"$dev/$audio/sound/card1/pcmC1D3p/uevent"
mkdir -p "$r/etc/systemd/system" "$r/proc/700/fd" "$r/proc/701/fd"
ln -s /lib/systemd/system/gdm3.service "$r/etc/systemd/system/display-manager.service"
echo gdm3 >"$r/proc/700/comm" && echo "0::/system.slice/gdm3.service" >"$r/proc/700/cgroup"
echo pipewire >"$r/proc/701/comm" && echo "0::/user.slice/user-1000.slice/user@1000.service/app.slice/pipewire.service" >"$r/proc/701/cgroup"
ln -s /dev/dri/card0 "$r/proc/700/fd/5"
ln -s /dev/snd/pcmC1D3p "$r/proc/701/fd/9"
mkdir -p "$r/sys/class/vtconsole/vtcon1" "$r/sys/class/graphics/fb0"
echo "frame buffer device" >"$r/sys/class/vtconsole/vtcon1/name" && echo 1 >"$r/sys/class/vtconsole/vtcon1/bind"
ln -s "$(readlink -f "$dev/$gpu")" "$r/sys/class/graphics/fb0/device"
# systemctl: stopping the display manager closes its card, starting it opens it again
mkdir -p "$work/bin"
# set-property and show keep AllowedCPUs in $work/allowed.UNIT
cat >"$work/bin/systemctl" <<EOF
#!/bin/sh
case \$1 in show) cat "$work/allowed.\$4" 2>/dev/null; exit 0 ;; esac
echo "systemctl \$*" >>"$work/kernel.log"
case \$1 in
stop) rm -f "$r/proc/700/fd/5" ;;
start) ln -sfn /dev/dri/card0 "$r/proc/700/fd/5" ;;
set-property) echo "\${4#AllowedCPUs=}" >"$work/allowed.\$3" ;;
esac
EOF
chmod +x "$work/bin/systemctl"
# the fake kernel answers a write a moment after it returns: wait for it before looking
run() { # WANT_EXIT ARGS...
	local want=$1 st
	shift
	PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 vb_exit "$want" "$r" "$@"
	st=$?
	sleep 0.2
	return $st
}

got=$(run 1 handoff prepare --dry-run --timeout=1 2>&1; echo "/$?")
[[ $got == *"is held by"*"pipewire (pid 701, pipewire.service) has /dev/snd/pcmC1D3p open"*/1 ]] &&
	ok "prepare --dry-run: a process outside the display manager that holds a function is named" ||
	not_ok "prepare --dry-run: a process outside the display manager that holds a function is named" "$got"
rm "$r/proc/701/fd/9"
got=$(run 0 handoff prepare --dry-run 2>&1; echo "/$?")
want="devices-$gpu: stop display-manager.service (gdm3 (pid 700, gdm3.service) has /dev/dri/card0 open)
devices-$gpu: unbind the framebuffer console (vtcon1)
devices-$gpu: take $gpu from radeon
devices-$gpu: take $audio from snd_hda_intel
devices-$gpu: give $gpu to vfio-pci
devices-$gpu: give $audio to vfio-pci
/0"
[ "$got" = "$want" ] && [ ! -e "$work/kernel.log" ] && [ ! -d "$r/run/vfio-boot" ] &&
	ok "prepare --dry-run: the steps in order (display manager, console, drivers, vfio-pci), nothing done" ||
	not_ok "prepare --dry-run: the steps in order (display manager, console, drivers, vfio-pci), nothing done" "$got"

# with another framebuffer (the host's GPU) the console has somewhere to go: left alone
mkdir -p "$r/sys/class/graphics/fb1" && ln -s "$(readlink -f "$dev/0000:04:00.0")" "$r/sys/class/graphics/fb1/device"
got=$(run 0 handoff prepare --dry-run 2>&1; echo "/$?")
[[ $got == */0 && $got != *"framebuffer console"* ]] && ok "prepare --dry-run: the console stays bound when another GPU's framebuffer can take it" ||
	not_ok "prepare --dry-run: the console stays bound when another GPU's framebuffer can take it" "$got"
rm -r "$r/sys/class/graphics/fb1"

got=$(run 0 handoff prepare 2>&1; echo "/$?")
want_log="systemctl stop display-manager.service
unbind radeon $gpu
unbind snd_hda_intel $audio
bind vfio-pci $gpu
bind vfio-pci $audio"
if [[ $got == */0 ]] && [ "$(cat "$work/kernel.log")" = "$want_log" ] &&
	[ "$(cat "$r/sys/class/vtconsole/vtcon1/bind")" = 0 ] &&
	[ "$(basename "$(readlink "$dev/$gpu/driver")")" = vfio-pci ] && [ "$(basename "$(readlink "$dev/$audio/driver")")" = vfio-pci ] &&
	[ "$(cat "$dev/$gpu/driver_override")" = vfio-pci ] && grep -q '^done$' "$r/run/vfio-boot/handoff/devices-$gpu"; then
	ok "prepare: display manager stopped, console unbound, both functions on vfio-pci, journal complete"
else not_ok "prepare: display manager stopped, console unbound, both functions on vfio-pci, journal complete" "$got
$(cat "$work/kernel.log")"; fi
got=$(run 0 handoff prepare 2>&1; echo "/$?")
[[ $got == */0 ]] && [ "$(wc -l <"$work/kernel.log")" = 5 ] && ok "prepare: a second one changes nothing" || not_ok "prepare: a second one changes nothing" "$got"
: >"$work/kernel.log"
got=$(run 0 handoff release 2>&1; echo "/$?")
want_log="unbind vfio-pci $audio
bind snd_hda_intel $audio
unbind vfio-pci $gpu
bind radeon $gpu
systemctl start display-manager.service"
if [[ $got == */0 ]] && [ "$(cat "$work/kernel.log")" = "$want_log" ] &&
	[ "$(cat "$r/sys/class/vtconsole/vtcon1/bind")" = 1 ] && [ -z "$(cat "$dev/$gpu/driver_override")" ] &&
	[ "$(basename "$(readlink "$dev/$gpu/driver")")" = radeon ] && [ -L "$r/proc/700/fd/5" ] &&
	[ ! -e "$r/run/vfio-boot/handoff/devices-$gpu" ]; then
	ok "release: drivers back, console back, display manager started, journal gone"
else not_ok "release: drivers back, console back, display manager started, journal gone" "$got
$(cat "$work/kernel.log")"; fi
got=$(run 0 handoff release 2>&1; echo "/$?")
[ "$got" = "/0" ] && ok "release: with nothing handed off, nothing to do" || not_ok "release: with nothing handed off, nothing to do" "$got"

# ---- the libvirt hook: the domain's XML on stdin ------------------------------------------------
domain="<domain type='kvm'><name>win</name><devices>
<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source>
<address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></hostdev>
</devices></domain>"
: >"$work/kernel.log"
got=$(run 0 handoff prepare --domain=win <<<"$domain" 2>&1; echo "/$?")
[[ $got == */0 ]] && grep -q "bind vfio-pci $audio" "$work/kernel.log" && [ -e "$r/run/vfio-boot/handoff/win" ] &&
	ok "prepare --domain: the domain's hostdev brings its slot, journal named after the domain" ||
	not_ok "prepare --domain: the domain's hostdev brings its slot, journal named after the domain" "$got"
other="<domain type='kvm'><name>plain</name><devices><hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x07' slot='0x00' function='0x0'/></source></hostdev></devices></domain>"
got=$(run 0 handoff prepare --domain=plain <<<"$other" 2>&1; echo "/$?")
[ "$got" = "/0" ] && [ ! -e "$r/run/vfio-boot/handoff/plain" ] && ok "prepare --domain: a domain without handoff devices: nothing, silently" || not_ok "prepare --domain: a domain without handoff devices: nothing, silently" "$got"
got=$(run 1 handoff prepare --domain=bad <<<"<domain><devices>" 2>&1; echo "/$?")
[[ $got == *"not well-formed"*/1 ]] && ok "prepare --domain: broken XML is an error" || not_ok "prepare --domain: broken XML is an error" "$got"
# as libvirt runs it
got=$(PATH="$work/bin:$PATH" VFIO_BOOT_TEST_RUN_COMMANDS=1 sh -c "sed 's|exec [^ ]*/vfio-boot|exec \"$bin\" --root=$r --sysroot=$r|' '$hook' | sh -s win release end -" </dev/null 2>&1; echo "/$?")
[[ $got == */0 ]] && [ "$(basename "$(readlink "$dev/$gpu/driver")")" = radeon ] && [ ! -e "$r/run/vfio-boot/handoff/win" ] &&
	ok "the hook, release/end: the domain's devices back" || not_ok "the hook, release/end: the domain's devices back" "$got"

# ---- the host for the VM's lifetime: huge pages on its node, CPUs, governor ---------------------
mkdir -p "$r/sys/devices/system/cpu/cpu4/node0" "$r/sys/devices/system/node/node0/hugepages/hugepages-2048kB" "$r/proc/sys/vm"
hp=$r/sys/devices/system/node/node0/hugepages/hugepages-2048kB
echo 10 >"$hp/nr_hugepages" && echo 10 >"$hp/free_hugepages" && : >"$r/proc/sys/vm/compact_memory"
for c in 0 1 2 3 4 5 6 7 8 9 10 11; do mkdir -p "$r/sys/devices/system/cpu/cpu$c/cpufreq" && echo schedutil >"$r/sys/devices/system/cpu/cpu$c/cpufreq/scaling_governor"; done
echo "0-5" >"$work/allowed.user.slice" # the admin's own limit, given back on release
echo "cpu-governor performance" >>"$r/etc/vfio-boot.conf"
tuned="<domain type='kvm'><name>win</name><memory unit='KiB'>1048576</memory>
<memoryBacking><hugepages/></memoryBacking><cputune><vcpupin vcpu='0' cpuset='4'/><vcpupin vcpu='1' cpuset='10'/>
<emulatorpin cpuset='0,6'/></cputune><devices>
<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source></hostdev>
</devices></domain>"
: >"$work/kernel.log"
got=$(run 0 handoff prepare --domain=win <<<"$tuned" 2>&1; echo "/$?")
if [[ $got == *"reserve 502 huge pages of 2048 KiB on node0 for the VM's memory"*"keep system.slice on CPUs 0-3,5-9,11 while the VM runs on 4,10"*"CPU 10: governor performance (was schedutil)"*/0 ]] &&
	[ "$(cat "$hp/nr_hugepages")" = 512 ] && [ "$(cat "$work/allowed.system.slice")" = "0-3,5-9,11" ] &&
	[ "$(cat "$work/allowed.init.scope")" = "0-3,5-9,11" ] && [ "$(cat "$r/sys/devices/system/cpu/cpu4/cpufreq/scaling_governor")" = performance ] &&
	[ "$(cat "$r/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")" = schedutil ] && [ "$(cat "$r/proc/sys/vm/compact_memory")" = 1 ]; then
	ok "prepare --domain: huge pages reserved on the pinned CPUs' node (after compaction), the host's units on the other CPUs, the VM's CPUs on cpu-governor"
else not_ok "prepare --domain: huge pages, CPU isolation, governor" "$got"; fi
got=$(run 0 handoff release --domain=win </dev/null 2>&1; echo "/$?")
if [[ $got == */0 ]] && [ "$(cat "$hp/nr_hugepages")" = 10 ] && [ "$(cat "$work/allowed.system.slice")" = "" ] &&
	[ "$(cat "$work/allowed.user.slice")" = "0-5" ] && [ "$(cat "$r/sys/devices/system/cpu/cpu4/cpufreq/scaling_governor")" = schedutil ] &&
	[ "$(basename "$(readlink "$dev/$gpu/driver")")" = radeon ]; then
	ok "release --domain: huge pages freed, CPUs and governors as they were (the admin's own AllowedCPUs too)"
else not_ok "release --domain: huge pages freed, CPUs and governors as they were" "$got
$(cat "$hp/nr_hugepages") system.slice=$(cat "$work/allowed.system.slice") user.slice=$(cat "$work/allowed.user.slice")"; fi
# (a kernel that finds fewer pages than asked is tests/boot's: a fake sysfs cannot refuse)
sed -i '/^cpu-governor/d' "$r/etc/vfio-boot.conf"

# ---- failures: a holder that stays, a step that hangs, kill -9 ---------------------------------
snap() {
	local f
	for f in "$dev/$gpu/driver" "$dev/$audio/driver"; do echo "$(basename "$(readlink "$f")")"; done
	for f in "$dev/$gpu/driver_override" "$dev/$audio/driver_override" "$r/sys/class/vtconsole/vtcon1/bind"; do echo "$(cat "$f")"; done
	ls "$r/proc/700/fd"
}
before=$(snap)
# restored WANT: the host as WANT says, once the fake kernel has done the writes it was given
# (it answers each a moment later, longer on a loaded machine); false after 5 s
restored() {
	local i
	for i in $(seq 50); do
		[ "$(snap)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
ln -s /dev/dri/renderD128 "$r/proc/701/fd/9"
start=$(date +%s)
got=$(run 1 handoff prepare --timeout=2 2>&1; echo "/$?")
took=$(($(date +%s) - start))
if [[ $got == *"did not let go within 2 s: pipewire (pid 701, pipewire.service) has /dev/dri/renderD128 open"*"everything prepare did was undone"*/1 ]] &&
	restored "$before" && [ ! -e "$r/run/vfio-boot/handoff/devices-$gpu" ] && [ $took -lt 10 ]; then
	ok "prepare: a holder that does not let go: rollback within the timeout, the holder named, the host as it was"
else not_ok "prepare: a holder that does not let go: rollback within the timeout, the holder named, the host as it was" "$got ($took s)"; fi
rm "$r/proc/701/fd/9"
# radeon's unbind hangs (nobody reads the FIFO): the step times out
stop_kernel
for d in snd_hda_intel vfio-pci; do fifo_driver $d; done
got=$(run 1 handoff prepare --timeout=1 2>&1; echo "/$?")
[[ $got == *"radeon did not let go of $gpu"*"Connection timed out"*/1 || $got == *"radeon did not let go of $gpu"*"timed out"*/1 ]] && restored "$before" &&
	ok "prepare: an unbind that hangs times out and everything is undone" || not_ok "prepare: an unbind that hangs times out and everything is undone" "$got"
stop_kernel
for d in radeon snd_hda_intel vfio-pci; do fifo_driver $d; done
# kill -9 at each record of the journal, then the next prepare (or release) puts it right
for k in 1 2 3 4 5; do
	VFIO_BOOT_TEST_KILL_AT=$k run 137 handoff prepare >/dev/null 2>&1
	got=$(run 0 handoff release 2>&1; echo "/$?")
	[[ $got == */0 ]] && restored "$before" && [ ! -e "$r/run/vfio-boot/handoff/devices-$gpu" ] &&
		ok "kill -9 at journal record $k of prepare: release restores the host" || not_ok "kill -9 at journal record $k of prepare: release restores the host" "$got
$(snap)"
	VFIO_BOOT_TEST_KILL_AT=$k run 137 handoff prepare >/dev/null 2>&1
	got=$(run 0 handoff prepare 2>&1; echo "/$?")
	[[ $got == *"did not finish: undoing it first"*/0 ]] && [ "$(basename "$(readlink "$dev/$gpu/driver")")" = vfio-pci ] &&
		ok "kill -9 at journal record $k of prepare: the next prepare undoes it, then hands off" || not_ok "kill -9 at journal record $k of prepare: the next prepare undoes it, then hands off" "$got"
	run 0 handoff release >/dev/null 2>&1
done
stop_kernel

# ---- NVIDIA: the modules go, holders first; a built-in one is refused -----------------------------
n=$work/nv && cp -a "$r" "$n"
ln -sfn "$n/sys/bus/pci/drivers/nvidia" "$(readlink -f "$n/sys/bus/pci/devices/$gpu")/driver"
mkdir -p "$n/sys/bus/pci/drivers/nvidia"
for m in nvidia nvidia_modeset nvidia_drm nvidia_uvm; do mkdir -p "$n/sys/module/$m/holders" && echo live >"$n/sys/module/$m/initstate"; done
ln -s ../../nvidia_modeset "$n/sys/module/nvidia/holders/nvidia_modeset"
ln -s ../../nvidia_uvm "$n/sys/module/nvidia/holders/nvidia_uvm"
ln -s ../../nvidia_drm "$n/sys/module/nvidia_modeset/holders/nvidia_drm"
rm -f "$n/proc/700/fd/5"
got=$(vb "$n" handoff prepare --dry-run 2>&1; echo "/$?")
order=$(grep -o 'unload [a-z_]*' <<<"$got" | tr '\n' ' ')
[ "$order" = "unload nvidia_drm unload nvidia_modeset unload nvidia_uvm unload nvidia " ] && [[ $got == */0 ]] &&
	ok "prepare --dry-run, nvidia: its modules unloaded holders first (nvidia_drm, nvidia_modeset, nvidia_uvm, nvidia)" ||
	not_ok "prepare --dry-run, nvidia: its modules unloaded holders first" "$got"
rm "$n/sys/module/nvidia_uvm/initstate"
got=$(vb_exit 1 "$n" handoff prepare --dry-run 2>&1; echo "/$?")
[[ $got == *"nvidia_uvm is built into the kernel: it cannot be unloaded"*/1 ]] && ok "prepare: a built-in module in the way is refused, named" || not_ok "prepare: a built-in module in the way is refused, named" "$got"

# ---- a device not selected for handoff ---------------------------------------------------------
got=$(vb_exit 1 "$r" handoff prepare 07:00.0 2>&1; echo "/$?")
[[ $got == *"0000:07:00.0 is not selected for handoff: 'vfio-boot add --handoff 0000:07:00.0'"*/1 ]] && ok "prepare DEVICE: one not selected for handoff is refused" || not_ok "prepare DEVICE: one not selected for handoff is refused" "$got"
got=$(vb_exit 2 "$r" handoff start 2>&1; echo "/$?")
[[ $got == *"'start' is not prepare or release"*/2 ]] && ok "handoff: an unknown action is a usage error" || not_ok "handoff: an unknown action is a usage error" "$got"

# ---- check on a host with one GPU: handoff is the way --------------------------------------------
python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/no-iommu.listing" "$work/one" >/dev/null
vb_exit 1 "$work/one" check --json >"$work/check.json"
python3 - "$work/check.json" <<'PY' && ok "check, one GPU: host-display says dynamic handoff is the way, and the fix says how" || not_ok "check, one GPU: host-display says dynamic handoff is the way"
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["checks"]}["host-display"]
assert c["status"] == "warn", c
assert "dynamic handoff (single-GPU) is the way" in c["message"], c
assert "vfio-boot add --handoff --force" in c["fix"] and "libvirt hook" in c["fix"], c
PY

summary handoff
