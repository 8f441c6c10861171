# bellyfed-emu's Python runtime: loads the handler named by _HANDLER (MODULE.FUNCTION) from
# LAMBDA_TASK_ROOT and serves invocations through the Lambda Runtime API (2018-06-01) at
# AWS_LAMBDA_RUNTIME_API, as Lambda's python runtimes do. Standard library only.
# logging lines are "[LEVEL]\tREQUEST_ID\tmessage" (Lambda's format without the timestamp: the
# emulator stamps each line with its own clock); print() output is passed through.
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
host, _, port = API.rpartition(":")
conn = http.client.HTTPConnection(host, int(port))
request_id = ""


def call(method, route, body=None, headers=None):
    global conn
    for attempt in (1, 2):
        try:
            conn.request(method, "/2018-06-01/runtime" + route, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        except (http.client.HTTPException, ConnectionError):
            if attempt == 2:
                raise
            conn = http.client.HTTPConnection(host, int(port))


def error_document(exc, error_type=None):
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }


def post_error(route, exc, error_type=None):
    doc = error_document(exc, error_type)
    call("POST", route, json.dumps(doc).encode(),
         {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": doc["errorType"]})


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = request_id
        return True


def setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(aws_request_id)s\t%(message)s"))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)


class LambdaContext:
    def __init__(self, headers):
        env = os.environ
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))
        self.client_context = None
        self.identity = None

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline - int(time.time() * 1000))


class InitError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def load_handler():
    root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, root)
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        raise InitError("Runtime.MalformedHandlerName", "Bad handler '%s': expected MODULE.FUNCTION" % spec)
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as e:
        raise InitError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e))
    except ImportError as e:
        raise InitError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e))
    fn = getattr(module, function_name, None)
    if not callable(fn):
        raise InitError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return fn


def main():
    global request_id
    setup_logging()
    try:
        handler = load_handler()
    except InitError as e:
        print("[ERROR] %s: %s" % (e.error_type, e), flush=True)
        post_error("/init/error", e, e.error_type)
        sys.exit(1)
    except Exception as e:  # the module raised while loading
        print("[ERROR] %s: %s" % (type(e).__name__, e), flush=True)
        post_error("/init/error", e, "Runtime.ImportModuleError")
        sys.exit(1)
    while True:
        status, headers, body = call("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("GET /invocation/next answered %d: %r" % (status, body[:200]))
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        if headers.get("lambda-runtime-trace-id"):
            os.environ["_X_AMZN_TRACE_ID"] = headers["lambda-runtime-trace-id"]
        route = "/invocation/%s" % request_id
        try:
            event = json.loads(body)
        except ValueError as e:
            post_error(route + "/error", e, "Runtime.UnmarshalError")
            continue
        try:
            result = handler(event, LambdaContext(headers))
        except Exception as e:
            doc = error_document(e)
            print("[ERROR] %s: %s" % (doc["errorType"], doc["errorMessage"]), flush=True)
            post_error(route + "/error", e)
            continue
        try:
            payload = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            post_error(route + "/error", e, "Runtime.MarshalError")
            continue
        call("POST", route + "/response", payload, {"Content-Type": "application/json"})


main()
