"""User code inside the emulated system, through serve's API Gateway as a frontend would call it
(tests/functions/system.yaml) and through the Lambda API (boto3, the AWS CLI): the shipped nodejs runtime (ES module with SDK-style calls back
into DynamoDB through AWS_ENDPOINT_URL, held to its permissions; CommonJS callback), the python runtime, a custom runtime
over the Runtime API (exec), a server (http), and code that throws, times out, exits, is missing,
answers 7 MB, prints 50 MB, forks, or never asks for an event. Then no user process outlives
serve: neither after SIGTERM nor after SIGKILL (the guard). Then `run` with the same functions.
"""
import base64
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import botocore.config  # noqa: E402  (Debian's, as wire arranges)
from wire import aws_cli, boto3, client, expect_error, start_serve, stop_serve  # noqa: E402

EMU = sys.argv[1]
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functions")


def get(base, path):
    try:
        with urllib.request.urlopen(base + "/dev" + path, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def logs(base, fn):
    with urllib.request.urlopen(base + "/_emu/logs?function=" + fn + "-dev", timeout=30) as r:
        return [e["message"] for e in json.load(r)["events"]]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open("/proc/%d/stat" % pid) as f:  # a zombie is gone for our purpose
        return f.read().split(")")[-1].split()[0] != "Z"


def wait_gone(pids, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    left = [p for p in pids if alive(p)]
    assert not left, "user processes outlived serve: %s" % left


class Web(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"statusCode": 200, "body": json.dumps({"kind": "http", "path": event["path"],
                                                                  "rid": bool(self.headers["Lambda-Runtime-Aws-Request-Id"])})})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def setup(work):
    """The definition with the test server's port, beside links to the handlers' code."""
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Web)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    for d in ("esm", "cjs", "py", "custom"):
        os.symlink(os.path.join(HERE, d), os.path.join(work, d))
    with open(os.path.join(HERE, "system.yaml")) as f:
        text = f.read().replace("${WEB_PORT}", str(web.server_address[1]))
    path = os.path.join(work, "system.yaml")
    with open(path, "w") as f:
        f.write(text)
    return web, path


def check_lambda_api(base):
    """The Lambda API on the same functions: boto3 and Debian's AWS CLI."""
    lam = client("lambda", base)
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert "Esm-dev" in names and "Py-dev" in names and "Web-dev" in names, names
    conf = lam.get_function_configuration(FunctionName="Py-dev")
    assert conf["Runtime"] == "python3.12" and conf["Handler"] == "app.handler" and conf["Timeout"] == 3, conf

    out = lam.invoke(FunctionName="Esm-dev", Payload=json.dumps({"path": "/via-invoke"}), LogType="Tail")
    assert out["StatusCode"] == 200 and "FunctionError" not in out, out
    assert json.loads(json.loads(out["Payload"].read())["body"])["path"] == "/via-invoke"
    tail = base64.b64decode(out["LogResult"]).decode()
    assert "\tINFO\tpath /via-invoke\n" in tail and "REPORT RequestId: " in tail, tail

    bad = lam.invoke(FunctionName="PyFails-dev", Payload=b"{}")
    assert bad["FunctionError"] == "Unhandled", bad
    doc = json.loads(bad["Payload"].read())
    assert doc["errorType"] == "ValueError" and doc["errorMessage"] == "bad value from python", doc
    assert isinstance(doc["stackTrace"], list), doc
    expect_error("ResourceNotFoundException", lam.invoke, FunctionName="Nope-dev", Payload=b"{}")

    # Event: Lambda's own retries (none here) end in the on-failure destination, a queue.
    sqs = client("sqs", base)
    url = sqs.get_queue_url(QueueName="failed-dev")["QueueUrl"]
    lam.put_function_event_invoke_config(
        FunctionName="Throws-dev", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:failed-dev"}})
    queued = lam.invoke(FunctionName="Throws-dev", InvocationType="Event", Payload=json.dumps({"n": 1}))
    assert queued["StatusCode"] == 202, queued
    record = None
    for _ in range(300):
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages")
        if got:
            record = json.loads(got[0]["Body"])
            break
    assert record, "the failure record reached the destination queue"
    assert record["requestContext"]["condition"] == "RetriesExhausted", record
    assert record["requestContext"]["requestId"] == queued["ResponseMetadata"]["RequestId"], record
    assert record["requestPayload"] == {"n": 1} and record["responsePayload"]["errorType"] == "TypeError", record

    # An answer that is not JSON comes back as it was.
    raw = lam.invoke(FunctionName="Custom-dev", Payload=json.dumps({"raw": True}))
    assert raw["StatusCode"] == 200 and "FunctionError" not in raw, raw
    assert raw["Payload"].read() == b"plain text, not JSON"

    # Past its reserved concurrency (1), a function is throttled while the first runs.
    first = {}
    t = threading.Thread(target=lambda: first.update(client("lambda", base).invoke(FunctionName="OneAtATime-dev",
                                                                                     Payload=b"{}")))
    t.start()
    for _ in range(200):  # the first invocation's environment is busy once its START is logged
        if any(l.startswith("START") for l in logs(base, "OneAtATime")):
            break
        time.sleep(0.05)
    once = boto3.client(
        "lambda", endpoint_url=base, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"total_max_attempts": 1}))  # boto3 retries a 429 by itself
    err = expect_error("TooManyRequestsException", once.invoke, FunctionName="OneAtATime-dev", Payload=b"{}")
    assert err.response["Error"]["Message"] == "Rate Exceeded.", err.response
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    t.join()
    assert first["StatusCode"] == 200 and "FunctionError" not in first, first

    if os.path.exists("/usr/bin/aws"):
        outfile = os.path.join(tempfile.mkdtemp(prefix="emu_lambda_cli_"), "out.json")
        rc, answer, err = aws_cli(base, "lambda", "invoke", "--function-name", "Py-dev", "--cli-binary-format",
                                  "raw-in-base64-out", "--payload", '{"path": "/cli"}', outfile)
        assert rc == 0 and answer["StatusCode"] == 200, (rc, answer, err)
        with open(outfile) as f:
            assert json.loads(json.load(f)["body"])["kind"] == "python"
        shutil.rmtree(os.path.dirname(outfile))
    elif os.environ.get("CI") == "true":
        raise AssertionError("/usr/bin/aws is missing")


def check_serve(system):
    proc, base = start_serve(EMU, "--system", system)
    try:
        with urllib.request.urlopen(base + "/_emu/health", timeout=30) as r:
            assert json.load(r)["not_emulated"] == [], "every function's code is found"

        status, body = get(base, "/esm")
        assert status == 200, (status, body)
        esm = json.loads(body)
        assert esm["kind"] == "esm" and esm["path"] == "/esm" and esm["functionName"] == "Esm-dev", esm
        assert esm["memory"] == "128" and esm["logGroup"] == "/aws/lambda/Esm-dev" and esm["remainingPositive"], esm
        assert esm["greeting"] == "hello" and esm["tz"] == ":UTC" and esm["region"] == "us-east-1", esm
        assert esm["handler"] == "index.handler" and esm["accessKey"].startswith("ASIAEMU"), esm
        assert esm["things"] == 1, "the handler's PutItem and Scan came back to the emulator: %s" % esm
        assert esm["denied"] == {
            "__type": "com.amazonaws.dynamodb.v20120810#AccessDeniedException",
            "message": "User: arn:aws:sts::000000000000:assumed-role/Esm-dev-role/Esm-dev is not authorized to "
                       "perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Secret-dev "
                       "because no identity-based policy allows the dynamodb:PutItem action"}, esm["denied"]
        status, body = get(base, "/esm")  # warm: the same process, the table has both items
        again = json.loads(body)
        assert again["pid"] == esm["pid"] and again["things"] == 2, again
        lines = logs(base, "Esm")
        assert lines[0].startswith("START RequestId: ") and lines[1].endswith("\tINFO\tpath /esm"), lines[:3]
        assert lines[2].endswith("\tINFO\ttwo\rlines"), lines[2]
        reports = [l for l in lines if l.startswith("REPORT ")]
        assert len(reports) == 2 and "Init Duration: " in reports[0] and "Init Duration" not in reports[1], reports
        assert "\tMemory Size: 128 MB\tMax Memory Used: " in reports[0] and "Billed Duration: " in reports[0]

        status, body = get(base, "/cjs")
        assert status == 200 and json.loads(body) == {"kind": "cjs", "id": 36}, (status, body)

        status, body = get(base, "/py")
        assert status == 200, (status, body)
        assert json.loads(body) == {"kind": "python", "functionName": "Py-dev", "remainingPositive": True,
                                    "taskRoot": True}, body
        py = logs(base, "Py")
        assert any(l.startswith("[INFO]\t") and l.endswith("\tpython got /py") for l in py), py
        assert "plain print" in py, py

        status, body = get(base, "/custom")
        assert status == 200, (status, body)
        custom = json.loads(body)
        assert custom["kind"] == "custom" and custom["deadline"], custom
        assert custom["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:Custom-dev", custom
        assert custom["seen"]["unknown"] == [400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}]
        status, body = get(base, "/custom")  # reports how the first answer and the second went
        seen = json.loads(body)["seen"]
        assert seen["first"] == [202, {"status": "OK"}], seen
        assert seen["twice"][0] == 400 and seen["twice"][1]["errorType"] == "InvalidRequestID", seen

        status, body = get(base, "/web")
        assert status == 200 and json.loads(body) == {"kind": "http", "path": "/web", "rid": True}, (status, body)

        # Misbehaving code: the gateway answers 502, the log says why, the emulator carries on.
        for path, fn, expect in [
            ("/throws", "Throws", "\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"boom from user code\""),
            ("/slow", "Slow", "Error: Task timed out after 1.00 seconds"),
            ("/crash", "Crash", "Error: Runtime exited with error: exit status 3"),
            ("/missing", "Missing", "index.nothing is undefined or not exported"),
            ("/big", "Big", "Response payload size exceeded maximum allowed payload size (6291556 bytes)."),
            ("/pyfails", "PyFails", "[ERROR] ValueError: bad value from python"),
            ("/never", "NeverAsks", "Init phase timed out after 10.00 seconds"),
        ]:
            status, body = get(base, path)
            assert status == 502, (path, status, body)
            got = logs(base, fn)
            assert any(expect in l for l in got), (path, expect, got)
        status, body = get(base, "/slow")  # a new environment after the timeout killed the last
        assert status == 502 and sum(l.startswith("REPORT ") and "Init Duration" in l for l in logs(base, "Slow")) == 2

        status, body = get(base, "/chatty")
        assert status == 200 and json.loads(body) == {"chatty": True}, (status, body)
        chatty = logs(base, "Chatty")
        assert any("bytes of output dropped" in l for l in chatty), chatty[-3:]
        assert sum(len(l) for l in chatty) < 2 * 1024 * 1024

        status, body = get(base, "/forks")
        forks = json.loads(body)
        assert alive(forks["pid"]) and alive(forks["child"]), forks
        status, body = get(base, "/esm")
        assert status == 200, "still serving"
        check_lambda_api(base)
    except BaseException:
        stop_serve(proc, check=False)
        raise
    stop_serve(proc)
    wait_gone([esm["pid"], forks["pid"], forks["child"]])

    # SIGKILL: serve cannot clean up; the guard does.
    proc, base = start_serve(EMU, "--system", system)
    status, body = get(base, "/forks")
    forks = json.loads(body)
    assert alive(forks["pid"]) and alive(forks["child"]), forks
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    wait_gone([forks["pid"], forks["child"]])


SCENARIO = """scenario: user code in run
steps:
  - name: the ES module handler, with its calls back into DynamoDB
    http: {method: GET, path: /esm}
    expect: {status: 200, body: {kind: esm, functionName: Esm-dev, things: 1}}
  - name: warm, the same process
    http: {method: GET, path: /esm}
    expect: {status: 200, body: {things: 2}}
  - name: python
    http: {method: GET, path: /py}
    expect: {status: 200, body: {kind: python}}
  - name: a function error is the gateway's 502
    http: {method: GET, path: /throws}
    expect: {status: 502}
"""


def check_run(system, work):
    path = os.path.join(work, "user_code.yaml")
    with open(path, "w") as f:
        f.write(SCENARIO)
    r = subprocess.run([EMU, "run", "--system", system, path], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 scenarios: 1 passed" in r.stdout or "1 passed" in r.stdout, r.stdout


def function_pids(name):
    """Processes whose environment names function `name` (our user's own)."""
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/environ" % d, "rb") as f:
                    if b"AWS_LAMBDA_FUNCTION_NAME=" + name.encode() + b"\0" in f.read():
                        pids.append(int(d))
            except OSError:
                pass
    return [p for p in pids if alive(p)]


def check_run_killed(system, work):
    """`run` killed (SIGKILL) while user code runs: the guard ends the user processes."""
    path = os.path.join(work, "hang.yaml")
    with open(path, "w") as f:
        f.write("scenario: user code still running when run is killed\nsteps:\n"
                "  - http: {method: GET, path: /forks}\n"
                "  - http: {method: GET, path: /one}\n")
    proc = subprocess.Popen([EMU, "run", "--system", system, path], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pids = []
    for _ in range(600):
        pids = function_pids("OneAtATime-dev")  # answers after 5 s
        if pids:
            break
        time.sleep(0.01)
    forks = function_pids("Forks-dev")  # the handler and the `sleep` it started
    assert pids and len(forks) >= 2, (pids, forks)
    proc.kill()
    proc.wait()
    wait_gone(pids + forks)


def main():
    work = tempfile.mkdtemp(prefix="emu_functions_")
    try:
        web, system = setup(work)
        check_serve(system)
        check_run(system, work)
        check_run_killed(system, work)
        web.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("functions: ok")


main()
