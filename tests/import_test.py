#!/usr/bin/python3
"""`bellyfed-emu import` against a running serve: the 1,000-restaurant fixture set goes through
SQS → Event Processor → EventBridge → DynamoDB Import, and Debian's boto3 then finds every
restaurant with GetItem, its menu and reviews with Query, and each city through GSI1."""
import json
import subprocess
import sys
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


if __name__ == "__main__":
    main()
