"""The dashboard's read-only /_emu routes over the wire (python3 urllib and raw sockets): flows
and their event stream, queues with a peek that receives nothing (checked with boto3), tables
by scan and by key, their errors, the cap on open streams, and serve stopping while streams are
open. Usage: dashboard_api_test.py path/to/bellyfed-emu REPO"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from wire import client, start_serve, stop_serve  # noqa: E402

emu, repo = sys.argv[1], sys.argv[2]


def get(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def get_json(base, path, status=200):
    code, _, body = get(base, path)
    assert code == status, (path, code, body)
    return json.loads(body)


def open_stream(base):
    """A raw connection reading /_emu/flows/stream: returns the socket after the headers."""
    host, port = base.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=30)
    s.sendall(b"GET /_emu/flows/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        assert chunk, "the stream closed before its headers"
        head += chunk
    return s, head.decode("latin-1")


def read_until(s, text, already=""):
    got = already
    deadline = time.monotonic() + 30
    while text not in got:
        assert time.monotonic() < deadline, "no %r in the stream: %r" % (text, got[-2000:])
        chunk = s.recv(65536)
        assert chunk, "the stream closed: %r" % got[-2000:]
        got += chunk.decode("utf-8", "replace")
    return got


proc, base = start_serve(emu)
try:
    # ---- the page and its files ----
    code, headers, body = get(base, "/_emu/ui/")
    assert code == 200 and "<title>bellyfed-emu</title>" in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert get(base, "/_emu/ui/app.js")[1]["Content-Type"].startswith("text/javascript")
    assert get(base, "/_emu/ui/style.css")[1]["Content-Type"].startswith("text/css")
    assert get(base, "/_emu/ui/../../etc/passwd")[0] == 400
    assert "no file" in get(base, "/_emu/ui/nope.js")[2]

    # ---- a stream opened before anything happened sees the import's flows arrive ----
    stream, head = open_stream(base)
    assert head.startswith("HTTP/1.1 200") and "text/event-stream" in head, head
    subprocess.run([emu, "import", os.path.join(repo, "fixtures/import/three_restaurants.jsonl"),
                    "--endpoint", base], check=True, capture_output=True)
    got = read_until(stream, "event: tick")
    got = read_until(stream, "RESTAURANT_IMPORT", got)
    # The three imports' flows; the reviews they write also start a flow of the Review stream.
    flows = [f for f in get_json(base, "/_emu/flows?limit=10")["flows"] if f["kind"] != "dynamodb.stream.receive"]
    assert len(flows) == 3 and all(f["kind"] == "event.put" for f in flows), flows
    assert [f["last_seq"] for f in flows] == sorted((f["last_seq"] for f in flows), reverse=True)
    for f in flows:
        assert f["trace_id"] in got, "the stream named every flow"
    assert len(get_json(base, "/_emu/flows?limit=1")["flows"]) == 1
    assert "limit must be" in get_json(base, "/_emu/flows?limit=0", 400)["message"]
    assert "unknown query parameter" in get_json(base, "/_emu/flows?since=3", 400)["message"]

    # ---- queues: counts, dead-letter queues, a peek that receives nothing ----
    sqs = client("sqs", base)
    url = sqs.get_queue_url(QueueName="restaurant-import-dlq-dev")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 5000,
                     MessageAttributes={"kind": {"DataType": "String", "StringValue": "poison"}})
    queues = {q["name"]: q for q in get_json(base, "/_emu/queues")["queues"]}
    assert queues["restaurant-import-dev"]["dead_letter_queue"] == "restaurant-import-dlq-dev"
    assert queues["restaurant-import-dlq-dev"]["dead_letter_sources"] == ["restaurant-import-dev"]
    assert queues["restaurant-import-dlq-dev"]["visible"] == 1
    peek = get_json(base, "/_emu/queues/restaurant-import-dlq-dev/messages?limit=5")
    [m] = peek["messages"]
    assert m["state"] == "visible" and m["receive_count"] == 0 and m["attributes"] == {"kind": "poison"}
    assert len(m["body"]) == 4096 and m["body_bytes"] == 5000, "a long body is cut"
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "1" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    received = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert received[0]["Attributes"]["ApproximateReceiveCount"] == "1", "the peek did not count as a receive"
    peek = get_json(base, "/_emu/queues/restaurant-import-dlq-dev/messages")
    assert peek["messages"][0]["state"] == "in_flight" and peek["messages"][0]["receive_count"] == 1
    assert "does not exist" in get_json(base, "/_emu/queues/nope/messages", 400)["message"]
    assert "limit must be" in get_json(base, "/_emu/queues/restaurant-import-dev/messages?limit=101", 400)["message"]
    assert "/_emu/queues/{name}/messages" in get_json(base, "/_emu/queues/a/b/messages", 400)["message"]

    # ---- tables: scan pages, query by key ----
    tables = {t["name"]: t for t in get_json(base, "/_emu/tables")["tables"]}
    assert tables["FoodEstablishment-dev"]["item_count"] == 3
    assert [i["name"] for i in tables["FoodEstablishment-dev"]["indexes"]] == ["GSI1", "GSI2"]
    page = get_json(base, "/_emu/tables/FoodEstablishment-dev/items?limit=2")
    assert page["operation"] == "Scan" and page["count"] == 2 and "last_evaluated_key" in page
    start = urllib.request.quote(page["last_evaluated_key"])
    rest = get_json(base, "/_emu/tables/FoodEstablishment-dev/items?limit=2&start=" + start)
    assert rest["count"] == 1 and "last_evaluated_key" not in rest
    seen = {i["PK"]["S"] for i in page["items"] + rest["items"]}
    assert seen == {"EST#r-101", "EST#r-102", "EST#r-103"}, seen
    q = get_json(base, "/_emu/tables/FoodEstablishment-dev/items?key=EST%23r-102&sort=META%23r-102")
    assert q["operation"] == "Query" and [i["name"]["S"] for i in q["items"]] == ["Blue Water Taco"]
    assert get_json(base, "/_emu/tables/FoodEstablishment-dev/items?key=EST%23nope")["count"] == 0
    assert "sort needs key" in get_json(base, "/_emu/tables/FoodEstablishment-dev/items?sort=x", 400)["message"]
    assert "not found" in get_json(base, "/_emu/tables/Nope/items", 400)["message"]
    assert "LastEvaluatedKey" in get_json(base, "/_emu/tables/FoodEstablishment-dev/items?start=%5B1", 400)["message"]

    # ---- at most 16 open streams; the next is told to come back ----
    streams = [stream] + [open_stream(base)[0] for _ in range(15)]
    code, headers, body = get(base, "/_emu/flows/stream")
    assert code == 503 and headers["Retry-After"] == "5" and "Too many open event streams" in body, (code, body)
    streams.pop().close()
    deadline = time.monotonic() + 30
    while True:  # the closed stream's slot is freed once serve notices (its next write fails)
        code = get(base, "/_emu/flows/stream?x=1")[0]  # 400: a free slot answers the parameter error
        if code == 400 or time.monotonic() > deadline:
            break
        subprocess.run([emu, "import", os.path.join(repo, "fixtures/import/three_restaurants.jsonl"),
                        "--endpoint", base], check=True, capture_output=True)
    assert code == 400, "a closed stream's slot was not freed"

    # ---- serve stops promptly with streams open ----
    t0 = time.monotonic()
    stop_serve(proc)
    assert time.monotonic() - t0 < 15, "serve took %.1f s to stop with open streams" % (time.monotonic() - t0)
    for s in streams:
        s.close()
finally:
    if proc.poll() is None:
        stop_serve(proc, check=False)
print("dashboard_api: OK")
