#!/usr/bin/env python3
"""split-brain-check.py LOGDIR: fail if two identities ever led one namespace at once.
   split-brain-check.py --handed-over LOGDIR: 0 once some namespace's lease has
   changed hands (while tests/split-brain-run.sh still writes the logs).

Reads the worker logs of tests/split-brain-run.sh.  Each OK line is an
interval [start, end) in which that identity may act; a STOP line ends that
identity's intervals for the namespace early (it stops acting before it
releases).  Exits 1 on any overlap between different identities, or if no
worker ever won; prints a one-line summary, with the number of handovers
(a namespace's next interval, by start, belongs to another identity): the
check means something only if there were some.
"""
import glob
import os
import sys
from collections import defaultdict


def read_intervals(logdir, live=False):
    """live: the logs are still being written; skip a partial last line."""
    intervals = defaultdict(list)      # ns -> [(start, end, id)]
    codes = defaultdict(int)
    for path in sorted(glob.glob(os.path.join(logdir, "worker-*.log"))):
        mine = defaultdict(list)       # ns -> this worker's intervals so far
        ident = None
        with open(path) as f:
            for line in f:
                p = line.split()
                if not p or (live and not line.endswith("\n")):
                    continue
                if p[0] == "OK":
                    ident, ns, start, end = p[1], p[2], int(p[3]), int(p[4])
                    mine[ns].append([start, end])
                elif p[0] == "STOP":
                    ident, ns, t = p[1], p[2], int(p[3])
                    for iv in mine[ns]:
                        iv[1] = min(iv[1], t)
                elif p[0] == "RC":
                    codes[(p[3], p[4])] += 1
        for ns, ivs in mine.items():
            for s, e in ivs:
                if e > s:
                    intervals[ns].append((s, e, ident))
    return intervals, codes


def overlaps(ivs):
    """(a, b) pairs of intervals of different identities that overlap."""
    found = []
    latest = {}                        # identity -> (end, interval)
    for iv in sorted(ivs):
        s, e, who = iv
        for other, (oend, oiv) in latest.items():
            if other != who and oend > s:
                found.append((oiv, iv))
        if who not in latest or latest[who][0] < e:
            latest[who] = (e, iv)
    return found


def handovers(ivs):
    """How many times the next interval (by start) has another identity."""
    order = [who for _, _, who in sorted(ivs)]
    return sum(1 for a, b in zip(order, order[1:]) if a != b)


def main():
    if sys.argv[1] == "--handed-over":
        intervals, _ = read_intervals(sys.argv[2], live=True)
        changes = sum(handovers(v) for v in intervals.values())
        print(f"{changes} handovers so far")
        return 0 if changes > 0 else 1
    intervals, codes = read_intervals(sys.argv[1])
    bad = []
    for ns, ivs in intervals.items():
        bad.extend((ns, a, b) for a, b in overlaps(ivs))
    wins = sum(len(v) for v in intervals.values())
    holders = {iv[2] for v in intervals.values() for iv in v}
    changes = sum(handovers(v) for v in intervals.values())
    summary = " ".join(f"{op}:{rc}={n}" for (op, rc), n in sorted(codes.items()))
    print(f"split-brain check: {wins} intervals, {len(holders)} identities won, "
          f"{changes} handovers, {len(bad)} overlaps; exits {summary}")
    for ns, a, b in bad[:10]:
        print(f"OVERLAP {ns}: {a[2]} [{a[0]}, {a[1]}) and {b[2]} [{b[0]}, {b[1]})")
    if bad or wins == 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
