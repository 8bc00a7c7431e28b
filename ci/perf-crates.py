#!/usr/bin/env python3
"""Where a running testnet's CPU goes, by program and by crate (for docs/NOTES.md figures).

Usage: python3 ci/perf-crates.py SECONDS [PROGRAM ...]

Samples every CPU for SECONDS with `perf record -a` (the cpu-clock software event, 299 Hz:
hardware counters are not offered on these machines) while a load run drives the testnet, then
prints each program's share of all samples (a process counts as the program whose binary its
samples hit most: cr-node, cr-compute, testnet by default) and, per program, its top crates by
the function each sample landed in (kernel and libc time in that program's processes shown as
such). Only the leaf function is known (the binaries have no frame pointers).

The shipped cr-compute and testnet are stripped: their samples show as [unknown] unless they
were built with CARGO_PROFILE_RELEASE_STRIP=false (build into a copy of the light target
directory so the main one stays as it was, and copy the binary over before the images are
built; the image is keyed by its content).
"""
import collections
import re
import subprocess
import sys
import tempfile


def record(seconds, path):
    subprocess.run(
        ["perf", "record", "-a", "-q", "-F", "299", "-e", "cpu-clock", "-o", path, "--", "sleep", str(seconds)],
        check=True,
    )
    out = subprocess.run(
        ["perf", "script", "-i", path, "-F", "pid,tid,comm,ip,sym,dso"],
        check=True, capture_output=True, text=True,
    ).stdout
    samples = []
    for line in out.splitlines():
        m = re.match(r"^\s*\S+\s+(\d+)/\d+\s+\S+\s+(.*?)\s+\((.*)\)$", line)
        if m:
            samples.append((m.group(1), m.group(2), m.group(3)))
    return samples


def crate(sym, dso):
    if "kernel" in dso:
        return "[kernel]"
    if "libc" in dso:
        return "[libc]"
    if "JIT" in dso or "memfd" in dso or sym == "[unknown]":
        return "[unknown or JIT]"
    return re.sub(r"^[<&]+", "", sym).split("::")[0]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    seconds = int(sys.argv[1])
    programs = sys.argv[2:] or ["cr-node", "cr-compute", "testnet"]
    with tempfile.NamedTemporaryFile(suffix=".data") as data:
        samples = record(seconds, data.name)
    if not samples:
        sys.exit("perf recorded no samples")
    hits = collections.defaultdict(collections.Counter)
    for pid, _, dso in samples:
        name = dso.rsplit("/", 1)[-1]
        if name in programs:
            hits[pid][name] += 1
    owner = {pid: c.most_common(1)[0][0] for pid, c in hits.items()}
    total = len(samples)
    print(f"{total} samples over {seconds} s ({total / seconds / 299:.2f} CPUs busy at 299 Hz)")
    for program in programs:
        mine = [(sym, dso) for pid, sym, dso in samples if owner.get(pid) == program]
        if not mine:
            print(f"\n{program}: no samples")
            continue
        pids = sum(1 for p in owner.values() if p == program)
        print(f"\n{program}: {100 * len(mine) / total:.1f}% of all samples, {pids} processes")
        for name, n in collections.Counter(crate(s, d) for s, d in mine).most_common(12):
            print(f"  {100 * n / len(mine):5.1f}%  {name}")


if __name__ == "__main__":
    main()
