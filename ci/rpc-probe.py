#!/usr/bin/env python3
"""Time a plain storage read against a node while a load run works: is a slow read the node's
or the client's? Sends JSON-RPC `state_getStorage` (System.Number) over HTTP every 0.5 s to
the first container of TESTNET whose name ends in validator-0, through its port published on
127.0.0.1, and prints p50/p90 milliseconds per minute when the node goes away.

Usage: python3 ci/rpc-probe.py TESTNET   (start it beside `testnet load`)
"""
import collections
import json
import subprocess
import sys
import time
import urllib.request

SYSTEM_NUMBER = "0x26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac"


def published_rpc(testnet):
    fmt = "{{.Names}} {{.Ports}}"
    out = subprocess.run(["docker", "ps", "--filter", f"label=io.cr-testnet.testnet={testnet}",
                          "--format", fmt], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.split()[0].endswith("validator-0"):
            for part in line.split(","):
                if "->9944" in part and "127.0.0.1:" in part:
                    return part.split("127.0.0.1:")[1].split("->")[0]
    return None


def main(testnet):
    port = None
    for _ in range(600):
        port = published_rpc(testnet)
        if port:
            break
        time.sleep(1)
    if not port:
        sys.exit(f"no validator-0 of {testnet} with a published RPC port")
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "state_getStorage", "params": [SYSTEM_NUMBER]}).encode()
    minutes = collections.defaultdict(list)
    while True:
        started = time.time()
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}", body, {"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=10).read()
        except OSError:
            if not published_rpc(testnet):
                break
            continue
        minutes[time.strftime("%H:%M")].append((time.time() - started) * 1000)
        time.sleep(0.5)
    for minute, ms in sorted(minutes.items()):
        ms.sort()
        print(f"{minute} n={len(ms)} p50={ms[len(ms) // 2]:.1f} p90={ms[int(len(ms) * .9)]:.1f} max={ms[-1]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
