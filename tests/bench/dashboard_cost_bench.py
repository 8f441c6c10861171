#!/usr/bin/python3
"""What an open dashboard costs the flows: the gateway query flow (GET /dev/restaurants?city=Seattle,
20 items, valid key, limits raised; wrk 1 thread, 4 connections, 5 s) on `serve` with no, one and
four live flow streams (/_emu/flows/stream, read as a browser would) open; alternating, medians
of 3, each as a ratio of the run without streams.

Prints `name: value unit` lines. Usage: dashboard_cost_bench.py path/to/bellyfed-emu"""
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import api_key_script, seattle_fixture, unthrottled_system  # noqa: E402

emu = os.path.abspath(sys.argv[1])
KEY = "bellyfed-dev-local-key-0001"
work = tempfile.mkdtemp(prefix="dashboard-cost-bench-")
system = unthrottled_system(work)
fixture = seattle_fixture(work)
script = api_key_script(work, KEY)


def reader(port, stop, frames):
    """A dashboard's live stream: reads frames until told to stop."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /_emu/flows/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    s.settimeout(0.5)
    while not stop.is_set():
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        frames[0] += data.count(b"event: flow")
    s.close()


def gateway(streams):
    proc = subprocess.Popen([emu, "serve", "--port", "0", "--log-level", "off", "--system", system, "--fixtures",
                             fixture], stdout=subprocess.PIPE, text=True)
    base = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    stop, frames = threading.Event(), [0]
    threads = [threading.Thread(target=reader, args=(int(base.rsplit(":", 1)[1]), stop, frames))
               for _ in range(streams)]
    try:
        for t in threads:
            t.start()
        out = subprocess.run(["wrk", "-t1", "-c4", "-d5s", "-s", script, base + "/dev/restaurants?city=Seattle"],
                             capture_output=True, text=True, check=True).stdout
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), frames[0]
    finally:
        stop.set()
        for t in threads:
            t.join()
        proc.terminate()
        proc.wait(timeout=30)


results = {n: [] for n in (0, 1, 4)}
flows_sent = {n: 0 for n in results}
for _ in range(3):
    for n in results:
        rate, frames = gateway(n)
        results[n].append(rate)
        flows_sent[n] += frames
base = statistics.median(results[0])
for n, rates in results.items():
    print(f"gateway_flow_with_{n}_dashboard_streams: {statistics.median(rates):.0f} requests/s")
    if n:
        print(f"gateway_flow_with_{n}_dashboard_streams_ratio: {statistics.median(rates) / base:.2f} x")
        print(f"dashboard_flow_frames_per_stream_{n}: {flows_sent[n] / (3 * n):.0f} flows")
