#!/usr/bin/python3
"""Wall time of `bellyfed-emu run` over 100 scenario files (copies of scenarios/runner/*),
median of 5 runs, and start-up of the binary (`bellyfed-emu version`), median of 30."""
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

EMU = sys.argv[1]
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sources = sorted(glob.glob(os.path.join(root, "scenarios", "runner", "*.yaml")))
tmp = tempfile.mkdtemp(prefix="emu-runner-bench-")
try:
    for i in range(100):
        shutil.copy(sources[i % len(sources)], os.path.join(tmp, "s%03d.yaml" % i))

    def timed(cmd, runs):
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.append(time.perf_counter() - t0)
        return statistics.median(out) * 1000

    print("run_100_scenarios: %.1f ms" % timed([EMU, "run", "--quiet", tmp], 5))
    print("run_100_scenarios_jobs2: %.1f ms" % timed([EMU, "run", "--quiet", "--jobs", "2", tmp], 5))
    print("process_startup: %.1f ms" % timed([EMU, "version"], 30))
finally:
    shutil.rmtree(tmp)
