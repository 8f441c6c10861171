"""serve gives back what admin dumps took: after 80 dumps of 10,000 traces and of a bus's
10,000 kept events (13 MB each), from 8 connections at once, its resident memory is back within
a few MB of where it was (before the fix: 39 MB → 610 MB, for good).

The trace endpoint reads the ring without copying it: filters by trace_id and kind, newest
first on request, at most 10,000 entries a page, and it reports its capacity (--trace-capacity)
and how many entries were dropped; unknown parameters are refused.

Sanitizer builds have their own allocator (and quarantine freed memory on purpose): there the
dumps run and must be answered, but memory is not compared."""
import json
import os
import sys
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench"))
from common import rss_mb  # noqa: E402
from wire import client, start_serve, stop_serve  # noqa: E402


def sanitized(emu):
    """Built with AddressSanitizer (gcc links its runtime, clang builds it in: both name this)."""
    with open(emu, "rb") as f:
        return b"__asan_init" in f.read()


def main():
    emu = os.path.abspath(sys.argv[1])
    proc, base = start_serve(emu)
    try:
        eb = client("events", base)
        for i in range(1000):
            eb.put_events(Entries=[{"Source": "s", "DetailType": "t", "EventBusName": "bellyfed-dev",
                                    "Detail": json.dumps({"i": i, "pad": "x" * 2000})}] * 10)
        before = rss_mb(proc.pid)
        assert before > 0, "no resident memory reported for serve"
        sizes, errors = [], []

        def dump():
            try:
                for _ in range(5):
                    for path in ["/_emu/traces?limit=10000", "/_emu/events?bus=bellyfed-dev"]:
                        sizes.append(len(urllib.request.urlopen(base + path, timeout=120).read()))
            except Exception as e:  # noqa: BLE001 — reported below
                errors.append(e)
        threads = [threading.Thread(target=dump) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(sizes) == 80 and min(sizes) > 1_000_000, sizes
        events = json.load(urllib.request.urlopen(base + "/_emu/events?bus=bellyfed-dev"))["events"]
        assert len(events) == 10_000 and events[-1]["detail"]["i"] == 999, len(events)
        traces = json.load(urllib.request.urlopen(base + "/_emu/traces?limit=10000"))
        assert len(traces["traces"]) == 10_000 and traces["last_seq"] >= 10_000, traces["last_seq"]
        assert traces["capacity"] == 10_000 and traces["dropped"] == traces["last_seq"] - 10_000, traces["dropped"]
        newest = json.load(urllib.request.urlopen(base + "/_emu/traces?order=newest&limit=3&kind=event.put"))["traces"]
        assert [t["kind"] for t in newest] == ["event.put"] * 3, newest
        assert newest[0]["seq"] > newest[1]["seq"] > newest[2]["seq"] and newest[0]["data"]["source"] == "s", newest
        eb.put_events(Entries=[{"Source": "traced", "DetailType": "t", "EventBusName": "bellyfed-dev", "Detail": "{}",
                                "TraceHeader": "memory-test-trace"}])
        same = json.load(urllib.request.urlopen(base + "/_emu/traces?trace_id=memory-test-trace"))["traces"]
        assert [t["kind"] for t in same][:1] == ["event.put"] and same[0]["data"]["source"] == "traced", same
        assert all(t["trace_id"] == "memory-test-trace" for t in same), same
        none = json.load(urllib.request.urlopen(base + "/_emu/traces?trace_id=no-such-trace"))["traces"]
        assert none == [], none
        for bad in ["limit=10001", "order=sideways", "trace=x"]:
            try:
                urllib.request.urlopen(base + "/_emu/traces?" + bad)
                raise AssertionError(bad + " was accepted")
            except urllib.error.HTTPError as e:
                assert e.code == 400, (bad, e.code)
        after = rss_mb(proc.pid)
        print("memory_test: RSS %.0f MB before the dumps, %.0f MB after" % (before, after))
        if not sanitized(emu):
            assert after < before + 30, "RSS grew from %.0f MB to %.0f MB" % (before, after)
    finally:
        stop_serve(proc, check=True)
    print("memory_test: ok")


if __name__ == "__main__":
    main()
