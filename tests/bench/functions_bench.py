"""User code round trips through `serve`'s Lambda API, beside the built-in `echo` in the same run:
warm invocation of a Node.js and a Python echo handler (p50, p99, and the emulator's share: the
round trip minus the handler's own Duration from its REPORT line), and cold starts (the first
invocation of fresh functions, with Lambda's Init Duration). One client, one connection.
Usage: functions_bench.py path/to/bellyfed-emu [invocations]"""
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wire import start_serve, stop_serve  # noqa: E402

EMU = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
COLD = 10
HERE = os.path.dirname(os.path.abspath(__file__))


def system(work):
    shutil.copytree(os.path.join(HERE, "functions"), os.path.join(work, "code"))
    lines = ["version: 1", "stages: [dev]", "functions:",
             "  - {name: NodeEcho, runtime: nodejs, handler: echo.handler, code: code}",
             "  - {name: PyEcho, runtime: python, handler: echo.handler, code: code}"]
    lines += ["  - {name: Cold%d, runtime: nodejs, handler: echo.handler, code: code}" % i for i in range(COLD)]
    path = os.path.join(work, "system.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def invoke(conn, name, payload):
    start = time.perf_counter()
    conn.request("POST", "/2015-03-31/functions/%s/invocations" % name, body=payload,
                 headers={"Content-Type": "application/json"})
    res = conn.getresponse()
    body = res.read()
    elapsed = (time.perf_counter() - start) * 1000
    assert res.status == 200 and res.getheader("X-Amz-Function-Error") is None, (name, res.status, body[:200])
    assert json.loads(body) == json.loads(payload), body[:200]
    return elapsed


def durations(base, fn, what):
    with urllib.request.urlopen(base + "/_emu/logs?function=" + fn) as r:
        lines = [e["message"] for e in json.load(r)["events"]]
    return [float(m.group(1)) for m in (re.search(what + r": ([0-9.]+) ms", l) for l in lines if l.startswith("REPORT"))
            if m]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    work = tempfile.mkdtemp(prefix="emu_functions_bench_")
    proc, base = start_serve(EMU, "--system", system(work), "--log-level", "error")
    try:
        conn = http.client.HTTPConnection(base[len("http://"):].split(":")[0], int(base.rsplit(":", 1)[1]))
        payload = json.dumps({"n": 1, "text": "x" * 100})
        results = {}
        for name in ("echo", "NodeEcho-dev", "PyEcho-dev"):
            for _ in range(50):  # warm up: the cold start and the JIT are not part of the figure
                invoke(conn, name, payload)
            rtts = [invoke(conn, name, payload) for _ in range(N)]
            results[name] = rtts
        colds, inits = [], []
        for i in range(COLD):
            colds.append(invoke(conn, "Cold%d-dev" % i, payload))
            inits += durations(base, "Cold%d-dev" % i, "Init Duration")
        node_own = durations(base, "NodeEcho-dev", "Duration")[-N:]
        py_own = durations(base, "PyEcho-dev", "Duration")[-N:]
    finally:
        stop_serve(proc)
        shutil.rmtree(work, ignore_errors=True)

    builtin = results["echo"]
    print("functions_bench: %d warm invocations each through the Lambda API (Invoke, one connection)" % N)
    for name, label, own in (("echo", "built-in echo", None), ("NodeEcho-dev", "node echo", node_own),
                             ("PyEcho-dev", "python echo", py_own)):
        r = results[name]
        line = "  %-14s p50 %6.3f ms  p99 %6.3f ms" % (label, pct(r, 50), pct(r, 99))
        if own:
            overhead = statistics.median(r) - statistics.median(own)
            line += "  handler's own p50 %6.3f ms  emulator overhead p50 %6.3f ms  (%.1fx the built-in's round trip)" % (
                statistics.median(own), overhead, statistics.median(r) / statistics.median(builtin))
        print(line)
    print("  cold start (node, %d fresh functions): first invocation p50 %.1f ms, max %.1f ms; Init Duration p50 %.1f ms"
          % (COLD, statistics.median(colds), max(colds), statistics.median(inits)))


main()
