#!/usr/bin/env python3
"""Block counts from a `testnet load` report (load.json), for the figures in docs/NOTES.md.

Usage: python3 ci/load-blocks.py REPORTS_DIR [...]

Per step: the share of jobs accepted N blocks after the block that included them (a record's
`included` and `accepted` seconds mapped to the block the run saw at that second), and the
blocks' normal and mandatory weight (the mandatory part: initialisation with the marketplace's
deadlines) against the block's total limit, which the two share, over the blocks seen while
the step submitted (reports from before that field was recorded print no such line). Then,
over all blocks of the run: refused accepts in a block, by the previous block's share of the
normal-class weight limit.
"""
import bisect
import json
import sys
from collections import Counter


def sent_window(mine):
    """First and last submission of a step's records, in the run's seconds."""
    sent = [r["sent"] for r in mine if r.get("sent") is not None]
    return (min(sent), max(sent)) if sent else (0, 0)


def report(path):
    d = json.load(open(f"{path}/load.json"))
    blocks, records, limit = d["blocks"], d["records"], d["normal_weight_limit"]
    secs = [b["secs"] for b in blocks]

    def block_at(t):
        return blocks[bisect.bisect_right(secs, t + 1e-9) - 1]["number"]

    print(path)
    start = 0
    for step in d["steps"]:
        mine = records[start:start + step["jobs"]]
        start += step["jobs"]
        waits = Counter(block_at(r["accepted"]) - block_at(r["included"])
                        for r in mine if r.get("accepted") is not None and r.get("included") is not None)
        total = sum(waits.values()) or 1
        shares = ", ".join(f"{k}: {v / total:.0%}" for k, v in sorted(waits.items()))
        print(f"  step {step['offered']:.2f}/s: accepted after N blocks {{{shares}}}")
        total_limit = d.get("block_weight_limit")
        first, last = sent_window(mine)
        inside = [b for b in blocks if first <= b["secs"] <= last]
        if total_limit and inside and "mandatory_weight" in inside[0]:
            busiest = max(inside, key=lambda b: b["normal_weight"] + b["mandatory_weight"])
            mean = lambda key: sum(b[key] for b in inside) / len(inside) / total_limit
            print(f"    weight of the total limit: normal {mean('normal_weight'):.0%}, "
                  f"mandatory {mean('mandatory_weight'):.0%} on average; fullest block "
                  f"#{busiest['number']} normal {busiest['normal_weight'] / total_limit:.0%} + "
                  f"mandatory {busiest['mandatory_weight'] / total_limit:.0%}")
    by_weight = {}
    for before, after in zip(blocks, blocks[1:]):
        if before["extrinsics"] == 0:
            continue
        bucket = min(int(before["normal_weight"] / limit * 10), 9)
        n, refused = by_weight.get(bucket, (0, 0))
        by_weight[bucket] = (n + 1, refused + len(after["refused_accepts"]))
    for bucket, (n, refused) in sorted(by_weight.items()):
        print(f"  after blocks {bucket * 10}-{bucket * 10 + 9}% full: {n} blocks, "
              f"{refused / n:.1f} refused accepts in the next")


for path in sys.argv[1:]:
    report(path)
