#!/usr/bin/python3
"""The SQS API of `bellyfed-emu serve` through Debian's boto3 1.26 and AWS CLI 2.9, which speak
the query protocol (form bodies, XML answers): queues, send/receive/change visibility/delete,
batches, long polling, FIFO, redrive, errors in the query dialect, and the import flow end to end
(the system's restaurant-import queue through to DynamoDB)."""
import json
import os
import subprocess
import sys
import time

from wire import aws_cli, boto3, expect_error, start_serve, stop_serve  # noqa: E402  (Debian's boto3)

EMU = sys.argv[1]


def cli(base, *args):
    return aws_cli(base, "sqs", *args)


def main():
    proc, base = start_serve(EMU)
    try:
        port = base.rsplit(":", 1)[1]
        sqs = boto3.client("sqs", endpoint_url=base, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")

        urls = sqs.list_queues()["QueueUrls"]
        assert base + "/000000000000/restaurant-import-dev" in urls, urls
        q = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
        assert q == "http://127.0.0.1:%s/000000000000/orders" % port, q  # built from the Host header
        assert sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "1"})["QueueUrl"] == q  # idempotent
        expect_error("QueueAlreadyExists", sqs.create_queue, QueueName="orders", Attributes={"VisibilityTimeout": "5"})
        expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, QueueName="nope")
        expect_error("InvalidAttributeName", sqs.create_queue, QueueName="x", Attributes={"Colour": "blue"})

        # Send with attributes; the body survives \r and quotes through XML; MD5s as AWS computes them.
        body = 'line one\r\nline "two" <&>'
        sent = sqs.send_message(QueueUrl=q, MessageBody=body, MessageAttributes={
            "attribName1": {"DataType": "String", "StringValue": "attribValue 1"}})
        assert sent["MD5OfMessageAttributes"] == "19e27d4e946b072f3f58da80d94fd778", sent  # research §1.4 vector
        got = sqs.receive_message(QueueUrl=q, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"][0]
        assert got["Body"] == body and got["MessageId"] == sent["MessageId"], got
        assert got["Attributes"]["ApproximateReceiveCount"] == "1", got
        assert got["MessageAttributes"]["attribName1"]["StringValue"] == "attribValue 1", got
        assert "Messages" not in sqs.receive_message(QueueUrl=q)  # in flight
        sqs.change_message_visibility(QueueUrl=q, ReceiptHandle=got["ReceiptHandle"], VisibilityTimeout=0)
        again = sqs.receive_message(QueueUrl=q, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
        assert again["Attributes"]["ApproximateReceiveCount"] == "2" and again["ReceiptHandle"] != got["ReceiptHandle"]
        sqs.delete_message(QueueUrl=q, ReceiptHandle=again["ReceiptHandle"])
        expect_error("ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=q, ReceiptHandle="garbage")

        # Long polling: an empty wait lasts about its WaitTimeSeconds; a send from elsewhere wakes it.
        t0 = time.time()
        assert "Messages" not in sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1)
        assert 0.8 < time.time() - t0, time.time() - t0  # it waited; how much longer is the machine's business
        sender = subprocess.Popen([sys.executable, "-c", (
            "import sys, time; sys.path.insert(0, '/usr/lib/python3/dist-packages'); import boto3; time.sleep(0.5);"
            "boto3.client('sqs', endpoint_url=%r, region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t')"
            ".send_message(QueueUrl=%r, MessageBody='wake up')") % (base, q)])
        t0 = time.time()
        woke = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=10)
        sender.wait(timeout=30)
        # Woken by the send, before its 10 s were up (not answered at the deadline).
        assert woke["Messages"][0]["Body"] == "wake up" and time.time() - t0 < 9.5, (woke, time.time() - t0)
        sqs.delete_message(QueueUrl=q, ReceiptHandle=woke["Messages"][0]["ReceiptHandle"])

        # Batches: per-entry results with HTTP 200, AWS's batch errors.
        r = sqs.send_message_batch(QueueUrl=q, Entries=[{"Id": str(i), "MessageBody": "m%d" % i} for i in range(10)])
        assert len(r["Successful"]) == 10 and not r.get("Failed"), r
        expect_error("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", sqs.send_message_batch, QueueUrl=q,
                     Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
        expect_error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", sqs.send_message_batch, QueueUrl=q,
                     Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}])
        got = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10)["Messages"]
        assert len(got) == 10
        d = sqs.delete_message_batch(QueueUrl=q, Entries=[{"Id": m["MessageId"][:8], "ReceiptHandle": m["ReceiptHandle"]} for m in got])
        assert len(d["Successful"]) == 10, d
        attrs = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])["Attributes"]
        assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["VisibilityTimeout"] == "1", attrs
        assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:orders", attrs

        # FIFO: ordered within a group, deduplicated by content within five minutes.
        f = sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
        first = sqs.send_message(QueueUrl=f, MessageBody="a", MessageGroupId="g")
        assert sqs.send_message(QueueUrl=f, MessageBody="a", MessageGroupId="g")["MessageId"] == first["MessageId"]
        sqs.send_message(QueueUrl=f, MessageBody="b", MessageGroupId="g")
        expect_error("MissingParameter", sqs.send_message, QueueUrl=f, MessageBody="c")
        bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=f, MaxNumberOfMessages=10)["Messages"]]
        assert bodies == ["a", "b"], bodies

        # Redrive: past maxReceiveCount the message moves to the dead-letter queue.
        dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
        src = sqs.create_queue(QueueName="flaky", Attributes={"VisibilityTimeout": "0", "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:orders-dlq", "maxReceiveCount": "2"})})["QueueUrl"]
        sqs.send_message(QueueUrl=src, MessageBody="poison")
        for _ in range(2):
            assert sqs.receive_message(QueueUrl=src)["Messages"][0]["Body"] == "poison"
        assert "Messages" not in sqs.receive_message(QueueUrl=src)
        moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
        assert moved["Body"] == "poison" and moved["Attributes"]["DeadLetterQueueSourceArn"].endswith(":flaky"), moved
        assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
        sqs.purge_queue(QueueUrl=dlq)
        expect_error("AWS.SimpleQueueService.PurgeQueueInProgress", sqs.purge_queue, QueueUrl=dlq)

        # The AWS CLI (query protocol too).
        if os.path.exists("/usr/bin/aws"):
            rc, out, err = cli(base, "send-message", "--queue-url", q, "--message-body", "from the cli")
            assert rc == 0 and len(out["MD5OfMessageBody"]) == 32, (out, err)
            rc, out, err = cli(base, "receive-message", "--queue-url", q, "--attribute-names", "All")
            assert rc == 0 and out["Messages"][0]["Body"] == "from the cli", (out, err)
            rc, out, err = cli(base, "delete-message", "--queue-url", q, "--receipt-handle", out["Messages"][0]["ReceiptHandle"])
            assert rc == 0, err
            rc, out, err = cli(base, "get-queue-url", "--queue-name", "missing")
            assert rc != 0 and "NonExistentQueue" in err, err

        # The import flow, end to end: a message on the system's queue becomes a restaurant.
        imp = sqs.get_queue_url(QueueName="restaurant-import-dev")["QueueUrl"]
        sqs.send_message(QueueUrl=imp, MessageBody=json.dumps({"id": "r-9", "name": "Wire Cafe", "city": "Oslo", "cuisineType": "Cafe"}))
        ddb = boto3.client("dynamodb", endpoint_url=base, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        for _ in range(600):
            item = ddb.get_item(TableName="FoodEstablishment-dev", Key={"PK": {"S": "EST#r-9"}, "SK": {"S": "META#r-9"}}).get("Item")
            if item:
                break
            time.sleep(0.05)
        assert item and item["GSI1PK"] == {"S": "LOC#Oslo"}, item
        sqs.delete_queue(QueueUrl=q)
        expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.send_message, QueueUrl=q, MessageBody="x")
        print("sqs_boto3_test: ok")
    finally:
        stop_serve(proc)


if __name__ == "__main__":
    main()
