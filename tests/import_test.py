#!/usr/bin/python3
"""`bellyfed-emu import` against a running serve: the 1,000-restaurant fixture set goes through
SQS → Event Processor → EventBridge → DynamoDB Import, and Debian's boto3 then finds every
restaurant with GetItem, its menu and reviews with Query, and each city through GSI1.

Then crashes: serve --data-dir is killed (SIGKILL) in the middle of an import; the import says
how many records were confirmed and exits 3; after a restart on the same directory every
confirmed record becomes a restaurant (queued messages survived, in-flight ones came back).
An import interrupted with SIGINT stops after its batch, says how many were sent, exits 130."""
import json
import re
import os
import signal
import subprocess
import sys
import tempfile
import time

from wire import client, start_serve, stop_serve  # noqa: E402  (Debian's boto3)

EMU, FIXTURE = sys.argv[1], sys.argv[2]


def main():
    records = [json.loads(line) for line in open(FIXTURE) if line.strip()]
    proc, base = start_serve(EMU)
    try:
        r = subprocess.run([EMU, "import", FIXTURE, "--endpoint", base], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "sent %d of %d records" % (len(records), len(records)) in r.stdout, r.stdout
        ddb = client("dynamodb", base)
        deadline = time.time() + 60
        while time.time() < deadline:
            if ddb.scan(TableName="FoodEstablishment-dev", Select="COUNT")["Count"] == len(records):
                break
            time.sleep(0.1)
        by_city = {}
        for rec in records:
            key = {"PK": {"S": "EST#" + rec["id"]}, "SK": {"S": "META#" + rec["id"]}}
            item = ddb.get_item(TableName="FoodEstablishment-dev", Key=key)["Item"]
            assert item["name"]["S"] == rec["name"] and item["GSI2PK"]["S"] == "CUISINE#" + rec["cuisineType"], item
            by_city[rec["city"]] = by_city.get(rec["city"], 0) + 1
        for rec in records[:50]:
            menu = ddb.query(TableName="MenuItem-dev", KeyConditionExpression="PK = :p",
                             ExpressionAttributeValues={":p": {"S": "EST#" + rec["id"]}})
            assert menu["Count"] == len(rec["menu"]), (rec["id"], menu["Count"])
            reviews = ddb.query(TableName="Review-dev", KeyConditionExpression="PK = :p",
                                ExpressionAttributeValues={":p": {"S": "EST#" + rec["id"]}}, Select="COUNT")
            assert reviews["Count"] == len(rec["reviews"])
        pages = ddb.get_paginator("query")
        for city, n in by_city.items():
            got = sum(p["Count"] for p in pages.paginate(TableName="FoodEstablishment-dev", IndexName="GSI1",
                                                        KeyConditionExpression="GSI1PK = :c",
                                                        ExpressionAttributeValues={":c": {"S": "LOC#" + city}}))
            assert got == n, (city, got, n)
        print("import_test: %d restaurants in %d cities found" % (len(records), len(by_city)))
    finally:
        stop_serve(proc)
    crash(records)


def count(ddb):
    return ddb.scan(TableName="FoodEstablishment-dev", Select="COUNT")["Count"]


def crash(records):
    with tempfile.TemporaryDirectory() as data:
        big = os.path.join(data, "big.jsonl")
        with open(big, "w") as f:
            for i in range(8000):
                rec = dict(records[i % len(records)], id="crash-%05d" % i, menu=[], reviews=[])
                f.write(json.dumps(rec) + "\n")
        proc, base = start_serve(EMU, "--data-dir", os.path.join(data, "state"))
        ddb = client("dynamodb", base)
        imp = subprocess.Popen([EMU, "import", big, "--endpoint", base], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        while count(ddb) < 100:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        out, err = imp.communicate(timeout=120)
        assert imp.returncode == 3, (imp.returncode, out, err)
        m = re.search(r"sent (\d+) of 8000 records to \S+; from record (\d+) on, none was confirmed", out)
        assert m and int(m.group(2)) == int(m.group(1)) + 1, out
        confirmed = int(m.group(1))
        assert 100 <= confirmed < 8000, out
        proc, base = start_serve(EMU, "--data-dir", os.path.join(data, "state"))
        try:
            ddb = client("dynamodb", base)
            deadline = time.time() + 240
            while count(ddb) < confirmed and time.time() < deadline:
                time.sleep(0.2)
            got = count(ddb)
            print("import_test: %d records confirmed before SIGKILL, %d restaurants after the restart" % (confirmed, got))
            assert confirmed <= got <= confirmed + 10, (confirmed, got)  # the batch in flight may have landed

            imp = subprocess.Popen([EMU, "import", big, "--endpoint", base], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
            while count(ddb) == got and imp.poll() is None:  # sending has begun
                time.sleep(0.01)
            imp.send_signal(signal.SIGINT)
            out, err = imp.communicate(timeout=60)
            if imp.returncode != 0:  # it may have finished first on a fast machine
                assert imp.returncode == 130 and "interrupted" in err, (imp.returncode, out, err)
                assert re.search(r"sent (\d+) of 8000 records .*; from record (\d+) on, none was confirmed", out), out
        finally:
            stop_serve(proc, check=True)


def started_late():
    """import started before serve listens: it waits for it (the README's `serve &` then `import`)."""
    import socket
    with socket.socket() as s:  # a free port, for serve to take a moment later
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = "http://127.0.0.1:%d" % port
    imp = subprocess.Popen([EMU, "import", FIXTURE, "--endpoint", base], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    proc = subprocess.Popen([EMU, "serve", "--port", str(port), "--log-level", "warn"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        out, err = imp.communicate(timeout=120)
        assert imp.returncode == 0 and "sent 1000 of 1000 records" in out, (imp.returncode, out, err)
    finally:
        stop_serve(proc)
    print("import_test: an import started 0.5 s before serve waited for it")


if __name__ == "__main__":
    main()
    started_late()
