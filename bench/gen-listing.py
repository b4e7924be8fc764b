#!/usr/bin/env python3
"""Write a synthetic IOMMU listing with N PCI functions for tests/fixtures/build-sysroot.py.

Usage: gen-listing.py N [--shape=slots|groups]
  slots (default): slots of four functions (GPU, HDMI audio, USB, UCSI, like a Turing card)
    on buses of 32 slots, one IOMMU group per slot; the first slot is the boot VGA.
  groups: single-function devices, each in an IOMMU group of its own and with a device ID
    and a long name of its own (a wide table, many groups, a large pci.ids).
"""
import sys

FUNCS = [
    ("VGA compatible controller", "0300", "NVIDIA Corporation TU104 [GeForce RTX 2080 Rev. A]", "10de", "1e87"),
    ("Audio device", "0403", "NVIDIA Corporation TU104 HD Audio Controller", "10de", "10f8"),
    ("USB controller", "0c03", "NVIDIA Corporation TU104 USB 3.1 Host Controller", "10de", "1ad8"),
    ("Serial bus controller", "0c80", "NVIDIA Corporation TU104 USB Type-C UCSI Controller", "10de", "1ad9"),
]


def groups(n):
    out = [f"# {n} synthetic single-function devices, a group each", "@cpu intel Synthetic CPU", "@iommu intel"]
    for i in range(n):
        bus, slot = 1 + i // 32, i % 32
        desc = (f"Advanced Micro Devices, Inc. [AMD/ATI] Navi 21 XTX Synthetic Accelerator {i:04d} "
                f"[Radeon Instinct Workstation Edition {i:04d} / Pro {i:04d} XT]")
        out.append(f"IOMMU Group {i} {bus:02x}:{slot:02x}.0 Display controller [0380]: {desc} [1002:{0x7000 + i:04x}] (rev c1)")
        out.append(f"@driver {bus:02x}:{slot:02x}.0 amdgpu")
    print("\n".join(out))


def main():
    n = int(sys.argv[1])
    if sys.argv[2:] == ["--shape=groups"]:
        return groups(n)
    out = [f"# {n} synthetic functions", "@cpu intel Synthetic CPU", "@iommu intel"]
    for i in range(n):
        bus, slot, fn = 1 + i // 128, (i // 4) % 32, i % 4
        cname, cls, desc, ven, dev = FUNCS[fn]
        out.append(f"IOMMU Group {i // 4} {bus:02x}:{slot:02x}.{fn} {cname} [{cls}]: {desc} [{ven}:{dev}] (rev a1)")
        out.append(f"@driver {bus:02x}:{slot:02x}.{fn} {'nvidia snd_hda_intel xhci_hcd nvidia-gpu'.split()[fn]}")
    out.append("@bootvga 01:00.0")
    print("\n".join(out))


if __name__ == "__main__":
    main()
