#!/usr/bin/env python3
"""The rules the source tree keeps (issue 23), checked on src/:

  layers     every #include goes to the same layer or one below it, along the pipeline
             util -> core -> probe -> target -> config/state -> check/plan -> gen
             -> apply/verify/live/profile -> handoff -> cli (the helper: libc and config)
  length     no function body in src/ is longer than 100 lines

Prints one "ok"/"not ok" line per rule with what breaks it; exits 1 when one is broken.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(TOP, "src")
MAX_LINES = 100

# the folder (under src/core, or src/cli, src/helper) and its layer; "" is src/core itself
LAYERS = {
    "util": 0, "": 1, "probe": 2, "target": 3, "config": 4, "state": 4,
    "check": 5, "plan": 5, "gen": 6, "apply": 7, "verify": 7, "live": 7,
    "profile": 7, "handoff": 8, "cli": 9, "helper": 9,
}


def unit(path):
    """The layer folder of a file under src/."""
    rel = os.path.relpath(path, SRC).split(os.sep)
    if rel[0] != "core":
        return rel[0]
    return rel[1] if len(rel) > 2 else ""


def resolve(including, name):
    """The file an #include "name" of including means: beside it, else under src/core or src/cli."""
    for base in (os.path.dirname(including), os.path.join(SRC, "core"), os.path.join(SRC, "cli")):
        p = os.path.normpath(os.path.join(base, name))
        if os.path.exists(p):
            return p
    return None


def sources():
    for d, _, files in os.walk(SRC):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def layer_breaks():
    breaks = []
    for f in sources():
        for n, line in enumerate(open(f, encoding="utf-8"), 1):
            m = re.match(r'#include "([^"]+)"', line)
            if not m:
                continue
            target = resolve(f, m.group(1))
            if target is None:
                breaks.append(f"{os.path.relpath(f, TOP)}:{n}: {m.group(1)}: not found")
                continue
            a, b = unit(f), unit(target)
            if LAYERS[b] > LAYERS[a]:
                breaks.append(f"{os.path.relpath(f, TOP)}:{n}: {a or 'core'} includes "
                              f"{m.group(1)} ({b or 'core'}), a layer above it")
    return breaks


def long_functions():
    found = []
    for f in sources():
        if not f.endswith(".c"):
            continue
        lines = open(f, encoding="utf-8").read().split("\n")
        start = None
        for i, line in enumerate(lines):
            if start is None and line.startswith("{") and i > 0:
                start = i
            elif start is not None and line.startswith("}"):
                if i - start - 1 > MAX_LINES:
                    j = start - 1
                    while j > 0 and "(" not in lines[j]:
                        j -= 1
                    name = lines[j].split("(")[0].split()[-1].lstrip("*")
                    found.append(f"{os.path.relpath(f, TOP)}:{start}: {name}: {i - start - 1} lines")
                start = None
    return found


def main():
    failed = False
    for rule, breaks in (("includes go down the layers", layer_breaks()),
                         (f"no function is longer than {MAX_LINES} lines", long_functions())):
        if breaks:
            failed = True
            print(f"not ok - {rule}")
            for b in breaks:
                print(f"    {b}")
        else:
            print(f"ok - {rule}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
