#!/usr/bin/python3
"""Start-up to first answer, and idle memory, of `bellyfed-emu serve` — side by side with
dynalite 4 (Node.js), installed with npm into build-bench/peers on first use.

Prints `name: value unit` lines: medians of 15 starts, and ratios against the peer.
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

EMU = sys.argv[1]
PEERS = os.path.join(os.path.dirname(os.path.abspath(EMU)), "peers")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def answers(url):
    try:
        urllib.request.urlopen(url, timeout=0.5).read()
        return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except Exception:
        return False


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(cmd_for_port, path, runs=15):
    times, rss = [], []
    for _ in range(runs):
        port = free_port()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd_for_port(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not answers("http://127.0.0.1:%d%s" % (port, path)):
                if time.perf_counter() - t0 > 30:
                    raise RuntimeError("no answer within 30 s: %s" % cmd_for_port(port))
                time.sleep(0.001)
            times.append(time.perf_counter() - t0)
            time.sleep(0.2)
            rss.append(rss_kb(p.pid))
        finally:
            p.terminate()
            p.wait()
    return statistics.median(times) * 1000, statistics.median(rss) / 1024


def dynalite():
    exe = os.path.join(PEERS, "node_modules", ".bin", "dynalite")
    if not os.path.exists(exe) and shutil.which("npm"):
        os.makedirs(PEERS, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--prefix", PEERS, "dynalite@4"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return exe if os.path.exists(exe) else None


emu_ms, emu_mb = measure(lambda port: [EMU, "serve", "--port", str(port), "--log-level", "off"], "/_emu/health")
print("serve_startup_to_health: %.1f ms" % emu_ms)
print("serve_idle_rss: %.1f MB" % emu_mb)
peer = dynalite()
if peer:
    d_ms, d_mb = measure(lambda port: ["node", peer, "--port", str(port)], "/")
    print("dynalite_startup_to_answer: %.1f ms" % d_ms)
    print("dynalite_idle_rss: %.1f MB" % d_mb)
    print("startup_ratio_dynalite_over_emu: %.1f x" % (d_ms / emu_ms))
    print("idle_rss_ratio_dynalite_over_emu: %.1f x" % (d_mb / emu_mb))
else:
    print("dynalite: not available (npm install dynalite@4 failed); no ratio")
