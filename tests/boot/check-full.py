#!/usr/bin/env python3
"""Read the report of a full boot (report.sh full, on the guest's second serial port) and
check one scenario of it. Prints what is wrong and exits 1, or prints a summary and exits 0.

  check-full.py LOG sync ADDRESS=DRIVER...  the drivers, vfio-boot status in sync, verify 0
  check-full.py LOG off ADDRESS=DRIVER...   the drivers, status reports the kill switch
  check-full.py LOG vm TYPE                 the profile wrote a domain of TYPE (kvm, qemu);
                                            the VM started with every hostdev of the domain
                                            in place (QEMU's device tree), then destroyed,
                                            each function where its managed= says
  check-full.py LOG refused                 the VM did not start, and status says why
  check-full.py LOG handoff single|dual     the devices selected for handoff went to the VM
                                            through vfio-boot's libvirt hook and came back;
                                            single: the display manager and the console
                                            stopped and came back, the host's units on CPU 0
                                            while the VM ran; a holder that stays and huge
                                            pages the host lacks ended in a rollback;
                                            dual: the host's display was left alone
"""
import json
import sys
import xml.etree.ElementTree as ET


def read(path):
    tags = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            tag, _, rest = line.partition(" ")
            if tag.startswith("VBTEST-"):
                tags.setdefault(tag, []).append(rest)
    return tags


def one(tags, tag):
    v = tags.get(tag)
    if not v:
        raise Failed(f"no {tag} line in the report")
    return v[0]


class Failed(Exception):
    pass


def exit_and_rest(line):
    """'exit=N REST' -> (N, REST)"""
    head, _, rest = line.partition(" ")
    if not head.startswith("exit="):
        raise Failed(f"unexpected line: {line}")
    return int(head[5:]), rest


def drivers(tags, tag="VBTEST-DEV"):
    return {f[0]: f[7] for f in (line.split() for line in tags.get(tag, [])) if len(f) > 7}


def ids(tags):
    return {f[0]: (f[1], f[2]) for f in (line.split() for line in tags.get("VBTEST-DEV", []))}


def check_drivers(tags, pairs):
    got = drivers(tags)
    wrong = []
    for pair in pairs:
        address, want = pair.split("=", 1)
        if got.get(address) != want:
            wrong.append(f"{address} on {got.get(address, 'nothing')}, not {want}")
    if wrong:
        raise Failed("; ".join(wrong))


def status_json(tags):
    code, rest = exit_and_rest(one(tags, "VBTEST-STATUS"))
    try:
        return code, json.loads(rest)
    except ValueError:
        raise Failed(f"status --json (exit {code}) printed no JSON: {rest[:300]}")


def status_text(tags, tag="VBTEST-STATUS-TEXT"):
    return "\n".join(tags.get(tag, []))


def sync(tags, pairs):
    check_drivers(tags, pairs)
    code, s = status_json(tags)
    if code != 0 or not s.get("in_sync"):
        raise Failed(f"status: exit {code}, in_sync {s.get('in_sync')}:\n{status_text(tags)}")
    code, _ = exit_and_rest(one(tags, "VBTEST-VERIFY"))
    if code != 0:
        raise Failed(f"verify: exit {code}:\n{status_text(tags, 'VBTEST-VERIFY-TEXT')}")
    return "status in sync, verify 0"


def off(tags, pairs):
    check_drivers(tags, pairs)
    code, s = status_json(tags)
    if not s.get("kill_switch") or s.get("in_sync"):
        raise Failed(f"status: kill_switch {s.get('kill_switch')}, in_sync {s.get('in_sync')}")
    return f"status exit {code}, kill_switch true"


def domain_hostdevs(tags):
    xml = "\n".join(tags.get("VBTEST-XML", []))
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise Failed(f"the profile's XML does not parse: {e}")
    out = []
    for h in root.iter("hostdev"):
        if h.get("type") != "pci":
            continue
        s = h.find("source/address")
        g = h.find("address")
        source = "%04x:%02x:%02x.%x" % tuple(int(s.get(k), 16) for k in ("domain", "bus", "slot", "function"))
        out.append({"source": source, "managed": h.get("managed"), "bus": int(g.get("bus"), 16),
                    "slot": int(g.get("slot"), 16), "function": int(g.get("function"), 16)})
    if not out:
        raise Failed("the profile has no PCI hostdev")
    return out


def qtree_devices(lines):
    """QEMU's 'info qtree': every device as a dict of its properties, with the bus it sits on"""
    devices, stack = [], []  # stack: (indent, "bus"|"dev", name or dict)
    for line in lines:
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if text.startswith("bus: "):
            stack.append((indent, "bus", text[5:]))
        elif text.startswith("dev: "):
            kind, _, ident = text[5:].partition(", id ")
            bus = next((n for _, k, n in reversed(stack) if k == "bus"), None)
            dev = {"type": kind, "id": ident.strip('"'), "bus": bus}
            devices.append(dev)
            stack.append((indent, "dev", dev))
        elif stack and stack[-1][1] == "dev":
            dev = stack[-1][2]
            key, eq, value = text.partition(" = ")
            if eq:
                dev[key] = value.strip('"')
            elif " pci id " in text:  # "class VGA controller, addr 00:00.0, pci id 1234:1111 (sub ...)"
                dev["pci id"] = text.split(" pci id ")[1].split()[0]
    return devices


def placement(tags):
    """every hostdev of the domain where the domain puts it in QEMU's device tree"""
    seen = [d for d in qtree_devices(tags.get("VBTEST-QTREE", [])) if d["type"] == "vfio-pci"]
    host = ids(tags)
    placed = []
    for h in domain_hostdevs(tags):
        want_id = "%s:%s" % tuple(x[2:] for x in host[h["source"]])
        match = [d for d in seen if d.get("host") == h["source"]]
        if not match:
            raise Failed(f"{h['source']}: QEMU has no vfio-pci device for it; vfio-pci devices: {seen}")
        d = match[0]
        where = (d["bus"], d.get("addr"))
        want = ("pci.%d" % h["bus"], "%02x.%x" % (h["slot"], h["function"]))
        if where != want or d.get("pci id") != want_id:
            raise Failed(f"{h['source']}: QEMU has it at {where} as {d.get('pci id')}, "
                         f"the domain says {want} ({want_id})")
        if h["function"] == 0 and any(o["bus"] == d["bus"] and o is not d for o in seen) \
                and d.get("multifunction") != "true":
            raise Failed(f"{h['source']}: function 0 of a slot with others, without multifunction")
        placed.append(f"{h['source']} at {want[0]} {want[1]} ({d['id']})")
    return placed


def start_seconds(line):
    t0, _, t1 = line.split()[1].partition("=")[2].partition("-")
    return float(t1) - float(t0)


def vm(tags, domain_type):
    for tag in ("VBTEST-PROFILE", "VBTEST-DEFINE", "VBTEST-START", "VBTEST-QTREE-EXIT"):
        code, rest = exit_and_rest(one(tags, tag))
        if code != 0:
            text = status_text(tags, "VBTEST-PROFILE-TEXT") if tag == "VBTEST-PROFILE" else rest
            raise Failed(f"{tag}: exit {code}: {text}")
    first = tags["VBTEST-XML"][0]
    if f'<domain type="{domain_type}">' not in first:
        raise Failed(f"the profile wrote {first.strip()}, not a domain of type {domain_type}")
    placed = placement(tags)
    running = drivers(tags, "VBTEST-RUNNING")
    code, rest = exit_and_rest(one(tags, "VBTEST-DESTROY"))
    if code != 0:
        raise Failed(f"destroy: exit {code}: {rest}")
    after = drivers(tags)
    for h in domain_hostdevs(tags):
        if running.get(h["source"]) != "vfio-pci":
            raise Failed(f"{h['source']} on {running.get(h['source'])} while the VM ran")
        back = after.get(h["source"])
        if h["managed"] == "no" and back != "vfio-pci":
            raise Failed(f"{h['source']} (managed='no') on {back} after destroy, not vfio-pci")
        if h["managed"] == "yes" and back == "vfio-pci":
            raise Failed(f"{h['source']} (managed='yes') still on vfio-pci after destroy")
    return f"type {domain_type}; " + "; ".join(placed) + f"; started in {start_seconds(one(tags, 'VBTEST-START')):.1f} s"


def host_state(tags, tag):
    """what handoff changes, at one report point"""
    return {"drivers": drivers(tags, tag), "dm": one(tags, tag + "-DM"), "vtcon": one(tags, tag + "-VTCON"),
            "cpus": tags.get(tag + "-CPUS", [""])[0], "huge": one(tags, tag + "-HUGE"),
            "journal": tags.get(tag + "-JOURNAL", [""])[0].strip()}


def expect_state(tag, got, want):
    """want: a value per key, or a tuple of the values accepted"""
    wrong = [f"{k} {got[k]!r}, not {v!r}" for k, v in want.items()
             if k != "drivers" and got[k] not in (v if isinstance(v, tuple) else (v,))]
    wrong += [f"{a} on {got['drivers'].get(a)}, not {d}" for a, d in want.get("drivers", {}).items()
              if got["drivers"].get(a) != d]
    if wrong:
        raise Failed(f"{tag}: " + "; ".join(wrong))


def handoff(tags, kind):
    for tag in ("VBTEST-PROFILE", "VBTEST-DEFINE", "VBTEST-START", "VBTEST-QTREE-EXIT", "VBTEST-DESTROY"):
        code, rest = exit_and_rest(one(tags, tag))
        if code != 0:
            text = status_text(tags, "VBTEST-PROFILE-TEXT") if tag == "VBTEST-PROFILE" else rest
            raise Failed(f"{tag}: exit {code}: {text}")
    if any(h["managed"] != "no" for h in domain_hostdevs(tags)):
        raise Failed("the profile did not write the handed-off functions as managed='no'")
    placed = placement(tags)
    before = host_state(tags, "VBTEST-H0")
    native = {a: before["drivers"][a] for a in ("0000:01:00.0", "0000:01:00.1")}
    if "vfio-pci" in native.values():
        raise Failed(f"before the VM the functions are on {native}")
    host = {"dm": "active", "vtcon": "1", "cpus": "", "huge": "0", "journal": ""}
    expect_state("before the VM", before, host)
    vfio = {"drivers": {a: "vfio-pci" for a in native}, "huge": "0", "journal": "vbtest"}
    if kind == "single":
        # the console unbound; with no framebuffer left the kernel drops fbcon's vtcon (-)
        vfio.update(dm="inactive", vtcon=("0", "-"), cpus="0")
    else:
        # the console moves to the host's framebuffer by itself: not unbound
        vfio.update(dm="active", vtcon="1", cpus="0", drivers=dict(vfio["drivers"], **{"0000:00:02.0": "virtio-pci"}))
    expect_state("while the VM ran", host_state(tags, "VBTEST-H1"), vfio)
    expect_state("after destroy", host_state(tags, "VBTEST-H2"), dict(host, drivers=native))
    said = f"{'; '.join(placed)}; started in {start_seconds(one(tags, 'VBTEST-START')):.1f} s"
    if kind == "dual":
        # by hand, without libvirt: the devices named on the command line
        for tag in ("VBTEST-MANUAL-PREPARE", "VBTEST-MANUAL-RELEASE"):
            code, _ = exit_and_rest(one(tags, tag))
            if code != 0:
                raise Failed(f"{tag}: exit {code}: " + status_text(tags, "VBTEST-MANUAL-TEXT"))
        expect_state("handoff prepare 01:00.0", host_state(tags, "VBTEST-H5"),
                     dict(host, drivers={a: "vfio-pci" for a in native}, journal="devices-0000:01:00.0"))
        expect_state("handoff release 01:00.0", host_state(tags, "VBTEST-H6"), dict(host, drivers=native))
        return said + "; the host's display stayed; by hand (handoff prepare/release 01:00.0) too"
    code, rest = exit_and_rest(one(tags, "VBTEST-STUCK"))
    took = start_seconds(one(tags, "VBTEST-STUCK"))
    if code == 0 or "did not let go within 10 s" not in rest or "vbtest-holder.service) has /dev/dri/card" not in rest:
        raise Failed(f"a holder that stays: virsh start exit {code}: {rest}")
    if took > 40:
        raise Failed(f"a holder that stays: the start took {took:.1f} s to fail")
    expect_state("after the holder that stayed", host_state(tags, "VBTEST-H3"), dict(host, drivers=native))
    code, rest = exit_and_rest(one(tags, "VBTEST-HUGE"))
    if code == 0 or "huge pages of 2048 KiB the VM needs" not in rest:
        raise Failed(f"3 GiB of huge pages: virsh start exit {code}: {rest}")
    expect_state("after the huge pages", host_state(tags, "VBTEST-H4"), dict(host, drivers=native))
    return said + f"; a holder that stayed: refused in {took:.1f} s, host as before; huge pages: refused, host as before"


def refused(tags):
    code, rest = exit_and_rest(one(tags, "VBTEST-START"))
    if code == 0:
        raise Failed("the VM started")
    said = status_text(tags, "VBTEST-STATUS-AFTER")
    if "vfio-boot=off is on the booted kernel command line" not in said:
        raise Failed(f"status does not name the kill switch:\n{said}")
    said = " ".join(w for w in rest.split() if not w.startswith("seconds="))
    return f"virsh start: exit {code}: {said[:200]}"


def main():
    log, what, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    tags = read(log)
    try:
        one(tags, "VBTEST-END")
        checks = {"sync": lambda: sync(tags, pairs), "off": lambda: off(tags, pairs), "vm": lambda: vm(tags, pairs[0]),
                  "refused": lambda: refused(tags), "handoff": lambda: handoff(tags, pairs[0])}
        print(checks[what]())
    except Failed as e:
        print(e)
        sys.exit(1)


if __name__ == "__main__":
    main()
