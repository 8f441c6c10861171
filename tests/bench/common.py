"""Shared by the benchmarks, the soak run and the memory test: a process's resident memory, and
a copy of the built-in system whose usage-plan and WAF limits load generators cannot reach."""
import os
import re
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_mb(pid):
    """Resident memory of process `pid` in MB (0.0 if it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except FileNotFoundError:
        pass
    return 0.0


def unthrottled_system(work, source=os.path.join(SRC, "emulator/bellyfed/system.yaml")):
    """Writes WORK/system.yaml: the BellyFed system (the built-in one, or `source`, which has the
    same limits) with limits load generators cannot reach (they would, rightly, throttle it).
    Returns its path."""
    with open(source) as f:
        system = f.read()
    system = re.sub(r"rate: 100, burst: 200, quota: \{limit: 100000, period: DAY\}", "rate: 1000000, burst: 1000000",
                    system)
    system = system.replace("waf: {limit: 2000, window: 5m}",
                            "waf: {limit: 2000000000, window: 1m}\n  account_throttle: {rate: 1000000, burst: 1000000}")
    assert "rate: 1000000" in system and "2000000000" in system, \
        "the built-in system's limits changed; update tests/bench/common.py"
    path = os.path.join(work, "system.yaml")
    with open(path, "w") as f:
        f.write(system)
    return path


def restaurants(work, n, seed=11):
    """Writes WORK/restaurants.jsonl with `n` generated restaurants; returns its path."""
    path = os.path.join(work, "restaurants.jsonl")
    with open(path, "w") as f:
        subprocess.run([sys.executable, os.path.join(SRC, "fixtures/generate_restaurants.py"), str(n), str(seed)],
                       stdout=f, check=True)
    return path


def seattle_fixture(work, n=200):
    """Writes WORK/seattle.yaml: `n` FoodEstablishment items in Seattle (the gateway query flow's
    data, GSI1 keys included); returns its path."""
    path = os.path.join(work, "seattle.yaml")
    with open(path, "w") as f:
        f.write("tables:\n  FoodEstablishment:\n")
        for i in range(n):
            f.write("    - {PK: 'EST#r-%03d', SK: 'META#r-%03d', name: 'R %03d', city: Seattle, "
                    "GSI1PK: 'LOC#Seattle', GSI1SK: 'EST#R %03d#r-%03d'}\n" % (i, i, i, i, i))
    return path


def api_key_script(work, key):
    """Writes WORK/get.lua, a wrk script that sends the API key; returns its path."""
    path = os.path.join(work, "get.lua")
    with open(path, "w") as f:
        f.write('wrk.headers["X-Api-Key"] = "%s"\n' % key)
    return path
