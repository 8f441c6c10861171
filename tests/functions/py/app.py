import json
import logging
import os

logger = logging.getLogger()


def handler(event, context):
    logger.info("python got %s", event["path"])
    print("plain print")
    return {"statusCode": 200, "body": json.dumps({
        "kind": "python",
        "functionName": context.function_name,
        "remainingPositive": context.get_remaining_time_in_millis() > 0,
        "taskRoot": os.environ["LAMBDA_TASK_ROOT"].endswith("/py"),
    })}


def fails(event, context):
    raise ValueError("bad value from python")
