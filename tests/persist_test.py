"""serve --data-dir keeps SQS and EventBridge across restarts, clean (SIGTERM) and not (kill -9):

- SQS: API-created queues with their attributes and tags, messages with their attributes,
  receive counts and receipt handles (an in-flight message stays in flight; its handle still
  deletes it), deleted messages stay deleted, FIFO deduplication still answers with the first
  MessageId, a purge stays purged.
- Under load: four threads send (boto3, JSON protocol) and the server is killed with SIGKILL in
  the middle; after the restart every message whose send was acknowledged is there (0 lost).
- DynamoDB and the outbox under the same kind of crash: every acknowledged PutItem is there, and
  every acknowledged Server Action has its outbox row, relayed to the bus after the restart.
- EventBridge: an API-created bus, its rule with a pattern and a queue target (events put after
  the restart are routed by them), tags, a rule disabled and a rule deleted, an archive and its
  archived events.
"""
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import client, start_serve, stop_serve  # noqa: E402


def kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()


def drain(sqs, url, attribute_names=("All",)):
    got = []
    while True:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=list(attribute_names))
        if not out.get("Messages"):
            return got
        got += out["Messages"]


def drain_until(sqs, url, n, seconds=60):
    """Receives until `n` messages came (bus deliveries run a moment after PutEvents answers)."""
    got, deadline = [], time.time() + seconds
    while len(got) < n and time.time() < deadline:
        got += drain(sqs, url)
        if len(got) < n:
            time.sleep(0.02)
    return got


def main():
    emu = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as data:
        proc, base = start_serve(emu, "--data-dir", data)
        sqs, eb = client("sqs", base), client("events", base)
        url = sqs.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "600"},
                               tags={"team": "core"})["QueueUrl"]
        fifo = sqs.create_queue(QueueName="kept.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        purged = sqs.create_queue(QueueName="purged")["QueueUrl"]
        for i in range(20):
            sqs.send_message(QueueUrl=url, MessageBody="m%d" % i,
                             MessageAttributes={"n": {"DataType": "Number", "StringValue": str(i)},
                                                "b": {"DataType": "Binary", "BinaryValue": bytes([i, 0, 255])}})
        first = sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d1")
        sqs.send_message(QueueUrl=purged, MessageBody="gone")
        sqs.purge_queue(QueueUrl=purged)
        taken = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5)["Messages"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=taken[0]["ReceiptHandle"])

        bus = "kept-bus"
        eb.create_event_bus(Name=bus, Tags=[{"Key": "k", "Value": "v"}])
        sink = sqs.create_queue(QueueName="sink")["QueueUrl"]
        sink_arn = sqs.get_queue_attributes(QueueUrl=sink, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        eb.put_rule(Name="orders", EventBusName=bus, EventPattern=json.dumps({"source": ["shop"]}))
        eb.put_targets(Rule="orders", EventBusName=bus, Targets=[{"Id": "q", "Arn": sink_arn}])
        eb.put_rule(Name="off", EventBusName=bus, EventPattern=json.dumps({"source": ["shop"]}))
        eb.put_targets(Rule="off", EventBusName=bus, Targets=[{"Id": "q", "Arn": sink_arn}])
        eb.disable_rule(Name="off", EventBusName=bus)
        eb.put_rule(Name="gone", EventBusName=bus, EventPattern=json.dumps({"source": ["shop"]}))
        eb.delete_rule(Name="gone", EventBusName=bus)
        bus_arn = eb.describe_event_bus(Name=bus)["Arn"]
        eb.create_archive(ArchiveName="all-shop", EventSourceArn=bus_arn, EventPattern=json.dumps({"source": ["shop"]}))
        eb.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": '{"n": 1}', "EventBusName": bus}])
        assert len(drain_until(sqs, sink, 1)) == 1

        stop_serve(proc, check=True)  # a clean stop first
        proc, base = start_serve(emu, "--data-dir", data)
        sqs, eb = client("sqs", base), client("events", base)
        kill(proc)  # then a crash right after a start: nothing may depend on a clean stop
        proc, base = start_serve(emu, "--data-dir", data)
        sqs, eb = client("sqs", base), client("events", base)

        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attrs["VisibilityTimeout"] == "600", attrs
        assert attrs["ApproximateNumberOfMessages"] == "15" and attrs["ApproximateNumberOfMessagesNotVisible"] == "4", attrs
        assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core"}
        sqs.delete_message(QueueUrl=url, ReceiptHandle=taken[1]["ReceiptHandle"])  # a handle from before
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=taken[2]["ReceiptHandle"], VisibilityTimeout=0)
        rest = drain(sqs, url)
        assert sorted(m["Body"] for m in rest) == sorted("m%d" % i for i in range(20) if i not in (0, 1, 3, 4)), rest
        m2 = [m for m in rest if m["Body"] == taken[2]["Body"]][0]
        assert m2["MessageAttributes"]["n"]["StringValue"] == taken[2]["Body"][1:], m2
        assert m2["MessageAttributes"]["b"]["BinaryValue"] == bytes([int(taken[2]["Body"][1:]), 0, 255]), m2
        again = sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d1")
        assert again["MessageId"] == first["MessageId"], (first, again)
        assert drain(sqs, purged) == []
        try:
            sqs.purge_queue(QueueUrl=purged)  # within 60 s of the purge before the restarts
            raise AssertionError("a second purge within 60 s was accepted")
        except sqs.exceptions.PurgeQueueInProgress:
            pass

        assert eb.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [{"Key": "k", "Value": "v"}]
        rules = {r["Name"]: r["State"] for r in eb.list_rules(EventBusName=bus)["Rules"]}
        assert rules == {"orders": "ENABLED", "off": "DISABLED"}, rules
        eb.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": '{"n": 2}', "EventBusName": bus}])
        routed = drain_until(sqs, sink, 1)
        time.sleep(0.2)
        routed += drain(sqs, sink)  # and nothing more: the disabled rule's target got no copy
        assert [json.loads(m["Body"])["detail"] for m in routed] == [{"n": 2}], routed
        assert eb.describe_archive(ArchiveName="all-shop")["EventCount"] == 2

        # Acknowledged sends under a crash: none lost.
        load = sqs.create_queue(QueueName="load")["QueueUrl"]
        acked, stop = [], threading.Event()

        def sender(t):
            c = client("sqs", base)
            i = 0
            while not stop.is_set():
                try:
                    c.send_message(QueueUrl=load, MessageBody="%d-%d" % (t, i))
                except Exception:  # noqa: BLE001 — the server is gone
                    return
                acked.append("%d-%d" % (t, i))
                i += 1
        threads = [threading.Thread(target=sender, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        while len(acked) < 400:
            time.sleep(0.01)
        kill(proc)
        stop.set()
        for t in threads:
            t.join()
        proc, base = start_serve(emu, "--data-dir", data)
        sqs = client("sqs", base)
        kept = {m["Body"] for m in drain(sqs, load)}
        lost = set(acked) - kept
        print("persist_test: %d sends acknowledged before SIGKILL, %d kept, %d lost" % (len(acked), len(kept), len(lost)))
        assert not lost, sorted(lost)[:10]

        # DynamoDB writes and Server Actions (business row + outbox row) under a crash.
        ddb = client("dynamodb", base)
        ddb.create_table(TableName="kept", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        put, made, stop = [], [], threading.Event()

        def writer(t):
            c = client("dynamodb", base)
            i = 0
            while not stop.is_set():
                try:
                    c.put_item(TableName="kept", Item={"k": {"S": "%d-%d" % (t, i)}})
                except Exception:  # noqa: BLE001 — the server is gone
                    return
                put.append("%d-%d" % (t, i))
                i += 1

        def actor():
            i = 0
            while not stop.is_set():
                try:
                    req = urllib.request.Request(base + "/_emu/dev/actions/createRestaurant", data=json.dumps(
                        {"name": "Crash %d" % i, "address": "1 Main St", "city": "Seattle"}).encode(),
                        headers={"Content-Type": "application/json"})
                    out = json.load(urllib.request.urlopen(req, timeout=30))
                except Exception:  # noqa: BLE001 — the server is gone
                    return
                made.append(out["data"]["id"])
                i += 1
        threads = [threading.Thread(target=writer, args=(t,)) for t in range(3)] + [threading.Thread(target=actor)]
        for t in threads:
            t.start()
        while len(put) < 300 or len(made) < 30:
            time.sleep(0.01)
        kill(proc)
        stop.set()
        for t in threads:
            t.join()
        proc, base = start_serve(emu, "--data-dir", data)
        ddb = client("dynamodb", base)
        keys = {i["k"]["S"] for p in ddb.get_paginator("scan").paginate(TableName="kept") for i in p["Items"]}
        print("persist_test: %d PutItems and %d Server Actions acknowledged before SIGKILL; %d items kept"
              % (len(put), len(made), len(keys)))
        assert not set(put) - keys, sorted(set(put) - keys)[:10]
        deadline = time.time() + 60
        while True:
            outbox = json.load(urllib.request.urlopen(base + "/_emu/outbox?stage=dev&limit=100000"))
            rows = {e["aggregate_id"]: e["status"] for e in outbox["events"] if e["event_type"] == "RESTAURANT_CREATED"}
            if all(rows.get(r) == "processed" for r in made) or time.time() > deadline:
                break
            time.sleep(0.1)
        assert all(rows.get(r) == "processed" for r in made), [(r, rows.get(r)) for r in made if rows.get(r) != "processed"][:5]
        stop_serve(proc, check=True)
    print("persist_test: ok")


if __name__ == "__main__":
    main()
