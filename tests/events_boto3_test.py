#!/usr/bin/python3
"""The EventBridge API of `bellyfed-emu serve` through real clients: Debian's boto3 (1.26) and
AWS CLI (2.9). Starts the server on a free loopback port and stops it."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

from wire import client, expect_error, start_serve, stop_serve  # noqa: E402  (Debian's boto3)

EMU = sys.argv[1]


def main():
    proc, base = start_serve(EMU)
    try:
        eb = client("events", base)

        names = [b["Name"] for b in eb.list_event_buses()["EventBuses"]]
        assert "default" in names and "bellyfed-dev" in names, names
        arn = eb.create_event_bus(Name="orders")["EventBusArn"]
        assert arn == "arn:aws:events:us-east-1:000000000000:event-bus/orders", arn
        expect_error("ResourceAlreadyExistsException", eb.create_event_bus, Name="orders")
        assert eb.describe_event_bus(Name="orders")["Name"] == "orders"
        expect_error("ResourceNotFoundException", eb.describe_event_bus, Name="nope")

        pattern = {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}
        rule_arn = eb.put_rule(Name="big-orders", EventBusName="orders", EventPattern=json.dumps(pattern))["RuleArn"]
        assert rule_arn.endswith(":rule/orders/big-orders"), rule_arn
        eb.put_rule(Name="all-orders", EventBusName="orders", EventPattern='{"source": ["shop"]}')
        expect_error("InvalidEventPatternException", eb.put_rule, Name="bad", EventBusName="orders",
                     EventPattern='{"source": "shop"}', contains='Reason: "source" must be an object or an array')
        expect_error("ResourceNotFoundException", eb.put_rule, Name="r", EventBusName="nope",
                     EventPattern='{"source": ["x"]}', contains="Event bus nope does not exist.")

        page = eb.list_rules(EventBusName="orders", Limit=1)
        assert len(page["Rules"]) == 1 and "NextToken" in page, page
        rest = eb.list_rules(EventBusName="orders", NextToken=page["NextToken"])
        assert [r["Name"] for r in page["Rules"] + rest["Rules"]] == ["all-orders", "big-orders"]
        d = eb.describe_rule(Name="big-orders", EventBusName="orders")
        assert d["State"] == "ENABLED" and json.loads(d["EventPattern"]) == pattern, d

        eb.put_targets(Rule="big-orders", EventBusName="orders", Targets=[
            {"Id": "log", "Arn": "arn:aws:logs:us-east-1:000000000000:log-group:/orders/big",
             "InputTransformer": {"InputPathsMap": {"t": "$.detail.total"}, "InputTemplate": '{"total": <t>}'}},
            {"Id": "echo", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:echo",
             "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}}])
        targets = eb.list_targets_by_rule(Rule="big-orders", EventBusName="orders")["Targets"]
        assert [t["Id"] for t in targets] == ["echo", "log"], targets
        expect_error("ValidationException", eb.put_targets, Rule="big-orders", EventBusName="orders",
                     Targets=[{"Id": "x", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:echo",
                               "Input": "{}", "InputPath": "$.detail"}], contains="Only one of Input")
        expect_error("ValidationException", eb.put_targets, Rule="big-orders", EventBusName="orders",
                     Targets=[{"Id": "y", "Arn": "arn:aws:logs:us-east-1:000000000000:log-group:g",
                               "InputTransformer": {"InputTemplate": "<nope>"}}], contains="invalid placeholder nope")
        assert eb.list_rule_names_by_target(TargetArn="arn:aws:lambda:us-east-1:000000000000:function:echo",
                                            EventBusName="orders")["RuleNames"] == ["big-orders"]

        r = eb.put_events(Entries=[
            {"EventBusName": "orders", "Source": "shop", "DetailType": "OrderPlaced", "Detail": '{"total": 250}'},
            {"EventBusName": "orders", "Source": "shop", "DetailType": "OrderPlaced", "Detail": "not json"},
            {"EventBusName": "orders", "Source": "shop", "DetailType": "OrderPlaced"}])
        assert r["FailedEntryCount"] == 2, r
        assert re.match(r"^[0-9a-f-]{36}$", r["Entries"][0]["EventId"]), r
        assert r["Entries"][1]["ErrorCode"] == "MalformedDetail", r
        assert r["Entries"][2]["ErrorCode"] == "InvalidArgument", r
        expect_error("ValidationException", eb.put_events,
                     Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 11,
                     contains="Member must have length less than or equal to 10")
        expect_error("ValidationException", eb.put_events,
                     Entries=[{"Source": "s", "DetailType": "d", "Detail": json.dumps({"x": "y" * 300000})}],
                     contains="Total size of the entries in the request is over the limit.")

        # Delivery is asynchronous: the real-time driver runs it right away.
        for _ in range(600):
            traces = json.load(urllib.request.urlopen(base + "/_emu/traces?limit=10000"))["traces"]
            logs = [t for t in traces if t["kind"] == "log"]
            invokes = [t for t in traces if t["kind"] == "invoke"]
            if logs and invokes:
                break
            time.sleep(0.05)
        assert logs and logs[0]["data"]["message"] == {"total": 250}, logs
        assert invokes and invokes[0]["data"]["event"]["detail"] == {"total": 250}, invokes
        events = json.load(urllib.request.urlopen(base + "/_emu/events?bus=orders"))["events"]
        assert len(events) == 1 and list(events[0]) == ["version", "id", "detail-type", "source", "account",
                                                        "time", "region", "resources", "detail"], events
        metrics = json.load(urllib.request.urlopen(base + "/_emu/metrics"))["buses"]["orders"]
        assert metrics["rules"]["big-orders"]["invocations"] == 2, metrics

        assert eb.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(
            {"id": "1", "source": "shop", "detail-type": "x", "account": "1", "time": "2024-01-01T00:00:00Z",
             "region": "us-east-1", "resources": [], "detail": {"total": 101}}))["Result"] is True
        assert eb.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(
            {"source": "shop", "detail": {"total": "101"}}))["Result"] is False
        expect_error("ValidationException", eb.test_event_pattern, EventPattern="{}", Event="[]",
                     contains="Parameter Event is not valid.")

        eb.disable_rule(Name="big-orders", EventBusName="orders")
        assert eb.describe_rule(Name="big-orders", EventBusName="orders")["State"] == "DISABLED"
        eb.enable_rule(Name="big-orders", EventBusName="orders")
        eb.tag_resource(ResourceARN=rule_arn, Tags=[{"Key": "team", "Value": "food"}])
        assert eb.list_tags_for_resource(ResourceARN=rule_arn)["Tags"] == [{"Key": "team", "Value": "food"}]
        eb.untag_resource(ResourceARN=rule_arn, TagKeys=["team"])
        expect_error("ValidationException", eb.delete_rule, Name="big-orders", EventBusName="orders",
                     contains="Rule can't be deleted since it has targets.")
        eb.remove_targets(Rule="big-orders", EventBusName="orders", Ids=["echo", "log"])
        eb.delete_rule(Name="big-orders", EventBusName="orders")
        expect_error("ResourceNotFoundException", eb.describe_rule, Name="big-orders", EventBusName="orders",
                     contains="Rule big-orders does not exist on EventBus orders.")
        expect_error("ValidationException", eb.delete_event_bus, Name="default",
                     contains="Cannot delete event bus default.")
        eb.delete_event_bus(Name="orders")

        # Archives and replays, with the timestamps boto3 sends as epoch seconds.
        bus_arn = "arn:aws:events:us-east-1:000000000000:event-bus/bellyfed-dev"
        arch = eb.create_archive(ArchiveName="all", EventSourceArn=bus_arn, RetentionDays=1)
        assert arch["State"] == "ENABLED", arch
        expect_error("ResourceAlreadyExistsException", eb.create_archive, ArchiveName="all", EventSourceArn=bus_arn)
        now = time.time()
        eb.put_events(Entries=[{"EventBusName": "bellyfed-dev", "Source": "shop", "DetailType": "x", "Detail": "{}"},
                               {"EventBusName": "bellyfed-dev", "Source": "shop", "DetailType": "earlier",
                                "Detail": '{"n": 7}', "Time": now - 600}])
        assert eb.describe_archive(ArchiveName="all")["EventCount"] == 2
        assert [a["ArchiveName"] for a in eb.list_archives()["Archives"]] == ["all"]
        rep = eb.start_replay(ReplayName="again", EventSourceArn=arch["ArchiveArn"], EventStartTime=now - 630,
                              EventEndTime=now - 1, Destination={"Arn": bus_arn})
        assert rep["State"] == "STARTING", rep
        for _ in range(600):
            if eb.describe_replay(ReplayName="again")["State"] == "COMPLETED":
                break
            time.sleep(0.05)
        assert eb.describe_replay(ReplayName="again")["State"] == "COMPLETED"
        # The event from ten minutes ago was in the window and came back, marked as a replay;
        # the one from now was not.
        seen = json.load(urllib.request.urlopen(base + "/_emu/events?bus=bellyfed-dev"))["events"]
        replayed = [e for e in seen if e.get("replay-name") == "again"]
        assert [(e["detail-type"], e["detail"]) for e in replayed] == [("earlier", {"n": 7})], replayed
        expect_error("IllegalStatusException", eb.cancel_replay, ReplayName="again")
        expect_error("ValidationException", eb.start_replay, ReplayName="x", EventSourceArn=arch["ArchiveArn"],
                     EventStartTime=now - 10, EventEndTime=now - 1,
                     Destination={"Arn": "arn:aws:events:us-east-1:000000000000:event-bus/default"},
                     contains="Cross event bus replay is not permitted.")
        eb.delete_archive(ArchiveName="all")

        # The AWS CLI reads the BellyFed rules of the stage.
        if os.path.exists("/usr/bin/aws"):
            env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
                       AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
            out = subprocess.run(["/usr/bin/aws", "--endpoint-url", base, "events", "list-rules",
                                  "--event-bus-name", "bellyfed-dev"], capture_output=True, text=True, env=env, timeout=60)
            assert out.returncode == 0, out.stderr
            assert [r["Name"] for r in json.loads(out.stdout)["Rules"]] == ["api-requests", "outbox-events",
                                                                           "restaurant-import"], out.stdout
        else:
            assert not os.environ.get("CI"), "/usr/bin/aws is missing: in CI nothing may be skipped"
            print("events_boto3_test: /usr/bin/aws missing, AWS CLI checks skipped")
        print("events_boto3_test: ok")
    finally:
        stop_serve(proc)


if __name__ == "__main__":
    main()
