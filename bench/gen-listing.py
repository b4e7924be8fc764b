#!/usr/bin/env python3
"""Write a synthetic IOMMU listing with N PCI functions for tests/fixtures/build-sysroot.py.

Slots of four functions (GPU, HDMI audio, USB, UCSI, like a Turing card) on buses of 32
slots, one IOMMU group per slot; the first slot is the boot VGA. Usage: gen-listing.py N
"""
import sys

FUNCS = [
    ("VGA compatible controller", "0300", "NVIDIA Corporation TU104 [GeForce RTX 2080 Rev. A]", "10de", "1e87"),
    ("Audio device", "0403", "NVIDIA Corporation TU104 HD Audio Controller", "10de", "10f8"),
    ("USB controller", "0c03", "NVIDIA Corporation TU104 USB 3.1 Host Controller", "10de", "1ad8"),
    ("Serial bus controller", "0c80", "NVIDIA Corporation TU104 USB Type-C UCSI Controller", "10de", "1ad9"),
]


def main():
    n = int(sys.argv[1])
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
