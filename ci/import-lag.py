#!/usr/bin/env python3
"""How long after its slot began each validator imported a block another validator authored,
from logs kept by ci/load-logs.sh (each line prefixed by `docker logs --timestamps`): p50, p90,
p99 and max seconds. The slot start is the author's "Prepared block" time rounded down to the
block time.

Usage: python3 ci/import-lag.py DIR [BLOCK_TIME_S]   (DIR holds *validator-N.log)
"""
import collections
import datetime
import glob
import re
import sys


def when(line):
    return datetime.datetime.fromisoformat(line[:26]).timestamp()


def main(folder, block_s):
    imported, authored = collections.defaultdict(dict), {}
    for path in sorted(glob.glob(f"{folder}/*validator-*.log")):
        me = path.rsplit("validator-", 1)[1].split(".")[0]
        for line in open(path, errors="replace"):
            if m := re.search(r"Imported #(\d+)", line):
                imported[int(m.group(1))][me] = when(line)
            elif m := re.search(r"Prepared block for proposing at (\d+)", line):
                authored[int(m.group(1))] = (me, when(line))
    lags = sorted(t - (at - at % block_s) for n, (author, at) in authored.items()
                  for who, t in imported[n].items() if who != author)
    if not lags:
        sys.exit("no block imported by a validator other than its author")
    q = lambda p: lags[int((len(lags) - 1) * p)]
    print(f"{len(lags)} imports: p50 {q(.5):.2f} s, p90 {q(.9):.2f} s, p99 {q(.99):.2f} s, max {lags[-1]:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 2.0)
