#!/usr/bin/env bash
# The Ansible collection (ansible/) with Debian's ansible-core: ansible-doc reads the module's
# documentation, and playbooks drive three hosts of an inventory, each a staged root and
# fixture sysroot (the module's root/sysroot options): the first run changes all, the second
# changes nothing, check mode writes nothing, a refused device fails its host with the
# refusal's code and leaves the others done, and state=absent reverts.
set -u
. "$(dirname "$0")/lib.sh" ansible
command -v ansible-playbook >/dev/null || { echo "ansible.sh: ansible-playbook is needed (apt-get install ansible-core)" >&2; exit 1; }

# the collection where Ansible looks for it: ansible_collections/NAMESPACE/NAME
mkdir -p "$work/collections/ansible_collections/vfio_boot"
ln -s "$top/ansible" "$work/collections/ansible_collections/vfio_boot/passthrough"
export ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_LOCAL_TEMP="$work/ansible-tmp" \
	ANSIBLE_HOME="$work/ansible-home" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_STDOUT_CALLBACK=json ANSIBLE_DEPRECATION_WARNINGS=0

if ansible-doc vfio_boot.passthrough.vfio_boot >"$work/doc" 2>&1 &&
	ansible-doc -l vfio_boot.passthrough 2>&1 | grep -q "^vfio_boot.passthrough.vfio_boot *Give PCI devices to vfio-pci" &&
	grep -q "^- reboot_required" "$work/doc" && grep -q "choices: \[present, absent\]" "$work/doc"; then
	ok "ansible-doc shows the module's documentation, options and return values"
else not_ok "ansible-doc shows the module's documentation, options and return values" "$(head -30 "$work/doc")"; fi

# What ansible-test's validate-modules checks first (ansible-test itself downloads pip, so
# it cannot run offline): the documentation is YAML, and it documents exactly the
# argument_spec's options with their types, defaults, choices and list elements.
if /usr/bin/python3 - "$top/ansible/plugins/modules/vfio_boot.py" >"$work/validate" 2>&1 <<'PY'; then
import importlib.util, sys, yaml
spec = importlib.util.spec_from_file_location("vfio_boot", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
doc = yaml.safe_load(m.DOCUMENTATION)
yaml.safe_load(m.EXAMPLES)
yaml.safe_load(m.RETURN)
bad = []
if set(doc["options"]) != set(m.ARGUMENT_SPEC):
    bad.append("documented %s, argument_spec %s" % (sorted(doc["options"]), sorted(m.ARGUMENT_SPEC)))
for name, a in m.ARGUMENT_SPEC.items():
    d = doc["options"].get(name, {})
    for k in ("type", "default", "choices", "elements"):
        if d.get(k) != a.get(k):
            bad.append("%s: %s documented %r, argument_spec %r" % (name, k, d.get(k), a.get(k)))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
	ok "the module's documentation is YAML and matches its argument_spec (types, defaults, choices)"
else not_ok "the module's documentation is YAML and matches its argument_spec (types, defaults, choices)" "$(cat "$work/validate")"; fi

listing="$top/tests/fixtures/machines/tutorial-x99.listing"
for h in host1 host2 host3; do
	python3 "$top/tests/fixtures/build-sysroot.py" --distro=debian "$listing" "$work/$h" >/dev/null
done
python3 "$top/tests/fixtures/build-sysroot.py" --distro=proxmox-zfs "$listing" "$work/host3" >/dev/null
cat >"$work/inventory" <<EOF
[vfio_hosts]
host1 vb_root=$work/host1 vb_devices='["03:00.0"]'
host2 vb_root=$work/host2 vb_devices='["1002:67b1", "07:00.0"]'
host3 vb_root=$work/host3 vb_devices='["03:00.0"]'
[vfio_hosts:vars]
ansible_connection=local
ansible_python_interpreter=/usr/bin/python3
EOF
cat >"$work/site.yml" <<EOF
- hosts: vfio_hosts
  gather_facts: false
  tasks:
    - name: the guest's devices to vfio-pci at boot
      vfio_boot.passthrough.vfio_boot:
        devices: "{{ vb_devices }}"
        iommu_pt: "{{ vb_iommu_pt | default(false) }}"
        force: "{{ vb_force | default([]) }}"
        state: "{{ vb_state | default('present') }}"
        root: "{{ vb_root }}"
        sysroot: "{{ vb_root }}"
        binary: "$bin"
      register: vfio
EOF

# play [ANSIBLE-PLAYBOOK ARGS]: the JSON callback's output in $work/play.json
play() { ansible-playbook -i "$work/inventory" "$work/site.yml" "$@" >"$work/play.json" 2>"$work/play.err"; }
# stat HOST FIELD: changed, failures, ok from the play's stats
stat() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"][sys.argv[2]][sys.argv[3]])' "$work/play.json" "$1" "$2"; }
# result HOST EXPR: a Python expression over the task's result r for HOST
result() {
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))["plays"][0]["tasks"][0]["hosts"][sys.argv[2]]
print(eval(sys.argv[3]))' "$work/play.json" "$1" "$2"
}
stats_line() { for h in host1 host2 host3; do printf '%s: changed=%s failures=%s  ' "$h" "$(stat $h changed)" "$(stat $h failures)"; done; }
snap_all() { for h in host1 host2 host3; do snapshot "$work/$h" sys proc lib; done; }

# check mode on the untouched hosts: a change is announced, nothing is written
snap_all >"$work/before.snap"
play --check --diff
if [ "$(stat host1 changed)$(stat host2 changed)$(stat host3 changed)" = 111 ] && snap_all | cmp -s - "$work/before.snap" &&
	[ "$(result host1 'any(d["after_header"] == "/etc/default/grub.d/vfio-boot.cfg" and "intel_iommu=on" in d["after"] for d in r["diff"])')" = True ]; then
	ok "check mode: every host would change, none is written, diff mode shows the GRUB drop-in"
else not_ok "check mode: every host would change, none is written, diff mode shows the GRUB drop-in" "$(stats_line; cat "$work/play.err")"; fi

play
if [ "$(stat host1 changed)$(stat host2 changed)$(stat host3 changed)" = 111 ] &&
	[ "$(result host2 '" ".join(d["address"] for d in r["devices"])')" = "0000:03:00.0 0000:03:00.1 0000:07:00.0" ] &&
	[ "$(result host1 'r["reboot_required"]')" = True ] &&
	grep -q "^device 0000:03:00.0 1002:67b1 174b:e324$" "$work/host1/etc/vfio-boot.conf" &&
	grep -q "intel_iommu=on vfio-pci.ids=1002:67b1,1002:aac8" "$work/host3/etc/kernel/cmdline" &&
	grep -q "vfio-pci.ids=1002:67b1,1002:aac8,1b21:1242" "$work/host2/etc/modprobe.d/vfio-boot.conf"; then
	ok "first run: changed on all three hosts; the devices, reboot_required, and each host's boot loader (GRUB, proxmox-boot-tool)"
else not_ok "first run: changed on all three hosts" "$(stats_line; cat "$work/play.err"; head -c 3000 "$work/play.json")"; fi

snap_all >"$work/applied.snap"
play
if [ "$(stat host1 changed)$(stat host2 changed)$(stat host3 changed)" = 000 ] && [ "$(stat host1 failures)" = 0 ] &&
	snap_all | grep -v manifest.json | cmp -s - <(grep -v manifest.json "$work/applied.snap"); then
	ok "second run: changed=0 on every host, nothing rewritten"
else not_ok "second run: changed=0 on every host, nothing rewritten" "$(stats_line; cat "$work/play.err")"; fi

play --check --diff
if [ "$(stat host1 changed)$(stat host2 changed)$(stat host3 changed)" = 000 ]; then
	ok "check mode on applied hosts: no change announced"
else not_ok "check mode on applied hosts: no change announced" "$(stats_line)"; fi

# host2 asks for the host's console GPU: refused with the code, untouched; the others go on
snapshot "$work/host2" sys proc lib >"$work/host2.snap"
sed -i "s|^host2 .*|host2 vb_root=$work/host2 vb_devices='[\"04:00.0\"]'|; s|^host1 .*|host1 vb_root=$work/host1 vb_devices='[\"03:00.0\"]' vb_iommu_pt=true|" "$work/inventory"
play
if [ "$(stat host2 failures)" = 1 ] && [ "$(result host2 'r["code"]')" = boot-vga ] &&
	[ "$(stat host1 changed)" = 1 ] && [ "$(stat host1 failures)" = 0 ] && grep -q "iommu=pt" "$work/host1/etc/default/grub.d/vfio-boot.cfg" &&
	snapshot "$work/host2" sys proc lib | cmp -s - "$work/host2.snap" &&
	grep -q "^device 0000:03:00.0 1002:67b1" "$work/host2/etc/vfio-boot.conf" && ! grep -q "04:00.0" "$work/host2/etc/vfio-boot.conf"; then
	ok "a refused device fails its host with the code (boot-vga) and leaves it as it was; the other hosts are done"
else not_ok "a refused device fails its host with the code (boot-vga) and leaves it as it was; the other hosts are done" "$(stats_line; cat "$work/play.err"; grep -o '"msg": "[^"]*"' "$work/play.json")"; fi

# force accepts the refusal by its code, written as allow= on the device's line
sed -i "s|^host2 .*|host2 vb_root=$work/host2 vb_devices='[\"04:00.0\"]' vb_force='[\"boot-vga\", \"last-display\"]'|" "$work/inventory"
play
if [ "$(stat host2 failures)" = 0 ] && [ "$(stat host2 changed)" = 1 ] &&
	grep -q "^device 0000:04:00.0 10de:0638 .* allow=boot-vga,last-display$" "$work/host2/etc/vfio-boot.conf"; then
	ok "force: the refusal codes given are accepted, as allow= on the device's line"
else not_ok "force: the refusal codes given are accepted, as allow= on the device's line" "$(stats_line; grep -o '"msg": "[^"]*"' "$work/play.json"; cat "$work/host2/etc/vfio-boot.conf")"; fi

# state=absent: revert everywhere, then nothing left to revert
sed -i 's|^ansible_connection=local|ansible_connection=local\nvb_state=absent|' "$work/inventory"
play
first="$(stat host1 changed)$(stat host2 changed)$(stat host3 changed)"
play
if [ "$first" = 111 ] && [ "$(stat host1 changed)$(stat host2 changed)$(stat host3 changed)" = 000 ] &&
	[ ! -e "$work/host1/etc/modprobe.d/vfio-boot.conf" ] && [ "$(cat "$work/host3/etc/kernel/cmdline")" = "root=ZFS=rpool/ROOT/pve-1 boot=zfs" ]; then
	ok "state=absent reverts every host (changed), then has nothing to do (changed=0)"
else not_ok "state=absent reverts every host (changed), then has nothing to do (changed=0)" "first $first; $(stats_line; cat "$work/play.err")"; fi

summary ansible
