#!/usr/bin/python3
"""What recording and --target cost, each beside its reference in the same run:

- the gateway query flow (GET /dev/restaurants?city=Seattle, 20 items, valid key, limits raised)
  under wrk (1 thread, 4 connections) on `serve` and on `serve --record` — every answer written
  to the scenario file with its expectation; medians of 3 alternating runs and their ratio;
- the shipped scenarios run in process and with `run --target` against a fresh `serve`; medians
  of 5 and their ratio.

Prints `name: value unit` lines. Usage: record_bench.py path/to/bellyfed-emu"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SRC, api_key_script, seattle_fixture, unthrottled_system  # noqa: E402

emu = os.path.abspath(sys.argv[1])
KEY = "bellyfed-dev-local-key-0001"
SECONDS = 5
work = tempfile.mkdtemp(prefix="record-bench-")


def serve(*args):
    proc = subprocess.Popen([emu, "serve", "--port", "0", "--log-level", "off", *args], stdout=subprocess.PIPE,
                            text=True)
    return proc, re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)


def stop(proc):
    proc.terminate()
    proc.wait(timeout=30)


try:
    system = unthrottled_system(work)
    fixture = seattle_fixture(work)
    script = api_key_script(work, KEY)

    def wrk(record):
        args = ["--system", system, "--fixtures", fixture]
        if record:
            args += ["--record", os.path.join(work, "session.yaml")]
        proc, base = serve(*args)
        try:
            out = subprocess.run(["wrk", "-t1", "-c4", "-d%ds" % SECONDS, "-s", script,
                                  base + "/dev/restaurants?city=Seattle"], capture_output=True, text=True,
                                 check=True).stdout
            return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        finally:
            stop(proc)

    plain, recorded = [], []
    for _ in range(3):
        plain.append(wrk(False))
        recorded.append(wrk(True))
    p, r = statistics.median(plain), statistics.median(recorded)
    print("gateway_query_serve: %.0f requests/s" % p)
    print("gateway_query_serve_record: %.0f requests/s" % r)
    print("gateway_query_record_ratio: %.2f x" % (r / p))

    def timed(cmd, runs=5):
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=SRC)
            out.append(time.perf_counter() - t0)
        return statistics.median(out) * 1000

    local = timed([emu, "run", "--quiet", "scenarios"])
    proc, base = serve()
    try:
        remote = timed([emu, "run", "--quiet", "--target", base, "scenarios"])
    finally:
        stop(proc)
    print("shipped_scenarios_in_process: %.0f ms" % local)
    print("shipped_scenarios_target: %.0f ms" % remote)
    print("shipped_scenarios_target_ratio: %.1f x" % (remote / local))
finally:
    shutil.rmtree(work)
