#!/usr/bin/env python3
"""Per step of a `--find-ceiling` run: the share of jobs whose result was in the block right
after their accept's (accepted->result under 1.5 block times) and included->accepted p50/p90.

Usage: python3 ci/load-next-block.py /tmp/knee/RUN/load.json
"""
import json
import sys


def main(path):
    report = json.load(open(path))
    block_s = report["block_time_ms"] / 1000
    records, start = report["records"], 0
    for number, step in enumerate(report["steps"], 1):
        rows = records[start:start + step["jobs"]]
        start += step["jobs"]
        answered = [r["result"] - r["accepted"] for r in rows if r["result"] and r["accepted"]]
        waits = sorted(r["accepted"] - r["included"] for r in rows if r["accepted"] and r["included"])
        share = 100 * sum(1 for a in answered if a < 1.5 * block_s) / max(1, len(answered))
        p50, p90 = (waits[int((len(waits) - 1) * q)] if waits else float("nan") for q in (0.5, 0.9))
        print(f"step {number} offered {step['offered']:.2f}: results in the next block {share:.0f}%, "
              f"included->accepted p50 {p50:.2f} s p90 {p90:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1])
