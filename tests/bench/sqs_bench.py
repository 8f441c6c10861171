#!/usr/bin/python3
"""Starts `bellyfed-emu serve` on a free loopback port, runs sqs_flow_bench against it (SQS
send + receive + delete over HTTP, then the in-process import flow), and stops the server.
Usage: sqs_bench.py path/to/bellyfed-emu path/to/sqs_flow_bench [restaurants]"""
import re
import subprocess
import sys

emu, bench = sys.argv[1], sys.argv[2]
n = sys.argv[3] if len(sys.argv) > 3 else "100000"
proc = subprocess.Popen([emu, "serve", "--port", "0", "--log-level", "off"], stdout=subprocess.PIPE, text=True)
try:
    base = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    subprocess.run([bench, base, n], check=True)
finally:
    proc.terminate()
    proc.wait(timeout=10)
