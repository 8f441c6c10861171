"""User code round trips through `serve`'s Lambda API, beside the built-in `echo` in the same run:
warm invocation of a Node.js and a Python echo handler (p50, p99, and the emulator's share: the
round trip minus the handler's own Duration from its REPORT line), and cold starts (the first
invocation of fresh functions, with Lambda's Init Duration). Then the API Gateway query flow
(gateway → Event Processor → bus → Query Handler → DynamoDB) with the built-in handlers and with
examples/bellyfed-node's JavaScript ones (npm-installed beside the binary on first use). One
client, one connection. Usage: functions_bench.py path/to/bellyfed-emu [invocations]"""
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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SRC, unthrottled_system  # noqa: E402
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


def query_flow(system, label, n):
    """p50 and p99 of GET /dev/restaurants?city=Seattle after importing three restaurants."""
    proc, base = start_serve(EMU, "--system", system, "--log-level", "error")
    try:
        subprocess.run([EMU, "import", os.path.join(SRC, "fixtures/import/three_restaurants.jsonl"), "--endpoint", base],
                       check=True, stdout=subprocess.DEVNULL)
        host, port = base[len("http://"):].split(":")
        conn = http.client.HTTPConnection(host, int(port))

        def get():
            start = time.perf_counter()
            conn.request("GET", "/dev/restaurants?city=Seattle", headers={"X-Api-Key": "bellyfed-dev-local-key-0001"})
            res = conn.getresponse()
            body = json.loads(res.read())
            return (time.perf_counter() - start) * 1000, res.status, body

        for _ in range(600):  # the import runs in real time
            _, status, body = get()
            if status == 200 and body["count"] == 2:
                break
            time.sleep(0.05)
        assert body["count"] == 2, body
        for _ in range(50):
            get()
        times = []
        for _ in range(n):
            ms, status, body = get()
            assert status == 200 and body["count"] == 2, (status, body)
            times.append(ms)
    finally:
        stop_serve(proc)
    return times


def example_system(work):
    """examples/bellyfed-node beside the binary, its npm packages installed once; then unthrottled."""
    where = os.path.join(os.path.dirname(os.path.abspath(EMU)), "example-bellyfed-node")
    example = os.path.join(SRC, "examples/bellyfed-node")
    os.makedirs(where, exist_ok=True)
    for f in ("package.json", "package-lock.json", "system.yaml"):
        shutil.copy(os.path.join(example, f), where)
    shutil.rmtree(os.path.join(where, "src"), ignore_errors=True)
    shutil.copytree(os.path.join(example, "src"), os.path.join(where, "src"))
    if not os.path.isdir(os.path.join(where, "node_modules", "@aws-sdk")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=where, check=True)
    system = unthrottled_system(work, os.path.join(where, "system.yaml"))
    moved = os.path.join(where, "system-unthrottled.yaml")
    shutil.move(system, moved)  # beside src/, which its functions name relative to it
    return moved


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

    flows = max(200, N // 4)
    work = tempfile.mkdtemp(prefix="emu_functions_bench_flow_")
    try:
        builtin_flow = query_flow(unthrottled_system(work), "built-in", flows)
        node_flow = query_flow(example_system(work), "node", flows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("functions_bench: API Gateway query flow, GET /dev/restaurants?city=Seattle, %d requests, one connection" % flows)
    print("  built-in handlers        p50 %6.3f ms  p99 %6.3f ms" % (pct(builtin_flow, 50), pct(builtin_flow, 99)))
    print("  examples/bellyfed-node   p50 %6.3f ms  p99 %6.3f ms  (%.1fx the built-ins')" % (
        pct(node_flow, 50), pct(node_flow, 99), statistics.median(node_flow) / statistics.median(builtin_flow)))


main()
