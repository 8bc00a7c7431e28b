#!/usr/bin/env python3
"""Where a load run's jobs spent their time, per minute, from the logs ci/load-logs.sh kept.

Usage: python3 ci/load-laps.py LOG_DIR

Daemons: p50/p90 milliseconds of each timed step of an accept (`A:`) and of an answer (`R:`),
from the "accepted" and "result submitted" lines (cr-compute/src/daemon/laps.rs), and the
output upload (`R:upload_ms`). Store: p50/p90 of its own request time by method.
"""
import collections
import glob
import json
import os
import sys


def lines(path):
    for line in open(path, errors="replace"):
        start = line.find("{")
        if start < 0:
            continue
        try:
            yield json.loads(line[start:])
        except ValueError:
            continue


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def show(title, buckets):
    print(title)
    for minute in sorted(buckets):
        row = buckets[minute]
        cells = "  ".join(f"{k}={pct(v, .5)}/{pct(v, .9)}" for k, v in sorted(row.items()))
        print(f"  {minute} {cells}")


def main(log_dir):
    daemons = collections.defaultdict(lambda: collections.defaultdict(list))
    store = collections.defaultdict(lambda: collections.defaultdict(list))
    for path in glob.glob(os.path.join(log_dir, "*.log")):
        for d in lines(path):
            minute = d.get("timestamp", "")[11:16]
            message = d.get("message")
            if message in ("accepted", "result submitted") and "laps" in d:
                side = "A" if message == "accepted" else "R"
                for pair in d["laps"].split():
                    step, ms = pair.split("=")
                    daemons[minute][f"{side}:{step}"].append(int(ms))
                if "upload_ms" in d:
                    daemons[minute]["R:upload_ms"].append(int(d["upload_ms"]))
            elif message == "request" and "elapsed_ms" in d:
                store[minute][d["method"]].append(d["elapsed_ms"])
    show("daemons, ms p50/p90 per minute", daemons)
    show("store requests, ms p50/p90 per minute", store)


if __name__ == "__main__":
    main(sys.argv[1])
