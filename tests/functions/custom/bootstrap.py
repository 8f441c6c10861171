# A custom runtime (as provided.al2023's `bootstrap`): the Runtime API by hand. It also answers
# an unknown request id and answers twice, and reports what the API said in its next answer.
import http.client
import json
import os

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
seen = {}
while True:
    c = http.client.HTTPConnection(host, int(port))
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    if isinstance(event, dict) and event.get("raw"):
        c.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, body=b"plain text, not JSON")
        c.getresponse().read()
        c.close()
        continue
    c.request("POST", "/2018-06-01/runtime/invocation/not-a-request/response", body=b"{}")
    unknown = c.getresponse()
    seen["unknown"] = [unknown.status, json.loads(unknown.read())]
    body = {"statusCode": 200, "body": json.dumps({"kind": "custom", "seen": seen,
                                                   "arn": r.getheader("Lambda-Runtime-Invoked-Function-Arn"),
                                                   "deadline": int(r.getheader("Lambda-Runtime-Deadline-Ms")) > 0})}
    c.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, body=json.dumps(body).encode())
    first = c.getresponse()
    seen["first"] = [first.status, json.loads(first.read())]
    c.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, body=b"{}")
    twice = c.getresponse()
    seen["twice"] = [twice.status, json.loads(twice.read())]
    c.close()
