#!/usr/bin/python3
"""DynamoDB Streams on `bellyfed-emu serve` through Debian's boto3 (`dynamodbstreams`) and AWS
CLI: StreamSpecification on CreateTable/UpdateTable, ListStreams, DescribeStream, every
shard iterator type, GetRecords with each view type, TTL deletions, closed shards, iterator
expiry and 24-hour retention in virtual time, the errors, persistence with --data-dir, and
BellyFed's stream mapping (Review → Review Stats keeps a restaurant's count and average)."""
import datetime
import json
import shutil
import sys
import tempfile
import time
import urllib.request

from botocore.config import Config
from wire import aws_cli, boto3, expect_error, start_serve, stop_serve  # noqa: E402  (Debian's boto3)

EMU = sys.argv[1]


def clients(base, validate=True):
    kw = dict(endpoint_url=base, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    if not validate:
        kw["config"] = Config(parameter_validation=False)
    return boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)


def advance(base, how_long):
    req = urllib.request.Request(base + "/_emu/clock", data=json.dumps({"advance": how_long}).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200


def clock_now(base):
    """serve's clock, in epoch seconds."""
    with urllib.request.urlopen(base + "/_emu/clock", timeout=30) as r:
        now = json.loads(r.read())["now"]
    return int(datetime.datetime.strptime(now[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp())


def create(db, name, view=None, ttl=None):
    spec = {"StreamEnabled": True, "StreamViewType": view} if view else {"StreamEnabled": False}
    d = db.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", StreamSpecification=spec,
                        AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"},
                                              {"AttributeName": "c", "AttributeType": "N"}],
                        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"},
                                   {"AttributeName": "c", "KeyType": "RANGE"}])["TableDescription"]
    if ttl:
        db.update_time_to_live(TableName=name, TimeToLiveSpecification={"AttributeName": ttl, "Enabled": True})
    return d


def shard_of(st, arn):
    d = st.describe_stream(StreamArn=arn)["StreamDescription"]
    assert len(d["Shards"]) == 1, d
    return d, d["Shards"][0]


def read_all(st, it):
    """Reads until an empty page; returns (records, the next iterator or None)."""
    out = []
    while it:
        r = st.get_records(ShardIterator=it)
        out += r["Records"]
        it = r.get("NextShardIterator")
        if not r["Records"]:
            break
    return out, it


def images(db, st, base):
    d = create(db, "Events", "NEW_AND_OLD_IMAGES")
    arn, label = d["LatestStreamArn"], d["LatestStreamLabel"]
    assert d["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}, d
    assert arn == "arn:aws:dynamodb:us-east-1:000000000000:table/Events/stream/" + label, arn
    assert db.describe_table(TableName="Events")["Table"]["LatestStreamArn"] == arn
    listed = st.list_streams(TableName="Events")["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": "Events", "StreamLabel": label}], listed
    desc, shard = shard_of(st, arn)
    assert desc["StreamStatus"] == "ENABLED" and desc["StreamViewType"] == "NEW_AND_OLD_IMAGES", desc
    assert desc["TableName"] == "Events" and desc["KeySchema"][0] == {"AttributeName": "p", "KeyType": "HASH"}, desc
    start = shard["SequenceNumberRange"]["StartingSequenceNumber"]
    assert start.isdecimal() and 21 <= len(start) <= 40, start
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]
    assert len(shard["ShardId"]) <= 65 and shard["ShardId"].startswith("shardId-"), shard
    assert st.describe_stream(StreamArn=arn, ExclusiveStartShardId=shard["ShardId"])["StreamDescription"]["Shards"] == []
    trim = st.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    empty = st.get_records(ShardIterator=trim)
    assert empty["Records"] == [] and "NextShardIterator" in empty, empty

    key = {"p": {"S": "a"}, "c": {"N": "1"}}
    db.put_item(TableName="Events", Item={**key, "x": {"N": "1"}})                       # INSERT
    db.update_item(TableName="Events", Key=key, UpdateExpression="SET y = :y",
                   ExpressionAttributeValues={":y": {"S": "why"}})                        # MODIFY
    db.put_item(TableName="Events", Item={**key, "x": {"N": "1"}, "y": {"S": "why"}})    # no change: no record
    db.update_item(TableName="Events", Key=key, UpdateExpression="REMOVE x, y")          # MODIFY to the key only
    db.delete_item(TableName="Events", Key=key)                                          # REMOVE
    db.delete_item(TableName="Events", Key=key)                                          # nothing there: no record
    recs, nxt = read_all(st, trim)
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "MODIFY", "REMOVE"], recs
    for r in recs:
        assert r["eventSource"] == "aws:dynamodb" and r["eventVersion"] == "1.1" and r["awsRegion"] == "us-east-1", r
        assert len(r["eventID"]) == 32 and r["dynamodb"]["Keys"] == key, r
        assert r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES" and r["dynamodb"]["SizeBytes"] > 0, r
        assert "ApproximateCreationDateTime" in r["dynamodb"] and "userIdentity" not in r, r
    seqs = [r["dynamodb"]["SequenceNumber"] for r in recs]
    assert all(s.isdecimal() for s in seqs) and seqs == sorted(seqs) and len(set(seqs)) == 4, seqs
    assert seqs[0] >= start, (seqs, start)
    assert "OldImage" not in recs[0]["dynamodb"] and recs[0]["dynamodb"]["NewImage"] == {**key, "x": {"N": "1"}}
    assert recs[1]["dynamodb"]["OldImage"] == {**key, "x": {"N": "1"}}
    assert recs[1]["dynamodb"]["NewImage"] == {**key, "x": {"N": "1"}, "y": {"S": "why"}}
    assert recs[2]["dynamodb"]["NewImage"] == key, recs[2]  # the item still exists: its image is its key
    assert recs[3]["dynamodb"]["OldImage"] == key and "NewImage" not in recs[3]["dynamodb"], recs[3]
    assert nxt and st.get_records(ShardIterator=nxt)["Records"] == []

    # AT and AFTER a sequence number; LATEST sees only what comes next.
    sid = shard["ShardId"]
    at = st.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=seqs[1])
    assert [r["dynamodb"]["SequenceNumber"] for r in read_all(st, at["ShardIterator"])[0]] == seqs[1:]
    after = st.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                  SequenceNumber=seqs[1])
    assert [r["dynamodb"]["SequenceNumber"] for r in read_all(st, after["ShardIterator"])[0]] == seqs[2:]
    latest = st.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="LATEST")["ShardIterator"]
    assert st.get_records(ShardIterator=latest)["Records"] == []
    db.batch_write_item(RequestItems={"Events": [{"PutRequest": {"Item": {"p": {"S": "b"}, "c": {"N": str(i)}}}}
                                                 for i in range(3)]})
    db.transact_write_items(TransactItems=[{"Put": {"TableName": "Events", "Item": {"p": {"S": "t"}, "c": {"N": "9"}}}}])
    got = st.get_records(ShardIterator=latest, Limit=2)
    assert [r["dynamodb"]["Keys"]["p"]["S"] for r in got["Records"]] == ["b", "b"], got
    rest, _ = read_all(st, got["NextShardIterator"])
    assert [(r["dynamodb"]["Keys"]["p"]["S"], r["dynamodb"]["Keys"]["c"]["N"]) for r in rest] == [("b", "2"), ("t", "9")]

    # The AWS CLI reads the same stream.
    rc, out, err = aws_cli(base, "dynamodbstreams", "describe-stream", "--stream-arn", arn)
    assert rc == 0 and out["StreamDescription"]["StreamArn"] == arn, (rc, out, err)
    return arn, sid, seqs


def view_types(db, st):
    for view, new, old in [("KEYS_ONLY", False, False), ("NEW_IMAGE", True, False), ("OLD_IMAGE", False, True)]:
        name = "View" + view.replace("_", "")
        arn = create(db, name, view)["LatestStreamArn"]
        _, shard = shard_of(st, arn)
        it = st.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        key = {"p": {"S": "k"}, "c": {"N": "2"}}
        db.put_item(TableName=name, Item={**key, "v": {"N": "1"}})
        db.put_item(TableName=name, Item={**key, "v": {"N": "2"}})
        recs, _ = read_all(st, it["ShardIterator"])
        assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY"], recs
        for r in recs:
            assert r["dynamodb"]["StreamViewType"] == view and r["dynamodb"]["Keys"] == key
        assert ("NewImage" in recs[1]["dynamodb"]) == new and ("OldImage" in recs[1]["dynamodb"]) == old, recs[1]
        assert "OldImage" not in recs[0]["dynamodb"]


def lifecycle(db, st, raw_st, base, arn, sid, seqs):
    # Enabling an enabled stream and disabling none are refused in DynamoDB's words.
    expect_error("ValidationException", db.update_table, TableName="Events",
                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
                 contains="Table already has an enabled stream: TableName: Events")
    create(db, "Plain")
    expect_error("ValidationException", db.update_table, TableName="Plain", StreamSpecification={"StreamEnabled": False},
                 contains="Table has no stream to disable: TableName: Plain")
    expect_error("ValidationException", db.create_table, TableName="Bad", BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
                 StreamSpecification={"StreamEnabled": True}, contains="You must specify a StreamViewType")
    expect_error("ValidationException", db.create_table, TableName="Bad", BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
                 StreamSpecification={"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
                 contains="Table is being created with a stream disabled, UpdateViewType should not be specified")
    assert "Bad" not in db.list_tables()["TableNames"]

    # The API's own checks.
    bad = [("get_shard_iterator", dict(StreamArn=arn, ShardId=sid, ShardIteratorType="bulle"), "ValidationException",
            "Member must satisfy enum value set"),
           ("get_shard_iterator", dict(StreamArn=arn, ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER"),
            "ValidationException", "SequenceNumber"),
           ("get_shard_iterator", dict(StreamArn=arn, ShardId=sid, ShardIteratorType="LATEST", SequenceNumber=seqs[0]),
            "ValidationException", "SequenceNumber"),
           ("get_shard_iterator", dict(StreamArn=arn, ShardId="shardId-00000000000000000000-nothere",
                                       ShardIteratorType="LATEST"), "ResourceNotFoundException", "Shard"),
           ("get_shard_iterator", dict(StreamArn=arn, ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                       SequenceNumber="9" * 30), "ValidationException", "SequenceNumber"),
           ("describe_stream", dict(StreamArn="sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf"),
            "ValidationException", "Invalid StreamArn"),
           ("describe_stream", dict(StreamArn=arn.replace("/Events/", "/Nope/")), "ResourceNotFoundException",
            "Requested resource not found"),
           ("get_records", dict(ShardIterator="sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg"),
            "ValidationException", "Invalid ShardIterator"),
           ("list_streams", dict(Limit=0), "ValidationException", "greater than or equal to 1"),
           ("list_streams", dict(Limit=101), "ValidationException", "less than or equal to 100"),
           ("get_records", dict(ShardIterator="x", Limit=1001), "ValidationException", "less than or equal to 1000")]
    for op, args, code, text in bad:
        expect_error(code, getattr(raw_st, op), contains=text, **args)
    it = st.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    forged = it[:-1] + ("0" if it[-1] != "0" else "1")
    expect_error("ValidationException", st.get_records, ShardIterator=forged, contains="Invalid ShardIterator")

    # An iterator lives 15 minutes.
    advance(base, "16m")
    expect_error("ExpiredIteratorException", st.get_records, ShardIterator=it, contains="Iterator expired")

    # Disabling closes the shard; enabling again makes a new stream.
    db.update_table(TableName="Events", StreamSpecification={"StreamEnabled": False})
    d = db.describe_table(TableName="Events")["Table"]
    assert "StreamSpecification" not in d and d["LatestStreamArn"] == arn, d
    desc, shard = shard_of(st, arn)
    assert desc["StreamStatus"] == "DISABLED" and "EndingSequenceNumber" in shard["SequenceNumberRange"], desc
    db.put_item(TableName="Events", Item={"p": {"S": "after"}, "c": {"N": "1"}})  # not recorded
    it = st.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = []
    while it:  # a closed shard read to its end gives no next iterator
        r = st.get_records(ShardIterator=it)
        recs += r["Records"]
        it = r.get("NextShardIterator")
    assert len(recs) == 8 and all(r["dynamodb"]["Keys"]["p"]["S"] != "after" for r in recs), recs
    advance(base, "1s")
    db.update_table(TableName="Events", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn2 = db.describe_table(TableName="Events")["Table"]["LatestStreamArn"]
    assert arn2 != arn and arn2.startswith("arn:aws:dynamodb:us-east-1:000000000000:table/Events/stream/")
    listed = [s["StreamArn"] for s in st.list_streams(TableName="Events")["Streams"]]
    assert listed == [arn, arn2], listed
    page = st.list_streams(Limit=1)
    assert len(page["Streams"]) == 1 and "LastEvaluatedStreamArn" in page, page
    rest = st.list_streams(ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])["Streams"]
    assert page["Streams"][0]["StreamArn"] not in [s["StreamArn"] for s in rest]

    # Records are kept 24 hours; a disabled stream is gone 24 hours after.
    advance(base, "25h")
    expect_error("ResourceNotFoundException", st.describe_stream, StreamArn=arn)
    assert [s["StreamArn"] for s in st.list_streams(TableName="Events")["Streams"]] == [arn2]
    db.delete_table(TableName="Events")
    assert shard_of(st, arn2)[0]["StreamStatus"] == "DISABLED"  # the stream outlives its table


def retention(db, st, base):
    arn = create(db, "Kept", "KEYS_ONLY")["LatestStreamArn"]
    sid = shard_of(st, arn)[1]["ShardId"]
    db.put_item(TableName="Kept", Item={"p": {"S": "old"}, "c": {"N": "1"}})
    first = st.get_records(ShardIterator=st.get_shard_iterator(
        StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"][0]
    seq = first["dynamodb"]["SequenceNumber"]
    held = st.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                 SequenceNumber=seq)["ShardIterator"]
    advance(base, "10m")
    db.put_item(TableName="Kept", Item={"p": {"S": "new"}, "c": {"N": "1"}})
    advance(base, "23h55m")  # the first record is 24 h 5 min old, the second 23 h 55 min
    expect_error("TrimmedDataAccessException", st.get_shard_iterator, StreamArn=arn, ShardId=sid,
                 ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=seq)
    left, _ = read_all(st, st.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"])
    assert [r["dynamodb"]["Keys"]["p"]["S"] for r in left] == ["new"], left
    expect_error("ExpiredIteratorException", st.get_records, ShardIterator=held)


def ttl_deletes(db, st, base):
    arn = create(db, "Expiring", "NEW_AND_OLD_IMAGES", ttl="exp")["LatestStreamArn"]
    sid = shard_of(st, arn)[1]["ShardId"]
    it = st.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="LATEST")["ShardIterator"]
    now = clock_now(base)
    db.put_item(TableName="Expiring", Item={"p": {"S": "e"}, "c": {"N": "1"}, "exp": {"N": str(now + 60)}})
    db.put_item(TableName="Expiring", Item={"p": {"S": "u"}, "c": {"N": "1"}})
    db.delete_item(TableName="Expiring", Key={"p": {"S": "u"}, "c": {"N": "1"}})
    advance(base, "2m")
    recs, _ = read_all(st, it)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["p"]["S"]) for r in recs] == [
        ("INSERT", "e"), ("INSERT", "u"), ("REMOVE", "u"), ("REMOVE", "e")], recs
    assert "userIdentity" not in recs[2], recs[2]  # deleted by a user
    assert recs[3]["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}, recs[3]


def bellyfed_review_stats(db, base):
    est = {"PK": {"S": "EST#r1"}, "SK": {"S": "META#r1"}, "name": {"S": "Cafe"}}
    db.put_item(TableName="FoodEstablishment-dev", Item=est)

    def review(rid, rating):
        db.put_item(TableName="Review-dev", Item={"PK": {"S": "EST#r1"}, "SK": {"S": "REVIEW#" + rid},
                                                  "rating": {"N": rating}})

    def stats(count, average):
        # Wait on both: a changed rating keeps the count, so the count alone
        # would be satisfied before the stream record is applied.
        deadline = time.time() + 30
        while time.time() < deadline:
            item = db.get_item(TableName="FoodEstablishment-dev", Key={"PK": est["PK"], "SK": est["SK"]})["Item"]
            if item.get("reviewCount", {}).get("N") == count and \
                    item.get("averageRating", {}).get("N") == average:
                return item
            time.sleep(0.05)
        raise AssertionError("reviewCount/averageRating never became %s/%s: %s" % (count, average, item))

    review("a", "5")
    review("b", "4")
    item = stats("2", "4.5")
    assert item["ratingSum"] == {"N": "9"}, item
    review("b", "2")  # a changed rating
    stats("2", "3.5")
    db.delete_item(TableName="Review-dev", Key={"PK": {"S": "EST#r1"}, "SK": {"S": "REVIEW#a"}})
    stats("1", "2")
    # A review of a restaurant DynamoDB does not have changes nothing and blocks nothing.
    db.put_item(TableName="Review-dev", Item={"PK": {"S": "EST#ghost"}, "SK": {"S": "REVIEW#x"}, "rating": {"N": "1"}})
    review("c", "5")
    stats("2", "3.5")
    assert "reviewCount" not in db.get_item(TableName="FoodEstablishment-dev",
                                            Key={"PK": {"S": "EST#ghost"}, "SK": {"S": "META#ghost"}}).get("Item", {})


def persistence():
    data = tempfile.mkdtemp(prefix="emu-streams-")
    try:
        proc, base = start_serve(EMU, "--data-dir", data)
        try:
            db, st = clients(base)
            arn = create(db, "Durable", "KEYS_ONLY")["LatestStreamArn"]
            db.put_item(TableName="Durable", Item={"p": {"S": "d"}, "c": {"N": "1"}})
        finally:
            stop_serve(proc)
        proc, base = start_serve(EMU, "--data-dir", data)
        try:
            db, st = clients(base)
            assert db.describe_table(TableName="Durable")["Table"]["LatestStreamArn"] == arn
            sid = shard_of(st, arn)[1]["ShardId"]
            recs, _ = read_all(st, st.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"])
            assert [r["dynamodb"]["Keys"]["p"]["S"] for r in recs] == ["d"], recs
            db.put_item(TableName="Durable", Item={"p": {"S": "d2"}, "c": {"N": "1"}})
            recs2, _ = read_all(st, st.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                                         ShardIteratorType="TRIM_HORIZON")["ShardIterator"])
            seqs = [r["dynamodb"]["SequenceNumber"] for r in recs2]
            assert len(seqs) == 2 and seqs[0] < seqs[1], recs2  # numbering goes on after a restart
        finally:
            stop_serve(proc)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main():
    proc, base = start_serve(EMU)
    try:
        db, st = clients(base)
        _, raw_st = clients(base, validate=False)
        bellyfed_review_stats(db, base)
        arn, sid, seqs = images(db, st, base)
        view_types(db, st)
        lifecycle(db, st, raw_st, base, arn, sid, seqs)
        ttl_deletes(db, st, base)
        retention(db, st, base)
    finally:
        stop_serve(proc)
    persistence()
    print("dynamodb streams: ok")


if __name__ == "__main__":
    main()
