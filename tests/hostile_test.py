"""Hostile-but-fair requests against a real `serve`: each must get an answer (never a crash or a
freeze), and serve must stop cleanly afterwards with nothing on stderr from a sanitizer.

- JSON carried inside strings nests at most 1,000 levels: PutEvents' Detail (110,000 levels,
  220 KB — inside the 256 KB entry limit) is MalformedDetail, TestEventPattern's Event is
  refused, and an SQS message body that deep goes through the import flow as a failed record
  (the Event Processor reports it as a batch item failure; it is not parsed into a document).
- A pattern that names nine fields under objects inside arrays, tested against an event with
  twelve elements per array, answers at once (array-consistent matching is polynomial).
- Bodies: a 200 KB SQS message through the query protocol (Debian's boto3) and a 9 KB
  urlencoded Server Action form are read (not refused at 8 KiB); a chunked body over --max-body
  is 413.
- Connections: with 200 idle keep-alive connections and 50 slow ones (a header line a second,
  never finished) held open, fresh clients are answered (each connection has its own thread).
- PutEvents Time outside the years 1–9999 is InvalidArgument for its entry; an SQS Number
  attribute that is not a decimal number is InvalidParameterValue with AWS's message.
- HTTP framing: pipelined requests (with and without bodies, HEAD among them) are answered in
  order, and a HEAD's answer arrives while its connection stays open; duplicate
  Content-Length values that differ, header names with whitespace, Transfer-Encoding with
  Content-Length, codings other than chunked and lengths that are not numbers get 400 and close
  the connection, so bytes after them are never read as a request.
- Cross-site requests: with an Origin (or Referer) of another site, Server Actions, query-protocol
  forms and admin reads get 403 and change nothing; a Host that is not loopback (DNS rebinding)
  gets 403; the gateway stages still answer any origin; allowed origins (the gateway's CORS
  origin, loopback, --allow-origin) get preflight and CORS answers on the AWS APIs.
- Restarts on one --data-dir: a Server Action after each restart creates a new restaurant (ids
  drawn from the seed do not repeat across starts on the same stores).
- Bytes that are not UTF-8 (in a path, a query parameter, a JSON body, a form field) get a 4xx
  answer, never a 500, and nothing stored by them breaks /_emu/traces.
"""
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import client, start_serve, stop_serve  # noqa: E402
import http.client  # noqa: E402


def call(base, target, body, version="1.1"):
    req = urllib.request.Request(base + "/", data=json.dumps(body).encode(),
                                 headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-" + version})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def health(base):
    with urllib.request.urlopen(base + "/_emu/health", timeout=20) as r:
        return json.loads(r.read())["status"]


def deep(n):
    return "[" * n + "]" * n


def restarts(emu):
    import tempfile
    with tempfile.TemporaryDirectory() as data:
        ids = []
        for _ in range(3):
            proc, base = start_serve(emu, "--data-dir", data)
            try:
                req = urllib.request.Request(base + "/_emu/dev/actions/createRestaurant",
                                             data=json.dumps({"name": "Pho", "address": "1 Main St"}).encode(),
                                             headers={"Content-Type": "application/json"})
                out = json.load(urllib.request.urlopen(req, timeout=20))
            finally:
                stop_serve(proc, check=True)
            assert "data" in out, out
            ids.append(out["data"]["id"])
        assert len(set(ids)) == 3, ids


def exchange(port, data, timeout=10):
    """Sends raw bytes on a fresh connection; returns what came back until the server closed it
    or went quiet."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(data)
    s.settimeout(timeout)
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
            if got.count(b"HTTP/1.1 ") >= data.count(b" HTTP/1.1\r\n") and got.endswith(b"}"):
                break  # every request answered (all our answers are JSON)
    except socket.timeout:
        pass
    s.close()
    return got


def framing(port):
    """Pipelined requests are answered in order; ambiguous framing is refused and ends the
    connection (what follows it is never read as a request)."""
    reqs = (b"GET /_emu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            b"POST /_emu/dev/actions/createRestaurant HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\n\r\n{}"
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
            b"Content-Type: application/x-amz-json-1.0\r\n\r\n"  # no length: an empty body
            b"GET /_emu/nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    got = exchange(port, reqs)
    statuses = [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", got)]
    assert statuses == [200, 200, 200, 404], (statuses, got)
    assert b'"error":"name: is required"' in got and b'"QueueUrls":[' in got and b"/_emu/nothing-here" in got, got
    # An answer without a body (HEAD) is sent while its connection stays open for the next
    # request: the server holds a response's head back only to send it with the body.
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(10)
    s.sendall(b"HEAD /_emu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(65536)
        assert d, head
        head += d
    assert head.startswith(b"HTTP/1.1 ") and head.count(b"HTTP/1.1 ") == 1, head
    s.sendall(b"GET /_emu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    rest = b""
    while not rest.endswith(b"}"):
        d = s.recv(65536)
        assert d, rest
        rest += d
    assert rest.startswith(b"HTTP/1.1 200 ") and rest.count(b"HTTP/1.1 ") == 1, rest
    s.close()
    got = exchange(port, b"HEAD /_emu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + reqs)
    statuses = [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", got)]
    assert len(statuses) == 5 and statuses[1:] == [200, 200, 200, 404], (statuses, got)
    smuggled = b"GET /_emu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    for head, why in [(b"Content-Length: 3\r\nContent-Length: 5", b"different values"),
                      (b"Transfer-Encoding : chunked", b"whitespace"),
                      (b"Transfer-Encoding: chunked\r\nContent-Length: 5", b"both given"),
                      (b"Transfer-Encoding: gzip, chunked", b"only chunked"),
                      (b"Content-Length: -1", b"not a number")]:
        got = exchange(port, b"POST /_emu/outbox HTTP/1.1\r\nHost: 127.0.0.1\r\n" + head + b"\r\n\r\n0\r\n\r\n" + smuggled)
        assert got.startswith(b"HTTP/1.1 400 ") and why in got, (head, got)
        assert got.count(b"HTTP/1.1 ") == 1 and b"Connection: close" in got, (head, got)


def raw(base, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(base.split("//")[1], timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    out = (r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read())
    conn.close()
    return out


def cross_site(base):
    """A web page on another site cannot drive serve: not with simple requests (no preflight),
    not through DNS rebinding; allowed origins get CORS answers on the AWS APIs."""
    evil = {"Origin": "http://evil.example"}
    outbox_before = raw(base, "GET", "/_emu/outbox?stage=dev")[2]
    status, _, body = raw(base, "POST", "/_emu/dev/actions/createRestaurant", b'{"name":"X","address":"Y"}',
                          dict(evil, **{"Content-Type": "text/plain"}))
    assert status == 403 and b"Origin 'http://evil.example' may not call" in body, (status, body)
    status, _, body = raw(base, "POST", "/", b"Action=DeleteQueue&QueueUrl=" + base.encode() + b"/000000000000/big",
                          dict(evil, **{"Content-Type": "application/x-www-form-urlencoded"}))
    assert status == 403, (status, body)
    status, _, body = raw(base, "POST", "/_emu/dev/actions/createRestaurant", b"name=X&address=Y",
                          {"Referer": "https://evil.example/page", "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and b"https://evil.example'" in body, (status, body)
    status, _, body = raw(base, "POST", "/_emu/dev/actions/createRestaurant", b"name=X&address=Y",
                          {"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403, (status, body)
    assert raw(base, "GET", "/_emu/outbox?stage=dev")[2] == outbox_before  # nothing was written
    port = base.rsplit(":", 1)[1]
    status, _, body = raw(base, "GET", "/_emu/traces", headers={"Host": "rebound.evil.example:" + port})
    assert status == 403 and b"Host 'rebound.evil.example:" in body, (status, body)
    for host in ["localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "app.localhost:" + port, "LOCALHOST"]:
        assert raw(base, "GET", "/_emu/health", headers={"Host": host})[0] == 200, host
    # The API Gateway stages answer any origin, as API Gateway does (CORS says who may read).
    status, headers, _ = raw(base, "GET", "/dev/restaurants?city=Seattle", headers=evil)  # no API key
    assert headers.get("x-amzn-errortype") == "ForbiddenException", (status, headers)
    assert "access-control-allow-origin" not in headers, headers
    # Allowed: the gateway's CORS origin (the front end), loopback origins, --allow-origin.
    for origin in ["http://localhost:3000", "http://127.0.0.1:8080", "https://app.example.com"]:
        status, headers, body = raw(base, "OPTIONS", "/", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent"})
        assert status == 200 and headers["access-control-allow-origin"] == origin, (origin, status, headers)
        assert headers["access-control-allow-headers"] == "content-type,x-amz-target,x-amz-user-agent", headers
        assert "POST" in headers["access-control-allow-methods"], headers
        status, headers, body = raw(base, "POST", "/", b"{}", {
            "Origin": origin, "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"})
        assert status == 200 and headers["access-control-allow-origin"] == origin, (origin, status, body)
        assert "x-amzn-RequestId" in headers["access-control-expose-headers"], headers
    status, headers, _ = raw(base, "OPTIONS", "/", headers={"Origin": "http://evil.example",
                                                           "Access-Control-Request-Method": "POST"})
    assert status == 403 and "access-control-allow-origin" not in headers, (status, headers)


def main():
    emu = os.path.abspath(sys.argv[1])
    proc, base = start_serve(emu, "--max-body", "1000000", "--allow-origin", "https://app.example.com")
    try:
        # PutEvents: too deep is MalformedDetail; 999 levels in all is an event like any other.
        status, out = call(base, "AWSEvents.PutEvents", {"Entries": [
            {"Source": "s", "DetailType": "t", "Detail": '{"a":' + deep(110_000) + "}", "EventBusName": "bellyfed-dev"},
            {"Source": "s", "DetailType": "t", "Detail": '{"a":' + deep(998) + "}", "EventBusName": "bellyfed-dev"}]})
        assert status == 200, out
        assert out["FailedEntryCount"] == 1, out
        assert out["Entries"][0] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}, out
        assert "EventId" in out["Entries"][1], out
        for t in [1e300, -1e300, 253402300800]:  # past 9999-12-31T23:59:59Z
            status, out = call(base, "AWSEvents.PutEvents", {"Entries": [
                {"Source": "s", "DetailType": "t", "Detail": "{}", "Time": t, "EventBusName": "bellyfed-dev"}]})
            assert status == 200 and out["Entries"][0]["ErrorCode"] == "InvalidArgument", (t, out)
        status, out = call(base, "AWSEvents.PutEvents", {"Entries": [
            {"Source": "s", "DetailType": "t", "Detail": "{}", "Time": 253402300799, "EventBusName": "bellyfed-dev"}]})
        assert out["FailedEntryCount"] == 0, out
        assert health(base) == "ok"

        event = {"id": "1", "account": "1", "source": "s", "time": "2020-01-01T00:00:00Z", "region": "us-east-1",
                 "resources": [], "detail-type": "x"}
        status, out = call(base, "AWSEvents.TestEventPattern", {
            "EventPattern": '{"source": ["s"]}', "Event": json.dumps(event)[:-1] + ',"detail":' + deep(100_000) + "}"})
        assert status == 400 and out == {"__type": "ValidationException", "message": "Parameter Event is not valid."}, out
        status, out = call(base, "AWSEvents.PutRule", {"Name": "deep", "EventPattern": '{"a":' + deep(1200) + "}"})
        assert status == 400 and out["__type"] == "InvalidEventPatternException", out
        assert "nests deeper than 1000 levels" in out["message"], out
        assert health(base) == "ok"

        # Nine fields under objects inside an array, twelve elements, no element holding all nine.
        items = [{"f%d" % f: ("hit" if i % 9 == f else "miss") for f in range(9)} for i in range(12)]
        status, out = call(base, "AWSEvents.TestEventPattern", {
            "EventPattern": json.dumps({"detail": {"items": {"f%d" % f: ["hit"] for f in range(9)}}}),
            "Event": json.dumps(dict(event, detail={"items": items}))})
        assert status == 200 and out == {"Result": False}, out
        assert health(base) == "ok"

        # An SQS message body 120,000 levels deep, sent into the import flow.
        url = base + "/000000000000/restaurant-import-dev"
        status, out = call(base, "AmazonSQS.SendMessage", {"QueueUrl": url, "MessageBody": deep(120_000)}, "1.0")
        assert status == 200 and "MessageId" in out, out
        for _ in range(1200):  # the event source mapping polls in real time
            logs = json.load(urllib.request.urlopen(base + "/_emu/logs?function=EventProcessor-dev", timeout=10))
            if any("not a JSON object" in e["message"] for e in logs["events"]):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the Event Processor never reported the record: %s" % logs)
        assert health(base) == "ok"

        port = int(base.rsplit(":", 1)[1])
        held, stop = [], threading.Event()
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /_emu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            s.recv(4096)
            held.append(s)

        def slowloris():
            s = socket.create_connection(("127.0.0.1", port))
            held.append(s)
            s.sendall(b"GET /_emu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not stop.wait(1):
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    return
        slow = [threading.Thread(target=slowloris, daemon=True) for _ in range(50)]
        for t in slow:
            t.start()
        try:
            for _ in range(20):  # a fixed pool of a few threads would hold these until the trickle ends
                assert health(base) == "ok"
        finally:
            stop.set()
            for s in held:
                s.close()

        framing(port)
        cross_site(base)
        sqs = client("sqs", base)
        big = sqs.create_queue(QueueName="big")["QueueUrl"]
        sqs.send_message(QueueUrl=big, MessageBody="a" * 200_000)
        assert len(sqs.receive_message(QueueUrl=big)["Messages"][0]["Body"]) == 200_000
        for bad in ["abc", "1e", "", ".", "1.2.3", "0x10"]:
            try:
                sqs.send_message(QueueUrl=big, MessageBody="x",
                                 MessageAttributes={"Age": {"DataType": "Number", "StringValue": bad}})
                raise AssertionError("Number attribute %r accepted" % bad)
            except sqs.exceptions.ClientError as e:
                assert e.response["Error"]["Code"] in ("InvalidParameterValue", "InvalidParameterValueException"), e.response
                assert e.response["Error"]["Message"] == "Can't cast the value of message (user) attribute 'Age' to a number.", e.response
        for good in ["42", "-1.5", "+.5", "6.02E23"]:
            sqs.send_message(QueueUrl=big, MessageBody="x", MessageAttributes={"Age": {"DataType": "Number.int", "StringValue": good}})
        form = urllib.request.Request(base + "/_emu/dev/actions/createRestaurant",
                                      data=("name=" + "a" * 9000 + "&address=x").encode(),
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert json.load(urllib.request.urlopen(form)) == {"error": "name: must be at most 200 characters"}
        conn = http.client.HTTPConnection(base.split("//")[1])
        conn.request("POST", "/", body=(b"x" * 1000 for _ in range(2000)), encode_chunked=True,
                     headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"})
        r = conn.getresponse()
        assert r.status == 413 and json.loads(r.read())["__type"] == "RequestEntityTooLarge"

        for method, path, body, ctype in [("GET", "/%FF", None, None), ("GET", "/dev/%FF/x", None, None),
                                          ("GET", "/_emu/events?bus=%FF", None, None),
                                          ("GET", "/_emu/traces?since=%FF", None, None),
                                          ("POST", "/_emu/dev/actions/createRestaurant", b'{"name": "\xff"}', "application/json"),
                                          ("POST", "/", b'{"QueueName": "\xff"}', "application/x-amz-json-1.0")]:
            req = urllib.request.Request(base + path, data=body, method=method,
                                         headers={"Content-Type": ctype or "text/plain", "X-Amz-Target": "AmazonSQS.CreateQueue"}
                                         if body and path == "/" else {"Content-Type": ctype or "text/plain"})
            try:
                status = urllib.request.urlopen(req).status
            except urllib.error.HTTPError as e:
                status = e.code
            assert 400 <= status < 500, (path, status)
        form = urllib.request.Request(base + "/_emu/dev/actions/createRestaurant", data=b"name=%FF&address=x",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert json.load(urllib.request.urlopen(form)) == {"error": "name: must be UTF-8 text"}
        assert urllib.request.urlopen(base + "/_emu/traces?limit=10000").status == 200
        assert health(base) == "ok"
    finally:
        rc = proc.poll()
        stop_serve(proc)  # exit 0 and no sanitizer report, or it shows serve's stderr
    assert rc is None, "serve died during the test with %s" % rc
    restarts(emu)
    print("hostile_test: ok")


if __name__ == "__main__":
    main()
