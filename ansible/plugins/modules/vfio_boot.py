#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The vfio_boot module: the selection in /etc/vfio-boot.conf and vfio-boot apply/revert."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vfio_boot
short_description: Give PCI devices to vfio-pci at boot with vfio-boot
version_added: "0.1.0"
description:
  - Makes the devices selected in C(/etc/vfio-boot.conf) exactly C(devices), then runs
    C(vfio-boot apply), which writes the kernel command line, the modprobe.d options, the
    initramfs hooks and rebuilds the images, as one transaction.
  - With C(state=absent) it runs C(vfio-boot revert), which removes what vfio-boot wrote
    and restores what it replaced. The selection file stays.
  - Devices selected for handoff (dynamic passthrough) and the C(cpu-governor) line are the
    admin's, and left as they are.
  - Check mode runs C(vfio-boot plan) on the selection the task would write, so it changes
    nothing. Diff mode shows the selection file and every file the plan writes.
  - A device that vfio-boot's safety policy refuses fails the task with the refusal's code
    (C(code)), before anything on the host is changed.
requirements:
  - vfio-boot on the managed host
options:
  devices:
    description:
      - The devices to give to vfio-pci at boot, each a PCI address (C([DDDD:]BB:DD.F)) or
        a vendor:device pair (C(VVVV:DDDD)) that matches exactly one device of the host.
      - The other functions of a device's slot follow it.
    type: list
    elements: str
    default: []
  method:
    description:
      - How vfio-pci claims the devices at boot. C(auto) uses vfio-pci's C(ids=) unless
        another device of the host has the same IDs, then C(address).
    type: str
    choices: [auto, ids, address]
    default: auto
  iommu_pt:
    description:
      - Add C(iommu=pt) to the kernel command line.
    type: bool
    default: false
  state:
    description:
      - C(present) selects C(devices) and applies; C(absent) reverts.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - Refusal codes to accept for the selected devices (written as C(allow=) on their
        lines), such as C(group-not-viable) or C(boot-vga). C(not-found) is never accepted.
    type: list
    elements: str
    default: []
  root:
    description:
      - The target system whose configuration is read and written (C(--root)).
    type: path
    default: /
  sysroot:
    description:
      - Where the live state is read, C(sys) and C(proc) under it (C(--sysroot)).
    type: path
    default: /
  rebuild:
    description:
      - Rebuild the initramfs images and the boot loader configuration. C(false) passes
        C(--no-rebuild); C(vfio-boot status) then says what is pending.
    type: bool
    default: true
  binary:
    description:
      - The vfio-boot program. By default C(vfio-boot) found in C(PATH).
    type: path
notes:
  - A change of the kernel command line or of the images takes effect at the next boot;
    C(reboot_required) says when one is needed. On Debian and Ubuntu vfio-boot also writes
    C(/run/reboot-required).
seealso:
  - name: vfio-boot(8)
    description: The manual page of the vfio-boot program.
    link: https://manpages.debian.org/vfio-boot
author:
  - vfio-boot developers
"""

EXAMPLES = r"""
- name: The tutorial's Radeon R9 390 and its USB 3.1 controller to vfio-pci at boot
  vfio_boot.passthrough.vfio_boot:
    devices:
      - "03:00.0"
      - "07:00.0"
  register: vfio

- name: Reboot when the next boot differs from this one
  ansible.builtin.reboot:
  when: vfio.reboot_required

- name: A GPU that shares its IOMMU group with a device the host can spare
  vfio_boot.passthrough.vfio_boot:
    devices: ["10de:1e87"]
    force: [group-not-viable]

- name: Back to the host's own drivers
  vfio_boot.passthrough.vfio_boot:
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the selection or any file that vfio-boot writes changed.
  returned: always
  type: bool
reboot_required:
  description: The next boot differs from the running system (the kernel command line or
    the images changed, or the devices are not on vfio-pci yet).
  returned: always
  type: bool
devices:
  description: The functions vfio-pci gets at boot, each with its address, IDs, method and
    why it is in the plan (C(selected), C(same-slot) or C(group)).
  returned: when C(state=present)
  type: list
  elements: dict
  sample: [{"address": "0000:03:00.0", "vendor": "1002", "device": "67b1", "class": "0300",
            "method": "ids", "reason": "selected"}]
commands:
  description: The commands that rebuild the images and the boot configuration, as run
    (or, in check mode and with C(rebuild=false), as they would run).
  returned: always
  type: list
  elements: list
warnings_vfio_boot:
  description: The plan's warnings, each with its code and message.
  returned: when C(state=present)
  type: list
  elements: dict
code:
  description: The refusal's code when vfio-boot refused the selection (such as
    C(boot-vga), C(group-not-viable), C(host-disk), C(not-found)).
  returned: failure
  type: str
  sample: boot-vga
codes:
  description: Every refusal's code.
  returned: failure
  type: list
  elements: str
"""

import json
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

SELECTION = "etc/vfio-boot.conf"
ADDRESS_RE = re.compile(r"^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$")
ID_RE = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")
HEADER = (
    "# vfio-boot selection: the PCI devices this host gives to virtual machines.\n"
    "# Managed by Ansible (vfio_boot.passthrough.vfio_boot); see vfio-boot(8).\n"
)


class VfioBoot(object):
    def __init__(self, module):
        self.module = module
        p = module.params
        self.binary = p["binary"] or module.get_bin_path("vfio-boot", required=True)
        self.root, self.sysroot = p["root"], p["sysroot"]
        self.selection_path = os.path.join(self.root, SELECTION)

    def run(self, *args, **kw):
        """vfio-boot ARGS --json; (rc, parsed JSON or None, stderr)."""
        argv = [self.binary, "--root=" + self.root, "--sysroot=" + self.sysroot] + list(args) + ["--json"]
        rc, out, err = self.module.run_command(argv, environ_update={"LC_ALL": "C"})
        try:
            data = json.loads(out) if out.strip() else None
        except ValueError:
            data = None
        if rc not in kw.get("ok", (0,)) and rc != 1:
            self.module.fail_json(msg="%s failed (exit %d): %s" % (" ".join(argv), rc, err.strip()),
                                  rc=rc, stderr=err)
        return rc, data, err

    def fail_refused(self, data, err, **extra):
        errors = (data or {}).get("errors") or []
        codes = [e.get("code") for e in errors]
        msg = "; ".join("%s: %s" % (e.get("code"), e.get("message")) for e in errors) or err.strip()
        self.module.fail_json(msg="vfio-boot refused: " + msg if errors else msg,
                              code=codes[0] if codes else None, codes=codes, stderr=err, **extra)


def resolve_devices(vb, specs):
    """Each requested device as (address, vendor, device, subsystem) from the host's scan."""
    rc, scan, err = vb.run("scan", "--all")
    if rc != 0 or scan is None:
        vb.module.fail_json(msg="vfio-boot scan failed: " + err.strip())
    found = scan.get("devices") or [d for g in scan.get("groups", []) for d in g.get("devices", [])]
    out = []
    for spec in specs:
        s = spec.strip().lower()
        a = ADDRESS_RE.match(s)
        i = ID_RE.match(s)
        if a:
            address = "%s:%s:%s.%s" % (a.group(1) or "0000", a.group(2), a.group(3), a.group(4))
            matches = [d for d in found if d["address"] == address]
        elif i:
            matches = [d for d in found if d["vendor"] == i.group(1) and d["device"] == i.group(2)]
        else:
            vb.module.fail_json(msg="devices: %r is neither a PCI address ([DDDD:]BB:DD.F) nor "
                                    "a vendor:device pair (VVVV:DDDD)" % spec, code="usage")
        if len(matches) != 1:
            vb.module.fail_json(
                msg="devices: %s matches %s" % (spec, ", ".join(d["address"] for d in matches)
                                                 if matches else "no device of this host"),
                code="not-found")
        d = matches[0]
        if d["address"] not in [o[0] for o in out]:
            out.append((d["address"], "%s:%s" % (d["vendor"], d["device"]),
                        "%s:%s" % (d.get("subsystem_vendor", "0000"), d.get("subsystem_device", "0000"))))
    return out


def managed_line(line):
    """Whether a selection line is the module's: method, iommu-pt and the device lines
    without handoff."""
    words = line.split("#", 1)[0].split()
    if not words:
        return False
    if words[0] in ("method", "iommu-pt"):
        return True
    return words[0] == "device" and "handoff" not in words[1:]


def selection_key(text):
    """What the module manages in a selection, for comparing two of them."""
    method, pt, devices = "auto", "no", []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or not managed_line(line):
            continue
        if words[0] == "method" and len(words) > 1:
            method = words[1]
        elif words[0] == "iommu-pt" and len(words) > 1:
            pt = words[1]
        elif words[0] == "device":
            allow = sorted(w[6:] for w in words if w.startswith("allow="))
            devices.append((words[1].lower(), words[2].lower() if len(words) > 2 else "", ",".join(allow)))
    return method, pt, sorted(devices)


def desired_selection(current, params, devices):
    kept = [line for line in current.splitlines() if not managed_line(line)] if current else HEADER.splitlines()
    while kept and not kept[-1].strip():
        kept.pop()
    lines = kept + ["", "method %s" % params["method"], "iommu-pt %s" % ("yes" if params["iommu_pt"] else "no")]
    allow = " allow=" + ",".join(params["force"]) if params["force"] else ""
    for address, ids, subsystem in devices:
        lines.append("device %s %s %s%s" % (address, ids, subsystem, allow))
    return "\n".join(lines) + "\n"


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except IOError:
        return None


def file_diffs(vb, plan, selection_before, selection_after):
    diffs = []
    if selection_before != selection_after:
        diffs.append({"before_header": "/" + SELECTION, "after_header": "/" + SELECTION,
                      "before": selection_before or "", "after": selection_after})
    for f in plan.get("files", []):
        if f.get("action") == "unchanged":
            continue
        before = read(os.path.join(vb.root, f["path"].lstrip("/"))) or ""
        after = f.get("content") or "" if f.get("action") != "remove" else ""
        diffs.append({"before_header": f["path"], "after_header": f["path"], "before": before, "after": after})
    return diffs


def present(vb):
    module, p = vb.module, vb.module.params
    devices = resolve_devices(vb, p["devices"])
    current = read(vb.selection_path)
    wanted = desired_selection(current, p, devices)
    selection_changed = current is None or selection_key(current) != selection_key(wanted)
    if not selection_changed:
        wanted = current

    # The plan of the selection this task writes, before anything is written: a refusal
    # fails the host unchanged, and check mode stops here.
    fd, tmp = tempfile.mkstemp(prefix="vfio-boot-selection.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(wanted)
        rc, plan, err = vb.run("plan", "--selection=" + tmp)
    finally:
        os.unlink(tmp)
    if rc != 0 or plan is None:
        vb.fail_refused(plan, err)
    result = {"reboot_required": bool(plan.get("reboot_required")), "devices": plan.get("devices", []),
              "commands": plan.get("commands", []), "warnings_vfio_boot": plan.get("warnings", [])}
    if module._diff:
        result["diff"] = file_diffs(vb, plan, current, wanted)
    files_change = any(f.get("action") != "unchanged" for f in plan.get("files", []))
    if module.check_mode:
        module.exit_json(changed=selection_changed or files_change or bool(plan.get("commands")), **result)

    if selection_changed:
        parent = os.path.dirname(vb.selection_path)
        fd, tmp = tempfile.mkstemp(prefix=".vfio-boot.conf.", dir=parent)
        with os.fdopen(fd, "w") as f:
            f.write(wanted)
        os.chmod(tmp, 0o644)
        module.atomic_move(tmp, vb.selection_path)
    args = ["apply"] + ([] if p["rebuild"] else ["--no-rebuild"])
    rc, applied, err = vb.run(*args)
    if rc != 0 or applied is None:
        vb.fail_refused(applied, err, changed=selection_changed)
    result.update(reboot_required=bool(applied.get("reboot_required")), devices=applied.get("devices", []),
                  commands=applied.get("commands", []), warnings_vfio_boot=applied.get("warnings", []))
    module.exit_json(changed=selection_changed or bool(applied.get("changed")), **result)


def absent(vb):
    module, p = vb.module, vb.module.params
    if module.check_mode:
        rc, status, err = vb.run("status")
        if rc != 0 or status is None:
            module.fail_json(msg="vfio-boot status failed: " + err.strip())
        module.exit_json(changed=bool(status.get("applied")), reboot_required=False, commands=[])
    args = ["revert"] + ([] if p["rebuild"] else ["--no-rebuild"])
    rc, reverted, err = vb.run(*args)
    if rc != 0 or reverted is None:
        module.fail_json(msg="vfio-boot revert failed: " + err.strip(), stderr=err)
    module.exit_json(changed=bool(reverted.get("changed")), reboot_required=bool(reverted.get("reboot_required")),
                     commands=reverted.get("commands", []))


ARGUMENT_SPEC = dict(
    devices=dict(type="list", elements="str", default=[]),
    method=dict(type="str", choices=["auto", "ids", "address"], default="auto"),
    iommu_pt=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    force=dict(type="list", elements="str", default=[]),
    root=dict(type="path", default="/"),
    sysroot=dict(type="path", default="/"),
    rebuild=dict(type="bool", default=True),
    binary=dict(type="path"),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    for code in module.params["force"]:
        if not re.match(r"^[a-z][a-z-]*$", code):
            module.fail_json(msg="force: %r is not a refusal code (such as group-not-viable)" % code)
    vb = VfioBoot(module)
    if module.params["state"] == "absent":
        absent(vb)
    else:
        present(vb)


if __name__ == "__main__":
    main()
