"""serve's GET /metrics through the wire: after the seed's three flows (a Server Action through
the outbox, gateway queries, an import through SQS), the page is valid Prometheus text
exposition (Debian's `promtool check metrics`, when installed; in CI it must be) and counts
what happened: per function, rule, queue, DynamoDB table and operation, gateway route and
status, outbox status. And `--log-level debug` tells each routing decision, delivery, retry
and invocation, with the trace id."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import start_serve, stop_serve  # noqa: E402

KEY = "bellyfed-dev-local-key-0001"


def fetch(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def samples(text):
    """{(name, frozenset(labels)): value} for every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        assert m, "not a sample line: %r" % line
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(s, name, **labels):
    key = (name, frozenset(labels.items()))
    assert key in s, "no sample %s %s" % (name, labels)
    return s[key]


def check_debug_log(emu, src):
    proc, base = start_serve(emu, "--log-level", "debug", cwd=src)
    try:
        status, _, _ = fetch(base + "/dev/restaurants?city=Seattle", headers={"X-Api-Key": KEY})
        assert status == 200
        status, _, _ = fetch(base + "/_emu/faults", b'{"target": "restaurant-import/dynamodb-import", "fail": 1}',
                             {"Content-Type": "application/json"})
        assert status == 200, status
        subprocess.run([emu, "import", "fixtures/import/three_restaurants.jsonl", "--endpoint", base], cwd=src,
                       check=True, capture_output=True, timeout=60)
    except BaseException:
        stop_serve(proc, check=False)
        raise
    lines = [json.loads(line) for line in stop_serve(proc).splitlines() if line.startswith("{")]
    debug = [x for x in lines if x["level"] == "debug"]
    routed = [x for x in debug if x["msg"] == "event routed" and x["detail-type"] == "GET_RESTAURANTS"]
    assert routed and routed[0]["matched"] == ["api-requests"] and routed[0]["rules_tried"] == 3, routed
    assert routed[0]["trace_id"].startswith("1-"), routed
    assert any(x["msg"] == "delivering" and x["rule"] == "api-requests" and x["target"] == "query-handler"
               for x in debug), debug
    assert any(x["msg"] == "invoking" and x["function"] == "QueryHandler-dev" for x in debug), debug
    retry = [x for x in debug if x["msg"] == "delivery failed, retrying"]
    assert retry and retry[0]["rule"] == "restaurant-import" and retry[0]["error_code"] == "INJECTED_FAULT", debug
    assert retry[0]["retry_in_ms"] > 0, retry


def main():
    emu = os.path.abspath(sys.argv[1])
    src = os.path.abspath(sys.argv[2])
    proc, base = start_serve(emu, cwd=src)
    try:
        status, _, _ = fetch(base + "/_emu/dev/actions/createRestaurant",
                             b'{"id": "r-1", "name": "Pho Place", "address": "1 Main St", "city": "Seattle"}',
                             {"Content-Type": "application/json"})
        assert status == 200
        for _ in range(3):
            status, _, _ = fetch(base + "/dev/restaurants?city=Seattle", headers={"X-Api-Key": KEY})
            assert status == 200, status
        status, _, _ = fetch(base + "/dev/nowhere", headers={"X-Api-Key": KEY})
        assert status == 403, status
        subprocess.run([emu, "import", "fixtures/import/three_restaurants.jsonl", "--endpoint", base], cwd=src,
                       check=True, capture_output=True, timeout=60)
        deadline = time.time() + 30
        while True:  # the outbox relay polls each second
            status, headers, text = fetch(base + "/metrics")
            s = samples(text)
            if value(s, "bellyfed_emu_outbox_rows", stage="dev", status="processed") == 1 or time.time() > deadline:
                break
            time.sleep(0.2)

        assert status == 200 and headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8", headers
        promtool = shutil.which("promtool")
        if promtool:
            r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, "promtool check metrics: %s%s" % (r.stdout, r.stderr)
        else:
            assert not os.environ.get("CI"), "promtool (Debian's prometheus) is missing: in CI nothing may be skipped"
            print("metrics_test: promtool not installed, format not checked by it")

        assert value(s, "bellyfed_emu_function_invocations_total", function="QueryHandler-dev") == 3
        assert value(s, "bellyfed_emu_function_invocations_total", function="DynamoDBImport-dev") == 3
        assert value(s, "bellyfed_emu_function_errors_total", function="DynamoDBImport-dev") == 0
        assert value(s, "bellyfed_emu_function_duration_seconds_count", function="EventProcessor-dev") == 4
        assert value(s, "bellyfed_emu_function_duration_seconds_bucket", function="EventProcessor-dev", le="+Inf") == 4
        assert value(s, "bellyfed_emu_rule_matched_events_total", bus="bellyfed-dev", rule="restaurant-import") == 3
        assert value(s, "bellyfed_emu_rule_matched_events_total", bus="bellyfed-dev", rule="outbox-events") == 1
        assert value(s, "bellyfed_emu_queue_messages_visible", queue="restaurant-import-dev") == 0
        assert value(s, "bellyfed_emu_dynamodb_operations_total", table="FoodEstablishment-dev", operation="Query") == 3
        assert value(s, "bellyfed_emu_dynamodb_operations_total", table="-", operation="TransactWriteItems") == 3
        assert value(s, "bellyfed_emu_dynamodb_operation_duration_seconds_count",
                     table="FoodEstablishment-dev", operation="Query") == 3
        assert value(s, "bellyfed_emu_gateway_requests_total", stage="dev", method="GET", resource="/restaurants",
                     status="200") == 3
        assert value(s, "bellyfed_emu_gateway_requests_total", stage="dev", method="GET", resource="-",
                     status="403") == 1
        assert value(s, "bellyfed_emu_outbox_rows", stage="dev", status="processed") == 1
        assert value(s, "bellyfed_emu_outbox_rows", stage="dev", status="pending") == 0
        assert value(s, "bellyfed_emu_outbox_publish_latency_seconds_count", stage="dev",
                     relay="OutboxProcessor-dev-1") + value(s, "bellyfed_emu_outbox_publish_latency_seconds_count",
                                                            stage="dev", relay="OutboxProcessor-dev-2") == 1
        # Histogram buckets are cumulative and end at the count.
        b = sorted((float(dict(k[1])["le"]), v) for k, v in s.items()
                   if k[0] == "bellyfed_emu_gateway_request_duration_seconds_bucket"
                   and dict(k[1]).get("resource") == "/restaurants" and dict(k[1])["le"] != "+Inf")
        assert all(x[1] <= y[1] for x, y in zip(b, b[1:])) and b[-1][1] <= 3, b
        # Capacity units by DynamoDB's rules: each gateway query read its city's three small items
        # (one 4 KB unit, halved: eventually consistent); a restaurant's import transaction writes
        # its establishment at 2 units (under 1 KB, transactional) and the same again into each of
        # the two indexes that project it (GSI1, GSI2): 6 per restaurant.
        assert value(s, "bellyfed_emu_dynamodb_consumed_capacity_units_total", table="FoodEstablishment-dev",
                     operation="Query") == 1.5
        assert value(s, "bellyfed_emu_dynamodb_consumed_capacity_units_total", table="FoodEstablishment-dev",
                     operation="TransactWriteItems") == 18
        def call(op, body):
            status, _, out = fetch(base + "/", json.dumps(body).encode(),
                                   {"X-Amz-Target": "DynamoDB_20120810." + op,
                                    "Content-Type": "application/x-amz-json-1.0"})
            assert status == 200, (op, status, out)
            return json.loads(out)
        call("CreateTable", {"TableName": "Units", "BillingMode": "PAY_PER_REQUEST",
                             "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                             "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]})
        big = {"id": {"S": "a"}, "blob": {"S": "x" * 5000}}  # 5,006 bytes: 5 write units, 2 read units
        out = call("PutItem", {"TableName": "Units", "Item": big, "ReturnConsumedCapacity": "TOTAL"})
        assert out["ConsumedCapacity"]["CapacityUnits"] == 5, out
        call("GetItem", {"TableName": "Units", "Key": {"id": {"S": "a"}}, "ConsistentRead": True})
        call("GetItem", {"TableName": "Units", "Key": {"id": {"S": "a"}}})  # eventually consistent: half
        call("GetItem", {"TableName": "Units", "Key": {"id": {"S": "missing"}}})  # the minimum, 0.5
        call("TransactGetItems", {"TransactItems": [{"Get": {"TableName": "Units", "Key": {"id": {"S": "a"}}}}]})
        call("BatchWriteItem", {"RequestItems": {"Units": [{"PutRequest": {"Item": {"id": {"S": "b"}}}},
                                                           {"DeleteRequest": {"Key": {"id": {"S": "a"}}}}]}})
        _, _, text = fetch(base + "/metrics")
        units = {op: value(samples(text), "bellyfed_emu_dynamodb_consumed_capacity_units_total", table="Units",
                           operation=op) for op in ("PutItem", "GetItem", "TransactGetItems", "BatchWriteItem")}
        assert units == {"PutItem": 5, "GetItem": 2 + 1 + 0.5, "TransactGetItems": 4, "BatchWriteItem": 1 + 5}, units
        # A DynamoDB call on a table that does not exist is counted without its name.
        status, _, _ = fetch(base + "/", b'{"TableName": "nope' + b'x' * 50 + b'", "Key": {"id": {"S": "1"}}}',
                             {"X-Amz-Target": "DynamoDB_20120810.GetItem",
                              "Content-Type": "application/x-amz-json-1.0"})
        assert status == 400, status
        _, _, text = fetch(base + "/metrics")
        assert value(samples(text), "bellyfed_emu_dynamodb_errors_total", table="-", operation="GetItem") == 1
        assert "nopexx" not in text
        # The sample Grafana dashboard queries only metrics the page has.
        families = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
        with open(os.path.join(src, "docs", "grafana-dashboard.json"), encoding="utf-8") as f:
            dashboard = json.load(f)
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                for name in re.findall(r"bellyfed_emu_[a-z_]+", target["expr"]):
                    base = re.sub(r"_(bucket|sum|count)$", "", name)
                    assert name in families or base in families, "%s: no metric %s" % (panel["title"], name)
    finally:
        stop_serve(proc)
    check_debug_log(emu, src)
    print("metrics_test: ok")


if __name__ == "__main__":
    main()
