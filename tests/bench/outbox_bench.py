#!/usr/bin/python3
"""Runs outbox_bench on SQLite (in memory) and on a throwaway PostgreSQL started here (Debian's
server on loopback, tests/pg.py). Usage: outbox_bench.py path/to/outbox_bench [events]"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg import postgres  # noqa: E402

bench = sys.argv[1]
n = sys.argv[2] if len(sys.argv) > 2 else "20000"
subprocess.run([bench, n], check=True)
with postgres() as url:
    subprocess.run([bench, n, url], check=True)
