#!/usr/bin/python3
"""What causal tracing costs the flows: the gateway query flow (GET /dev/restaurants?city=Seattle,
20 items, valid key, limits raised; wrk 1 thread, 4 connections, 5 s) on `serve`, and the import
flow (`bellyfed-emu import FILE --in-process`, generated restaurants with menus and reviews),
on this build and, when given, on a reference build (another commit's binary) in the same run,
alternating; medians of 3 and their ratio.

Prints `name: value unit` lines. Usage: trace_cost_bench.py path/to/bellyfed-emu [REFERENCE_EMU]"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SRC, api_key_script, restaurants, seattle_fixture, unthrottled_system  # noqa: E402

emus = {"this": os.path.abspath(sys.argv[1])}
if len(sys.argv) > 2:
    emus["reference"] = os.path.abspath(sys.argv[2])
KEY = "bellyfed-dev-local-key-0001"
IMPORTS = 20_000
work = tempfile.mkdtemp(prefix="trace-cost-bench-")

# A definition both builds read: without the diagram names (they do not touch the hot path).
system = unthrottled_system(work)
with open(system) as f:
    text = "".join(line for line in f if not line.startswith("diagram:") and not line.startswith("    title:"))
with open(system, "w") as f:
    f.write(text)
fixture = seattle_fixture(work)
script = api_key_script(work, KEY)
records = restaurants(work, IMPORTS)


def gateway(emu):
    proc = subprocess.Popen([emu, "serve", "--port", "0", "--log-level", "off", "--system", system, "--fixtures",
                             fixture], stdout=subprocess.PIPE, text=True)
    base = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    try:
        out = subprocess.run(["wrk", "-t1", "-c4", "-d5s", "-s", script, base + "/dev/restaurants?city=Seattle"],
                             capture_output=True, text=True, check=True).stdout
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def imported(emu):
    t0 = time.perf_counter()
    subprocess.run([emu, "import", records, "--in-process", "--system", system], check=True,
                   stdout=subprocess.DEVNULL, cwd=SRC)
    return time.perf_counter() - t0


results = {name: {"gateway": [], "import": []} for name in emus}
for _ in range(3):
    for name, emu in emus.items():
        results[name]["gateway"].append(gateway(emu))
        results[name]["import"].append(imported(emu))
for name in emus:
    print("trace_cost_gateway_query_%s: %.0f requests/s" % (name, statistics.median(results[name]["gateway"])))
    print("trace_cost_import_%d_%s: %.2f s" % (IMPORTS, name, statistics.median(results[name]["import"])))
if "reference" in emus:
    g = statistics.median(results["this"]["gateway"]) / statistics.median(results["reference"]["gateway"])
    i = statistics.median(results["reference"]["import"]) / statistics.median(results["this"]["import"])
    print("trace_cost_gateway_query_ratio: %.2f x (this / reference throughput)" % g)
    print("trace_cost_import_ratio: %.2f x (this / reference speed)" % i)
