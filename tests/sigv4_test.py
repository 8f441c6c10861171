#!/usr/bin/python3
"""run --target signs its AWS calls with SigV4: for the same request, credentials and time, the
signer gives the headers botocore (Debian's python3-botocore) gives.

usage: sigv4_test.py SIGN_TOOL CASES.json
"""
import datetime
import json
import subprocess
import sys
import urllib.parse
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

tool, cases_file = sys.argv[1], sys.argv[2]
cases = json.load(open(cases_file))
ours = json.loads(subprocess.run([tool], input=json.dumps(cases), capture_output=True, text=True, check=True).stdout)

for case, mine in zip(cases, ours):
    query = "&".join("%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                     for k, v in case["query"])
    url = "http://%s%s%s" % (case["host"], case["path"], "?" + query if query else "")
    req = AWSRequest(method=case["method"], url=url, data=case["body"].encode(), headers=dict(case["headers"]))
    creds = Credentials(case["access_key_id"], case["secret_access_key"], case.get("session_token"))
    at = datetime.datetime.strptime(case["time"], "%Y-%m-%dT%H:%M:%SZ")
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = at
        SigV4Auth(creds, case["service"], case["region"]).add_auth(req)
    for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
        theirs = req.headers.get(name)
        assert mine.get(name) == theirs, "%s: %s: botocore %r, ours %r" % (case["name"], name, theirs, mine.get(name))
    print("ok", case["name"])
