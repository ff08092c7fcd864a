#!/usr/bin/env python3
"""run-overlap-check.py LOG...: fail if two holders were ever active at once.

Each LOG holds one process's activity, by this host's clock (microseconds):
"START WHO T", "BEAT WHO T" and "END WHO T" lines (tests/run-job.sh
writes them for a command run under `mcle run`; a test writes START and END
for a rival that took the lease with `mcle acquire`, END being the end of
that lease).  A log's interval runs from its first START to its last line.
Exits 1 on any overlap between the intervals of different WHOs, or if fewer
than two intervals were found (then there is nothing to compare); prints a
one-line summary (with how far apart the closest intervals of different
WHOs were: negative for an overlap), and each overlap.
"""
import sys


def interval(path):
    """(start, end, who) of one log, or None if it never started."""
    start = end = who = None
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) != 3 or p[0] not in ("START", "BEAT", "END") or not line.endswith("\n"):
                continue
            t = int(p[2])
            if p[0] == "START" and start is None:
                start, who = t, p[1]
            if start is not None:
                end = t if end is None else max(end, t)
    return None if start is None else (start, end, who)


def main():
    ivs = [iv for iv in map(interval, sys.argv[1:]) if iv is not None]
    bad = [(a, b) for i, a in enumerate(ivs) for b in ivs[i + 1:]
           if a[2] != b[2] and a[0] < b[1] and b[0] < a[1]]
    gaps = [max(b[0] - a[1], a[0] - b[1]) for i, a in enumerate(ivs) for b in ivs[i + 1:]
            if a[2] != b[2]]
    closest = f"; closest {min(gaps) / 1e6:.6f} s apart" if gaps else ""
    print(f"run overlap check: {len(ivs)} intervals, {len(bad)} overlaps{closest}")
    for a, b in bad:
        first, second = sorted((a, b))
        print(f"OVERLAP: {first[2]} [{first[0]}, {first[1]}] still active "
              f"{(first[1] - second[0]) / 1e6:.6f} s after {second[2]} began at {second[0]}")
    return 1 if bad or len(ivs) < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
