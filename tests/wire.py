"""Shared by the Python wire tests: Debian's boto3 (whatever python3 runs them), `serve` started
on a free loopback port, AWS errors expected by code, and Debian's AWS CLI run against `serve`."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, "/usr/lib/python3/dist-packages")  # Debian's boto3 1.26, whatever python3 runs this
import boto3  # noqa: E402,F401  (re-exported for the tests)
import botocore.exceptions  # noqa: E402


def start_serve(emu, *args, cwd=None):
    """Starts `emu serve` on a free port (in `cwd`, if given); returns (process, base URL)."""
    proc = subprocess.Popen([emu, "serve", "--port", "0", "--log-level", "warn", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    m = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline())
    assert m, "serve did not start"
    return proc, m.group(1)


def stop_serve(proc, check=True):
    """Stops `serve` with SIGTERM. With `check` (the default) it must exit 0 and its stderr must
    hold no sanitizer report (a leak or undefined behaviour found at exit); the stderr is shown
    when not. `check=False` only for a test's cleanup after it already failed. Returns the stderr."""
    if proc.poll() is None:
        proc.terminate()
    rc = proc.wait(timeout=30)
    err = proc.stderr.read() if proc.stderr else ""
    if check:
        bad = rc != 0 or "Sanitizer" in err or "runtime error:" in err
        assert not bad, "serve exited %d; its stderr ends:\n%s" % (rc, err[-4000:])
    return err


def client(service, base):
    return boto3.client(service, endpoint_url=base, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def expect_error(code, fn, *args, contains=None, **kwargs):
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, "expected %s, got %s: %s" % (code, got, e.response["Error"])
        if contains:
            assert contains in e.response["Error"]["Message"], e.response["Error"]["Message"]
        return e
    raise AssertionError("expected %s from %s" % (code, fn.__name__))


def aws_cli(base, service, *args):
    """Debian's AWS CLI (/usr/bin/aws): (exit status, parsed JSON output or None, stderr)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
               AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", base, "--output", "json", service] + list(args),
                       capture_output=True, text=True, env=env, timeout=120)
    return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else None), r.stderr
