#!/usr/bin/env python3
"""Checks profile's platform outputs with each platform's own rules.

  platform-check.py proxmox QM_ARGV_FILE ADDRESS...   qm create's arguments, one per line
  platform-check.py kubevirt YAML_FILE ID...          IDs as vvvv:dddd
  platform-check.py nova CONF_FILE ADDRESS...

proxmox: the rules of qemu-server's PVE/QemuServer/PCI.pm for hostpciN (at most 16, the
host as [domain:]bus:dev[.fn] in lowercase hex joined by ';', pcie only on q35, romfile
without ',' or ';', booleans 0 or 1, the keys it knows) and of its configuration for the
rest (hugepages any, 2 or 1024 with numa on). kubevirt: the YAML parsed by PyYAML, the
selector and Kubernetes' rules for an extended resource name. nova: the file read by
oslo.config as nova reads it (MultiStrOpt in [pci]), each value JSON, the alias keys and
patterns of nova's alias schema, and every device_spec an address of ours.
Prints what is wrong and exits 1.
"""
import json
import re
import sys

errors = []


def fail(msg):
    errors.append(msg)


PCIRE = r"(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\.[a-f0-9])?"
HOSTPCI_KEYS = {"host", "mapping", "rombar", "romfile", "pcie", "x-vga", "legacy-igd", "mdev",
                "vendor-id", "device-id", "sub-vendor-id", "sub-device-id"}
HOSTPCI_BOOL = {"rombar", "pcie", "x-vga", "legacy-igd"}


def property_string(value, default_key):
    """PVE::JSONSchema::parse_property_string: key=value pairs split at ',', one value
    without a key is the default key's."""
    out = {}
    for part in value.split(","):
        k, sep, v = part.partition("=")
        if not sep:
            k, v = default_key, part
        if k in out:
            fail(f"{value}: {k} twice")
        out[k] = v
    return out


def check_proxmox(argv_file, addresses):
    args = open(argv_file).read().split("\n")[:-1]
    if args[:2] != ["create", "100"]:
        fail(f"not 'qm create VMID': {args[:2]}")
    opts = {}
    rest = args[2:]
    for i in range(0, len(rest), 2):
        if not rest[i].startswith("--") or i + 1 >= len(rest):
            fail(f"not --key value: {rest[i:i + 2]}")
            continue
        opts[rest[i][2:]] = rest[i + 1]
    q35 = opts.get("machine") == "q35"
    seen = []
    for key, value in opts.items():
        m = re.fullmatch(r"hostpci(\d+)", key)
        if not m:
            continue
        if int(m.group(1)) >= 16:
            fail(f"{key}: qemu-server reads hostpci0 to hostpci15")
        p = property_string(value, "host")
        for k, v in p.items():
            if k not in HOSTPCI_KEYS:
                fail(f"{key}: unknown key {k}")
            if k in HOSTPCI_BOOL and v not in ("0", "1"):
                fail(f"{key}: {k}={v} is not a boolean")
        if not re.fullmatch(f"{PCIRE}(;{PCIRE})*", p.get("host", "")):
            fail(f"{key}: host={p.get('host')} does not match qemu-server's pattern")
        if p.get("pcie") == "1" and not q35:
            fail(f"{key}: pcie=1 needs the q35 machine")
        if "romfile" in p and not re.fullmatch(r"[^,;]+", p["romfile"]):
            fail(f"{key}: romfile={p['romfile']}")
        seen += p.get("host", "").split(";")
    if sorted(seen) != sorted(addresses):
        fail(f"hostpci passes {sorted(seen)}, the plan {sorted(addresses)}")
    if opts.get("hugepages") not in (None, "any", "2", "1024"):
        fail(f"hugepages={opts['hugepages']}")
    if "hugepages" in opts and opts.get("numa") != "1":
        fail("hugepages without numa=1")
    for k in ("memory", "cores", "sockets", "balloon"):
        if k in opts and not opts[k].isdigit():
            fail(f"{k}={opts[k]} is not a number")
    if opts.get("bios") != "ovmf" or not re.fullmatch(r"[^,]+:1,efitype=4m,pre-enrolled-keys=[01]",
                                                      opts.get("efidisk0", "")):
        fail(f"bios/efidisk0: {opts.get('bios')} {opts.get('efidisk0')}")
    if opts.get("ostype") not in ("win11", "win10", "l26"):
        fail(f"ostype={opts.get('ostype')}")


RESOURCE = r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"


def check_kubevirt(path, ids):
    import yaml
    doc = yaml.safe_load(open(path))
    entries = doc["spec"]["configuration"]["permittedHostDevices"]["pciHostDevices"]
    got = []
    for e in entries:
        if set(e) != {"pciVendorSelector", "resourceName"}:
            fail(f"entry keys {sorted(e)}")
        sel, res = e.get("pciVendorSelector", ""), e.get("resourceName", "")
        if not re.fullmatch(r"[0-9A-F]{4}:[0-9A-F]{4}", sel):
            fail(f"pciVendorSelector {sel!r}")
        if not re.fullmatch(RESOURCE, res) or len(res.split("/")[1]) > 63:
            fail(f"resourceName {res!r} is not a Kubernetes extended resource name")
        got.append(sel.lower())
    if len(set(r["resourceName"] for r in entries)) != len(entries):
        fail("two entries share a resourceName")
    if got != ids:
        fail(f"selectors {got}, the plan's IDs {ids}")


ALIAS_KEYS = {"name", "vendor_id", "product_id", "device_type", "numa_policy"}
SPEC_KEYS = {"vendor_id", "product_id", "address", "devname", "physical_network", "trusted",
             "remote_managed", "resource_class", "traits", "managed"}


def check_nova(path, addresses):
    from oslo_config import cfg
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.MultiStrOpt("device_spec"), cfg.MultiStrOpt("alias")], group="pci")
    conf(args=[], default_config_files=[path])
    specs = [json.loads(v) for v in conf.pci.device_spec]
    aliases = [json.loads(v) for v in conf.pci.alias]
    pairs = set()
    for s in specs:
        if not set(s) <= SPEC_KEYS:
            fail(f"device_spec keys {sorted(s)}")
        if not re.fullmatch(r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", s.get("address", "")):
            fail(f"device_spec address {s.get('address')!r}")
        pairs.add((s.get("vendor_id"), s.get("product_id")))
    if sorted(s["address"] for s in specs) != sorted(addresses):
        fail(f"device_spec addresses {[s['address'] for s in specs]}, the plan {addresses}")
    names = set()
    for a in aliases:
        if not set(a) <= ALIAS_KEYS or "name" not in a:
            fail(f"alias keys {sorted(a)}")
        if not 1 <= len(a.get("name", "")) <= 256 or a["name"] in names:
            fail(f"alias name {a.get('name')!r}")
        names.add(a.get("name"))
        for k in ("vendor_id", "product_id"):
            if not re.fullmatch(r"[A-Fa-f0-9]{1,4}", a.get(k, "")):
                fail(f"alias {k} {a.get(k)!r}")
        if a.get("device_type") not in ("type-PCI", "type-PF", "type-VF"):
            fail(f"alias device_type {a.get('device_type')!r}")
        if (a.get("vendor_id"), a.get("product_id")) not in pairs:
            fail(f"alias {a.get('name')} matches no device_spec")


def main():
    kind, path, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    {"proxmox": check_proxmox, "kubevirt": check_kubevirt, "nova": check_nova}[kind](path, rest)
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


main()
