#!/usr/bin/python3
"""Load and soak (make soak; minutes, not in CI): a Release `serve` with the usage-plan and WAF
limits raised, 2,000 restaurants imported, then rounds of wrk (1 thread, 16 keep-alive
connections, --latency) alternating DynamoDB GetItem and the gateway query flow
(GET /dev/restaurants?city=…), with the server's RSS sampled every second. Reports per round:
requests/s, p99, errors (socket errors and non-2xx answers); at the end, RSS at the start of the
load, its peak and its end, and the growth from the first round's end to the last's (a leak
shows as steady growth). Exits 1 on any error or on growth past 20 MB.

Usage: soak.py path/to/bellyfed-emu [seconds per round (30)] [rounds (6)]"""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
from common import restaurants, rss_mb, unthrottled_system  # noqa: E402

emu = os.path.abspath(sys.argv[1])
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 6
KEY = "bellyfed-dev-local-key-0001"

work = tempfile.mkdtemp(prefix="soak-")
system = unthrottled_system(work)
records = restaurants(work, 2000)


def wrk(base, script_text, path):
    script = os.path.join(work, "load.lua")
    with open(script, "w") as f:
        f.write(script_text)
    r = subprocess.run(["wrk", "-t1", "-c16", "-d%ds" % seconds, "--latency", "-s", script, base + path],
                       capture_output=True, text=True, check=True)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", r.stdout).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", r.stdout)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", r.stdout)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return rps, p99_ms, errors


proc = subprocess.Popen([emu, "serve", "--port", "0", "--log-level", "off", "--system", system],
                        stdout=subprocess.PIPE, text=True)
samples, done = [], threading.Event()
try:
    base = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    subprocess.run([emu, "import", records, "--endpoint", base], check=True, stdout=subprocess.DEVNULL)
    for _ in range(6000):
        try:
            urllib.request.urlopen(urllib.request.Request(base + "/dev/restaurants/r-02000", headers={"X-Api-Key": KEY}))
            break
        except urllib.error.HTTPError:
            time.sleep(0.01)

    def sample():
        while not done.wait(1):
            samples.append(rss_mb(proc.pid))
    threading.Thread(target=sample, daemon=True).start()
    start = rss_mb(proc.pid)
    get_item = ('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/x-amz-json-1.0"\n'
                'wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"\n'
                'wrk.body = %s\n' % json.dumps(json.dumps({"TableName": "FoodEstablishment-dev",
                                                           "Key": {"PK": {"S": "EST#r-00007"}, "SK": {"S": "META#r-00007"}}})))
    gateway = 'wrk.headers["X-Api-Key"] = "%s"\n' % KEY
    ends, failed = [], False
    for i in range(rounds):
        for name, script, path in [("GetItem", get_item, "/"), ("gateway query", gateway, "/dev/restaurants?city=Seattle")]:
            rps, p99, errors = wrk(base, script, path)
            print("soak round %d %-13s %9.0f requests/s  p99 %7.2f ms  errors %d  RSS %.1f MB"
                  % (i + 1, name, rps, p99, errors, rss_mb(proc.pid)), flush=True)
            failed |= errors > 0
        ends.append(rss_mb(proc.pid))
    done.set()
    growth = ends[-1] - ends[0]
    print("soak_rss_start: %.1f MB\nsoak_rss_peak: %.1f MB\nsoak_rss_end: %.1f MB\nsoak_rss_growth_after_round_1: %.1f MB"
          % (start, max(samples or [0]), ends[-1], growth))
    if failed or growth > 20:
        print("soak: FAILED (errors or RSS growth past 20 MB)")
        sys.exit(1)
    print("soak: ok")
finally:
    done.set()
    proc.terminate()
    proc.wait()
