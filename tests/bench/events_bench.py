#!/usr/bin/python3
"""PutEvents over HTTP (BENCHMARKS.md, "events"): a running `serve`, its BellyFed bus given the
70 event-ruler citylots rules (each wrapped under `detail`, no targets), then wrk (1 thread, 4
keep-alive connections) posting PutEvents calls of 10 citylots-shaped events each, cycling
through 2,000 distinct calls. Every event goes through the whole of PutEvents: validation, the
envelope, the trace and the 70 rules (and BellyFed's own two, which match none of them).

The reference in the same run is serve's own ceiling, `GET /_emu/health` (no work at all) with
the same wrk settings. Before timing, the first 100 events are put once and each rule's match
count is checked against TestEventPattern, asked event by event and rule by rule.

Prints `name: value unit` lines: the median of 3 runs.
Usage: events_bench.py path/to/bellyfed-emu"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
emu = os.path.abspath(sys.argv[1])
SECONDS = 5
CALLS = 2000


def post(base, target, body):
    req = urllib.request.Request(base + "/", data=json.dumps(body).encode(),
                                 headers={"X-Amz-Target": "AWSEvents." + target,
                                          "Content-Type": "application/x-amz-json-1.1"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def get(base, path):
    with urllib.request.urlopen(base + path) as r:
        return json.loads(r.read())


def wrk(args):
    r = subprocess.run(["wrk", "-t1", "-c4", "-d%ds" % SECONDS] + args, capture_output=True, text=True, check=True)
    if "Non-2xx" in r.stdout:
        raise RuntimeError(r.stdout)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", r.stdout).group(1))


work = tempfile.mkdtemp(prefix="events-bench-")
rules_file = os.path.join(HERE, "..", "data", "eventbridge", "event-ruler-citylots2-benchmark-rules.json")
groups = json.load(open(rules_file))
lines = subprocess.run([sys.executable, os.path.join(HERE, "gen_citylots.py"), str(CALLS * 10), "42"],
                       capture_output=True, text=True, check=True).stdout.splitlines()

proc = subprocess.Popen([emu, "serve", "--port", "0", "--log-level", "off"], stdout=subprocess.PIPE, text=True)
try:
    base = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    bus = next(b for b in get(base, "/_emu/metrics")["buses"] if b.startswith("bellyfed"))
    names = []
    for group, spec in groups.items():
        for i, rule in enumerate(spec["rules"]):
            name = "citylots-%s-%d" % (group.lower().replace("_", "-"), i)
            post(base, "PutRule", {"Name": name, "EventBusName": bus, "EventPattern": json.dumps({"detail": rule})})
            names.append(name)
    print("events_rules: %d on %s (and its own)" % (len(names), bus))

    # One Lua table of request bodies; wrk cycles through them.
    bodies = []
    for c in range(CALLS):
        entries = [{"Source": "citylots", "DetailType": "lot", "Detail": line, "EventBusName": bus}
                   for line in lines[c * 10:(c + 1) * 10]]
        bodies.append(json.dumps({"Entries": entries}))
    # What PutEvents routes must be what TestEventPattern answers for the same event and rule.
    patterns = {n: json.dumps({"detail": r}) for n, r in zip(names, (r for s in groups.values() for r in s["rules"]))}
    before = get(base, "/_emu/metrics")["buses"][bus]["rules"]
    expected = dict.fromkeys(names, 0)
    for body in bodies[:10]:
        answer = post(base, "PutEvents", json.loads(body))
        assert answer["FailedEntryCount"] == 0, answer
        for entry in json.loads(body)["Entries"]:
            event = json.dumps({"version": "0", "id": "1", "detail-type": "lot", "source": "citylots",
                                "account": "000000000000", "time": "2024-12-01T00:00:00Z", "region": "us-east-1",
                                "resources": [], "detail": json.loads(entry["Detail"])})
            for n in names:
                expected[n] += post(base, "TestEventPattern", {"EventPattern": patterns[n], "Event": event})["Result"]
    after = get(base, "/_emu/metrics")["buses"][bus]["rules"]
    routed = {n: after[n]["matched"] - before[n]["matched"] for n in names}
    assert routed == expected, (routed, expected)
    print("events_checked: 100 events x %d rules agree with TestEventPattern (%d matches)"
          % (len(names), sum(expected.values())))
    data = os.path.join(work, "bodies.txt")
    with open(data, "w") as f:
        f.write("\n".join(bodies) + "\n")
    script = os.path.join(work, "put.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\n'
                'wrk.headers["X-Amz-Target"] = "AWSEvents.PutEvents"\n'
                'wrk.headers["Content-Type"] = "application/x-amz-json-1.1"\n'
                'local bodies, i = {}, 0\n'
                'for line in io.lines("%s") do bodies[#bodies + 1] = line end\n'
                'request = function()\n'
                '  i = i %% #bodies + 1\n'
                '  return wrk.format(nil, "/", nil, bodies[i])\n'
                'end\n' % data)

    before = get(base, "/_emu/metrics")["buses"][bus]
    health, calls = [], []
    for _ in range(3):
        health.append(wrk([base + "/_emu/health"]))
        calls.append(wrk(["-s", script, base + "/"]))
    after = get(base, "/_emu/metrics")["buses"][bus]
    events = after["events_in"] - before["events_in"]
    matched = after["matched_events"] - before["matched_events"]
    assert events > 0 and matched > 0, (events, matched)
    h, c = statistics.median(health), statistics.median(calls)
    print("events_serve_ceiling_health: %.0f req/s" % h)
    print("events_put_events_calls: %.0f req/s (10 events each)" % c)
    print("events_put_events: %.0f events/s (target >= 100000)" % (c * 10))
    print("events_put_events_vs_ceiling: %.1f %% of the health requests/s" % (100 * c / h))
    print("events_matched_share: %.1f %% of %d events matched a rule" % (100 * matched / events, events))
finally:
    proc.terminate()
    proc.wait(timeout=10)
