#!/usr/bin/python3
"""A drivable serve and `run --target`: the admin API (clock, reset, fixtures, faults, steps,
checks), serve --clock virtual / --fixtures / --init, and scenario files run against a running
serve — the shipped ones pass, a changed expectation fails, a deployed stage runs only what a
client can do, an unreachable target is exit 3.

usage: target_test.py EMU SOURCE_DIR
"""
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from wire import start_serve, stop_serve  # noqa: E402

EMU, SRC = os.path.abspath(sys.argv[1]), sys.argv[2]


def call(base, method, path, body=None):
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None and not isinstance(body, str):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def run(*args, cwd=SRC, env=None):
    env = dict(os.environ if env is None else env)
    p = subprocess.run([EMU, "run", "--no-color", *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                       env=env)
    return p.returncode, p.stdout + p.stderr


def test_admin_api():
    proc, base = start_serve(EMU, "--clock", "virtual", "--start", "2025-03-01T10:00:00Z")
    try:
        # Virtual: time stands still until told.
        assert call(base, "GET", "/_emu/clock")[1]["now"] == "2025-03-01T10:00:00.000Z"
        st, r = call(base, "POST", "/_emu/clock", {"advance": "90s"})
        assert st == 200 and r["now"] == "2025-03-01T10:01:30.000Z" and r["virtual"] is True, r
        assert call(base, "GET", "/_emu/clock")[1]["now"] == "2025-03-01T10:01:30.000Z"
        # Bad values: 400 naming the field.
        for body, field in [({"advance": "soon"}, "advance"), ({"set": "yesterday"}, "set"),
                            ({"mode": "fast"}, "mode"), ({"speed": 2}, "speed"),
                            ({"set": "2020-01-01T00:00:00Z"}, "set")]:
            st, r = call(base, "POST", "/_emu/clock", body)
            assert st == 400 and field in r["message"], (body, st, r)
        st, r = call(base, "POST", "/_emu/reset", {"seed": -1})
        assert st == 400 and "seed" in r["message"], r
        # Faults and steps: the scenario shapes.
        assert call(base, "POST", "/_emu/faults", {"function": "echo", "fail": 1, "error": "boom"})[0] == 200
        st, r = call(base, "POST", "/_emu/steps", {"kind": "invoke", "params": {"function": "echo", "event": {"a": 1}}})
        assert r == {"error": {"type": "Unhandled", "message": "boom"}}, r
        st, r = call(base, "POST", "/_emu/steps", {"kind": "invoke", "params": {"function": "echo", "event": {"a": 1}}})
        assert r == {"a": 1}, r
        st, r = call(base, "POST", "/_emu/steps", {"kind": "teleport"})
        assert st == 400 and "unknown step kind 'teleport'" in r["message"], r
        st, r = call(base, "POST", "/_emu/faults", {"function": "echo"})
        assert st == 400 and "fail: N" in r["message"], r
        # Fixtures, then a check with a template from vars.
        st, r = call(base, "POST", "/_emu/fixtures",
                     "tables:\n  FoodEstablishment:\n    - {PK: 'EST#r-1', SK: 'META#r-1', name: Pho Place}\n")
        assert st == 200 and r["written"] == 1, r
        st, r = call(base, "POST", "/_emu/fixtures", {"tables": {"Nope": [{}]}})
        assert st == 400 and "no such table" in r["message"], r
        st, r = call(base, "POST", "/_emu/checks",
                     {"expect": {"item": {"table": "FoodEstablishment", "key": {"PK": "EST#${id}", "SK": "META#${id}"},
                                          "is": {"name": "Pho Place"}}}, "vars": {"id": "r-1"}})
        assert st == 200 and r["passed"] is True, r
        st, r = call(base, "POST", "/_emu/checks", {"expect": {"item": {"table": "FoodEstablishment",
                                                                       "key": {"PK": "EST#r-2", "SK": "META#r-2"}}}})
        assert r["passed"] is False and "no item" in r["checks"][0]["details"][0], r
        # Reset: the stores go back to the definition, the clock and ids restart.
        st, r = call(base, "POST", "/_emu/reset", {"seed": 7, "clock": "2024-12-01T00:00:00Z"})
        assert st == 200 and r["now"] == "2024-12-01T00:00:00.000Z", r
        st, r = call(base, "POST", "/_emu/checks", {"expect": {"item": {"table": "FoodEstablishment",
                                                                       "key": {"PK": "EST#r-1", "SK": "META#r-1"}}}})
        assert r["passed"] is False, r
        first = call(base, "POST", "/_emu/ids")[1]["uuid"]
        call(base, "POST", "/_emu/reset", {"seed": 7})
        assert call(base, "POST", "/_emu/ids")[1]["uuid"] == first
    finally:
        stop_serve(proc)


def test_fixtures_and_init():
    with tempfile.TemporaryDirectory() as d:
        fx = os.path.join(d, "fx.yaml")
        with open(fx, "w") as f:
            f.write("tables:\n  FoodEstablishment:\n    - {PK: 'EST#r-9', SK: 'META#r-9', name: Start}\n")
        init = os.path.join(d, "init.yaml")
        with open(init, "w") as f:
            f.write("scenario: init\nsteps:\n  - aws: {service: dynamodb, action: PutItem, params: {TableName: "
                    "FoodEstablishment, Item: {PK: {S: 'EST#r-8'}, SK: {S: 'META#r-8'}}}}\n")
        proc, base = start_serve(EMU, "--fixtures", fx, "--init", init)
        try:
            subprocess.run([EMU, "wait", "--endpoint", base], check=True, timeout=30)
            for rid in ("r-8", "r-9"):
                st, r = call(base, "POST", "/_emu/checks", {"expect": {"item": {
                    "table": "FoodEstablishment", "key": {"PK": "EST#" + rid, "SK": "META#" + rid}}}})
                assert r["passed"] is True, (rid, r)
            # A reset keeps the start fixtures (not what init wrote).
            call(base, "POST", "/_emu/reset", {})
            st, r = call(base, "POST", "/_emu/checks", {"expect": {"item": {
                "table": "FoodEstablishment", "key": {"PK": "EST#r-9", "SK": "META#r-9"}}}})
            assert r["passed"] is True, r
        finally:
            stop_serve(proc)
        # A failing init stops serve with exit 4 and says why.
        with open(init, "w") as f:
            f.write("scenario: init\nsteps:\n  - invoke: {function: echo, event: {a: 1}}\n    expect: {a: 2}\n")
        p = subprocess.run([EMU, "serve", "--port", "0", "--init", init], capture_output=True, text=True, timeout=60)
        assert p.returncode == 4 and "expected number 2, got number 1" in p.stderr, (p.returncode, p.stderr)
    # Reset never erases stores on disk.
    with tempfile.TemporaryDirectory() as d:
        proc, base = start_serve(EMU, "--data-dir", d)
        try:
            st, r = call(base, "POST", "/_emu/reset", {})
            assert st == 400 and "--data-dir" in r["message"], r
        finally:
            stop_serve(proc)


def test_target_runs_shipped_scenarios():
    proc, base = start_serve(EMU)
    try:
        rc, out = run("--target", base, "scenarios")
        assert rc == 0 and "0 failed, 0 errors" in out, out
        # A changed expectation fails, as in process: exit 4.
        rc, out = run("--target", base, "tests/failing/mismatch.yaml")
        assert rc == 4 and 'expected string "Pho Palace"' in out, out
        # A var that uses a template, read by a check that runs in the serve.
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "vars.yaml")
            with open(f, "w") as out_file:
                out_file.write('scenario: vars in checks\nvars: {bus: "bellyfed-${stage}"}\nsteps:\n'
                               '  - invoke: {function: echo, event: {bus: "${bus}"}}\n'
                               '  - expect: {invocations: {function: echo, match: {bus: ["${bus}"]}, count: 1}}\n')
            for args in ([f], ["--target", base, f]):
                rc, out = run(*args, cwd=d)
                assert rc == 0, (args, out)
        rc, out = run("--target", base, "--jobs", "2", "scenarios")
        assert rc == 1 and "one scenario at a time" in out, out
    finally:
        stop_serve(proc)
    # Nothing listening: exit 3, naming the URL.
    rc, out = run("--target", "http://127.0.0.1:9", "scenarios/runner/echo.yaml")
    assert rc == 3 and "http://127.0.0.1:9" in out, out


class DeployedStage(http.server.BaseHTTPRequestHandler):
    """A stand-in for a deployed API: no /_emu, one route."""

    def do_GET(self):
        status, body = (200, b'{"hello":"world"}') if self.path.startswith("/dev/hello") else (404, b'{}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_target_not_an_emulator():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DeployedStage)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % srv.server_address[1]
    try:
        with tempfile.TemporaryDirectory() as d:
            ok = os.path.join(d, "ok.yaml")
            with open(ok, "w") as f:
                f.write("scenario: outside\nsteps:\n  - http: {path: /hello, headers: {X-Api-Key: k}}\n"
                        "    expect: {status: 200, body: {hello: world}}\n")
            rc, out = run("--target", url, ok, cwd=d)
            assert rc == 0, out
            inside = os.path.join(d, "inside.yaml")
            with open(inside, "w") as f:
                f.write("scenario: inside\nsteps:\n  - http: {path: /hello}\n  - advance: 30s\n")
            rc, out = run("--target", url, inside, ok, cwd=d)
            assert rc == 2 and 'step 2 "advance" (advance) needs a bellyfed-emu target' in out, out
            # aws steps go to the AWS endpoint (AWS_ENDPOINT_URL here: an emulator standing in for
            # AWS), signed with the environment's credentials; without them they are refused.
            aws = os.path.join(d, "aws.yaml")
            with open(aws, "w") as f:
                f.write("scenario: aws\nsteps:\n  - aws: {service: dynamodb, action: DescribeTable, "
                        "params: {TableName: FoodEstablishment}}\n    expect: {Table: {TableName: FoodEstablishment-dev}}\n")
            bare = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            rc, out = run("--target", url, aws, cwd=d, env=bare)
            assert rc == 2 and "AWS_ACCESS_KEY_ID" in out, out
            proc, base = start_serve(EMU)
            try:
                env = dict(bare, AWS_ENDPOINT_URL=base, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="s",
                           AWS_REGION="us-east-1")
                rc, out = run("--target", url, aws, cwd=d, env=env)
                assert rc == 0, out
            finally:
                stop_serve(proc)
    finally:
        srv.shutdown()


def test_record_and_replay():
    import boto3
    from botocore.config import Config
    with tempfile.TemporaryDirectory() as d:
        rec = os.path.join(d, "session.yaml")
        proc, base = start_serve(EMU, "--record", rec)
        try:
            st, r = call(base, "POST", "/_emu/dev/actions/createRestaurant",
                         {"name": "Pho Place", "address": "1 Main St", "city": "Seattle", "cuisineType": "Vietnamese"})
            assert st == 200 and "data" in r, r
            rid = r["data"]["id"]
            # Written as it goes: the step is in the file while serve runs.
            assert "createRestaurant" in open(rec).read()
            call(base, "POST", "/_emu/clock", {"advance": "5s"})  # the relay publishes, the consumer projects
            req = urllib.request.Request(base + "/dev/restaurants/" + rid,
                                         headers={"X-Api-Key": "bellyfed-dev-local-key-0001"})
            with urllib.request.urlopen(req) as got:
                assert json.loads(got.read())["name"] == "Pho Place"
            # SQS through Debian's boto3 (the query protocol), then a DynamoDB read.
            kw = dict(endpoint_url=base, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y",
                      config=Config(retries={"total_max_attempts": 1}))
            sqs = boto3.client("sqs", **kw)
            sqs.send_message(QueueUrl=base + "/000000000000/restaurant-import-dev",
                             MessageBody=json.dumps({"id": "r-100", "name": "Taco", "city": "Seattle",
                                                     "cuisineType": "Mexican"}))
            call(base, "POST", "/_emu/clock", {"advance": "5s"})
            ddb = boto3.client("dynamodb", **kw)
            item = ddb.get_item(TableName="FoodEstablishment-dev",
                                Key={"PK": {"S": "EST#r-100"}, "SK": {"S": "META#r-100"}})["Item"]
            assert item["name"]["S"] == "Taco"
            try:
                ddb.get_item(TableName="Nope", Key={"PK": {"S": "x"}})
            except ddb.exceptions.ResourceNotFoundException:
                pass
        finally:
            stop_serve(proc)
        text = open(rec).read()
        assert "${api_key}" in text and "${id_1}" in text and "bellyfed-dev-local-key-0001" not in text, text
        assert "error: {type: ResourceNotFoundException}" in text.replace('"', ""), text
        rc, out = run(rec, cwd=d)
        assert rc == 0, out + text
        # Change one recorded expectation: the replay fails.
        with open(rec, "w") as f:
            f.write(text.replace('"name": {"S": "Taco"}', '"name": {"S": "Burrito"}', 1))
        rc, out = run(rec, cwd=d)
        assert rc == 4 and "Burrito" in out, out
    # kill -9 keeps what was recorded, and the file replays.
    with tempfile.TemporaryDirectory() as d:
        rec = os.path.join(d, "crash.yaml")
        proc, base = start_serve(EMU, "--record", rec)
        st, r = call(base, "POST", "/_emu/dev/actions/createRestaurant",
                     {"name": "Crash Cafe", "address": "2 Main St", "city": "Boston", "cuisineType": "Diner"})
        assert st == 200, r
        proc.kill()
        proc.wait()
        rc, out = run(rec, cwd=d)
        assert rc == 0 and "(3 steps" in out, out + open(rec).read()
    # A recording that cannot be written is refused at start.
    p = subprocess.run([EMU, "serve", "--port", "0", "--record", "/nonexistent/dir/s.yaml"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 3 and "/nonexistent/dir/s.yaml" in p.stderr, p.stderr


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn()
            print("ok", name)
