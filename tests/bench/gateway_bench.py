#!/usr/bin/python3
"""The API Gateway query flow over HTTP (BENCHMARKS.md, "gateway"): 10,000 restaurants imported
through the import flow into a running `serve`, then wrk (1 thread, 4 keep-alive connections,
--latency) on `GET /dev/restaurants?city=…` with a valid key — each request goes gateway → Event
Processor → bus → Query Handler → DynamoDB (GSI1, 20 items) and back. The usage plan and WAF
limits of the built-in system would (rightly) throttle wrk, so this runs a copy of it with
limits wrk cannot reach. No peer runs here: LocalStack and `sam local` need Docker.

Prints `name: value unit` lines: the median of 3 runs of requests/s and of p99 latency.
Usage: gateway_bench.py path/to/bellyfed-emu [restaurants]"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import restaurants, unthrottled_system  # noqa: E402

emu = os.path.abspath(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
KEY = "bellyfed-dev-local-key-0001"
SECONDS = 5

work = tempfile.mkdtemp(prefix="gateway-bench-")
system = unthrottled_system(work)
records = restaurants(work, n)

proc = subprocess.Popen([emu, "serve", "--port", "0", "--log-level", "off", "--system", system],
                        stdout=subprocess.PIPE, text=True)
try:
    base = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    t0 = time.monotonic()
    subprocess.run([emu, "import", records, "--endpoint", base], check=True, stdout=subprocess.DEVNULL)

    def get(path):
        req = urllib.request.Request(base + path, headers={"X-Api-Key": KEY})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    last = "r-%05d" % n
    for _ in range(6000):  # the event source mapping imports in real time
        try:
            get("/dev/restaurants/" + last)
            break
        except urllib.error.HTTPError:
            time.sleep(0.01)
    loaded = time.monotonic() - t0
    page = get("/dev/restaurants?city=Seattle")
    assert page["count"] == 20 and page["nextToken"], page
    print("gateway_restaurants_loaded: %d restaurants" % n)
    print("gateway_import_seconds: %.1f s" % loaded)

    script = os.path.join(work, "get.lua")
    with open(script, "w") as f:
        f.write('wrk.headers["X-Api-Key"] = "%s"\n' % KEY)
    rps, p99 = [], []
    for _ in range(3):
        r = subprocess.run(["wrk", "-t1", "-c4", "-d%ds" % SECONDS, "--latency", "-s", script,
                            base + "/dev/restaurants?city=Seattle"], capture_output=True, text=True, check=True)
        if "Non-2xx" in r.stdout:
            raise RuntimeError(r.stdout)
        rps.append(float(re.search(r"Requests/sec:\s+([\d.]+)", r.stdout).group(1)))
        m = re.search(r"99%\s+([\d.]+)(us|ms|s)", r.stdout)
        p99.append(float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)])
    print("gateway_get_restaurants_by_city: %.0f req/s (target >= 20000)" % statistics.median(rps))
    print("gateway_get_restaurants_by_city_p99: %.2f ms (target < 5)" % statistics.median(p99))
finally:
    proc.terminate()
    proc.wait(timeout=10)
