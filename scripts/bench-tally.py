#!/usr/bin/python3
"""The arithmetic of scripts/bench.sh: one row per pass, then the targets.

    bench-tally.py header
    bench-tally.py row RESULTS --n N --delays S/A --pass NAME --in-flight K
        --time FILE --gcs-log FILE --kube-log FILE --tput-store R --tput-api R
    bench-tally.py targets RESULTS [--judge 0|1] [--judge-wall 0|1]

A row: requests per namespace to each server (from the stand-ins' logs),
mcle's CPU (user + system) per namespace and peak RSS (GNU time), wall
time, and the limit of the run:

    listing = sum over list pages of (round trip + the page's service time)
    work    = max(requests / throughput of their server, for each server;
                  sum of requests x round trip / requests in flight)
    limit   = listing + work

List pages come one after another (each needs the previous page's token),
so they are outside the work that runs in parallel; a page's service time
is the stand-in's own, from its log.  The throughputs are the stand-ins'
maxima measured by bench.sh with curl before the passes.  Each row is
appended to RESULTS as JSON for `targets`.
"""

import argparse
import json
import sys

def is_page(e):
    """A list request: a bucket's objects, the namespaces, the Leases."""
    path = e["path"]
    if e["method"] != "GET":
        return False
    if path.startswith("/storage/v1/b/"):
        return path.endswith("/o")
    if path == "/api/v1/namespaces":
        return True
    return path.startswith("/apis/") and "/namespaces/" not in path


def tally(entries):
    """requests, list pages, writes, page service seconds of one server."""
    out = {"requests": 0, "pages": 0, "writes": 0, "page_s": 0.0}
    for e in entries:
        if e["path"].startswith(("/token", "/computeMetadata/")):
            continue
        out["requests"] += 1
        if e["method"] != "GET":
            out["writes"] += 1
        if is_page(e):
            out["pages"] += 1
            out["page_s"] += (e.get("ms") or 0) / 1000.0
    return out


def load_log(path):
    if not path:
        return []
    with open(path) as f:
        return json.load(f)


def limit_of(a, rtt, in_flight, tput):
    """The limit of a pass: see the module's doc."""
    listing = sum(a[s]["pages"] * rtt[s] + a[s]["page_s"] for s in a)
    parallel = {s: a[s]["requests"] - a[s]["pages"] for s in a}
    by_server = max((parallel[s] / tput[s] if tput[s] > 0 else 0.0)
                    for s in a)
    by_network = sum(parallel[s] * rtt[s] for s in a) / in_flight
    return listing + max(by_server, by_network)


def header():
    print("%7s %-9s %-14s %9s %9s %8s %8s %6s %8s %8s"
          % ("N", "delay ms", "pass", "store/ns", "api/ns", "wall s",
             "limit s", "x", "us CPU", "RSS MiB"))


def row(args):
    n = args.n
    with open(args.time) as f:
        wall, user, system, rss_kb = f.read().split()[:4]
    a = {"store": tally(load_log(args.gcs_log)),
         "api": tally(load_log(args.kube_log))}
    store_ms, api_ms = (float(x) for x in args.delays.split("/"))
    rtt = {"store": 2 * store_ms / 1000.0, "api": 2 * api_ms / 1000.0}
    tput = {"store": args.tput_store, "api": args.tput_api}
    limit = limit_of(a, rtt, args.in_flight, tput)
    r = {"n": n, "delays": args.delays, "pass": args.pass_name,
         "wall": float(wall), "limit": limit,
         "cpu_us": (float(user) + float(system)) / n * 1e6,
         "rss_mib": int(rss_kb) / 1024.0, "store": a["store"], "api": a["api"]}
    print("%7d %-9s %-14s %9.3f %9.3f %8.2f %8.2f %6.2f %8.1f %8.1f"
          % (n, args.delays, args.pass_name, a["store"]["requests"] / n,
             a["api"]["requests"] / n, r["wall"], limit,
             r["wall"] / limit if limit > 0 else 0.0, r["cpu_us"],
             r["rss_mib"]))
    with open(args.results, "a") as f:
        f.write(json.dumps(r) + "\n")


def verdict(ok, what, figure, judge):
    state = "met" if ok else "NOT MET"
    if not judge:
        state = "not judged"    # sanitizers, or wall time on a shared machine
    print("  %-9s %s (%s)" % (state, what, figure))
    return ok


def targets(args):
    rows = [json.loads(line) for line in open(args.results)]
    judge = args.judge == 1

    def pick(n, pass_name, delays=None):
        return [r for r in rows if r["n"] == n and r["pass"] == pass_name
                and (delays is None or r["delays"] == delays)]

    print("targets:")
    steady = pick(10000, "holder-steady")
    if steady:
        worst = max(r["cpu_us"] for r in steady)
        verdict(worst <= 40, "steady holder at 10,000: mcle CPU <= 40 us per namespace",
                "%.1f us" % worst, judge)
        worst = max(r["rss_mib"] for r in steady)
        verdict(worst <= 16, "steady holder at 10,000: peak RSS <= 16 MiB",
                "%.1f MiB" % worst, judge)
    else:
        print("  not run   steady holder at 10,000 (CPU, RSS)")
    steady = pick(100000, "holder-steady")
    if steady:
        worst = max(r["rss_mib"] for r in steady)
        verdict(worst <= 64, "steady holder at 100,000: peak RSS <= 64 MiB",
                "%.1f MiB" % worst, judge)
    else:
        print("  not run   steady holder at 100,000 (RSS)")
    for n in (2000, 10000):
        delayed = [r for r in rows if r["n"] == n and r["delays"] == "10/2.5"]
        if not delayed:
            print("  not run   %d namespaces at 10 / 2.5 ms" % n)
            continue
        worst = max(delayed, key=lambda r: r["wall"] / r["limit"])
        verdict(worst["wall"] <= 1.3 * worst["limit"],
                "%d namespaces at 10 / 2.5 ms: every pass within 1.3 x its limit" % n,
                "worst %s: %.2f s of %.2f s, %.2f x" % (
                    worst["pass"], worst["wall"], worst["limit"],
                    worst["wall"] / worst["limit"]), judge and args.judge_wall == 1)
    standby = [r for r in rows if r["pass"] == "standby-steady"]
    if standby:
        bad = [r for r in standby
               if r["store"]["requests"] != r["store"]["pages"]
               or r["api"]["requests"] != r["api"]["pages"]]
        verdict(not bad, "a standby's steady pass sends list pages only",
                "%d passes, %d with other requests" % (len(standby), len(bad)),
                True)
    holder = [r for r in rows if r["pass"] == "holder-steady"]
    if holder:
        bad = [r for r in holder
               if r["store"]["writes"] != r["n"]
               or r["store"]["requests"] != r["n"] + r["store"]["pages"]
               or r["api"]["writes"] > r["n"]
               or r["api"]["requests"] != r["api"]["writes"] + r["api"]["pages"]]
        verdict(not bad, "a holder's steady pass: 1 store write and at most "
                "1 status write per namespace, list pages otherwise",
                "%d passes, %d with other requests" % (len(holder), len(bad)),
                True)


def main(argv):
    p = argparse.ArgumentParser(description="bench.sh's arithmetic")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("header")
    r = sub.add_parser("row")
    r.add_argument("results")
    r.add_argument("--n", type=int, required=True)
    r.add_argument("--delays", required=True)
    r.add_argument("--pass", dest="pass_name", required=True)
    r.add_argument("--in-flight", type=int, required=True)
    r.add_argument("--time", required=True)
    r.add_argument("--gcs-log")
    r.add_argument("--kube-log")
    r.add_argument("--tput-store", type=float, default=0.0)
    r.add_argument("--tput-api", type=float, default=0.0)
    t = sub.add_parser("targets")
    t.add_argument("results")
    t.add_argument("--judge", type=int, default=1)
    t.add_argument("--judge-wall", type=int, default=0)
    args = p.parse_args(argv)
    if args.cmd == "header":
        header()
    elif args.cmd == "row":
        row(args)
    else:
        targets(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
