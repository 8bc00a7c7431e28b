#!/usr/bin/env python3
"""Who uses the CPU right after each block: samples the cgroup v1 CPU counters of every
container of TESTNET every 50 ms for SECONDS (default 30) while a load run works, and prints,
per role (validator-N, fleet, verifier, store), its mean share of a core over all samples and
over the samples where the containers together used more than 1.5 cores ("bursts"), plus how
much of the time was burst. `docker stats` averages over a second or two and hides these.

Usage: python3 ci/cpu-bursts.py TESTNET [SECONDS]   (start it beside `testnet load`)
"""
import collections
import subprocess
import sys
import time

ROOT = "/sys/fs/cgroup/cpuacct/docker"


def containers(testnet):
    out = subprocess.run(["docker", "ps", "--no-trunc", "--filter", f"label=io.cr-testnet.testnet={testnet}",
                          "--format", "{{.ID}} {{.Names}}"], capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def role(name):
    tail = name.rsplit("_", 1)[-1]
    if tail.startswith("validator"):
        return tail
    if tail.startswith("worker"):
        return "fleet"
    return "verifier" if tail.startswith("verifier") else tail


def usage(cid):
    with open(f"{ROOT}/{cid}/cpuacct.usage") as f:
        return int(f.read())


def main():
    testnet, seconds = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    found = containers(testnet)
    if not found:
        sys.exit(f"no running container of testnet {testnet}")
    prev, last = {cid: usage(cid) for cid, _ in found}, time.monotonic()
    samples = []
    until = last + seconds
    while time.monotonic() < until:
        time.sleep(0.05)
        now = time.monotonic()
        per_role = collections.Counter()
        for cid, name in found:
            try:
                cur = usage(cid)
            except OSError:
                continue
            per_role[role(name)] += (cur - prev[cid]) / 1e9 / (now - last)
            prev[cid] = cur
        last = now
        samples.append(per_role)
    bursts = [s for s in samples if sum(s.values()) > 1.5]
    roles = sorted({r for s in samples for r in s})
    print(f"{len(samples)} samples of 50 ms; containers together over 1.5 cores in {len(bursts)} "
          f"({100 * len(bursts) / max(1, len(samples)):.0f}% of the time)")
    print(f"{'role':<14}{'mean cores':>12}{'in bursts':>12}")
    for r in roles + ["all"]:
        pick = (lambda s: sum(s.values())) if r == "all" else (lambda s: s.get(r, 0.0))
        mean = sum(pick(s) for s in samples) / max(1, len(samples))
        burst = sum(pick(s) for s in bursts) / max(1, len(bursts))
        print(f"{r:<14}{mean:>12.2f}{burst:>12.2f}")


if __name__ == "__main__":
    main()
