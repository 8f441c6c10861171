#!/usr/bin/python3
"""The DynamoDB API of `bellyfed-emu serve` through real clients: Debian's boto3 (1.26, which
verifies x-amz-crc32) and AWS CLI (2.9). Every operation, its errors, pagination with the SDK's
paginators, transactions, TTL, tags, and persistence across a restart with --data-dir."""
import os
import shutil
import sys
import tempfile
from decimal import Decimal

from wire import aws_cli as wire_cli, boto3, expect_error, start_serve, stop_serve  # noqa: E402  (Debian's boto3)
from boto3.dynamodb.conditions import Attr, Key  # noqa: E402
from botocore.config import Config  # noqa: E402

EMU = sys.argv[1]


def start(data_dir=None):
    return start_serve(EMU, *(["--data-dir", data_dir] if data_dir else []))


def stop(proc):
    stop_serve(proc, check=True)


def client(base):
    return boto3.client("dynamodb", endpoint_url=base, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def cli(base, *args):
    return wire_cli(base, "dynamodb", *args)


def tables_and_items(db, base):
    assert {"FoodEstablishment-dev", "MenuItem-dev", "Review-dev"} <= set(db.list_tables()["TableNames"])
    db.create_table(TableName="Orders", BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                          {"AttributeName": "sk", "AttributeType": "N"},
                                          {"AttributeName": "status", "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                    GlobalSecondaryIndexes=[{"IndexName": "ByStatus",
                                             "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                                             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["amount"]}}])
    db.get_waiter("table_exists").wait(TableName="Orders")
    d = db.describe_table(TableName="Orders")["Table"]
    assert d["TableStatus"] == "ACTIVE" and d["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/Orders", d
    assert d["GlobalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"] == ["amount"], d
    expect_error("ResourceInUseException", db.create_table, TableName="Orders", BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], contains="Table already exists: Orders")
    expect_error("ValidationException", db.create_table, TableName="Bad", BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "x", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                 contains="Some index key attributes are not defined in AttributeDefinitions")
    expect_error("ResourceNotFoundException", db.describe_table, TableName="Nope")

    # PutItem / GetItem / UpdateItem / DeleteItem with conditions and ReturnValues.
    for i in range(30):
        db.put_item(TableName="Orders", Item={"pk": {"S": "cust#1"}, "sk": {"N": str(i)}, "amount": {"N": "%d.50" % i},
                                              "status": {"S": "open" if i % 3 else "paid"}, "note": {"S": "x" * 10}})
    got = db.get_item(TableName="Orders", Key={"pk": {"S": "cust#1"}, "sk": {"N": "3.0"}},
                      ProjectionExpression="amount, #s", ExpressionAttributeNames={"#s": "status"})
    assert got["Item"] == {"amount": {"N": "3.5"}, "status": {"S": "paid"}}, got
    expect_error("ConditionalCheckFailedException", db.put_item, TableName="Orders",
                 Item={"pk": {"S": "cust#1"}, "sk": {"N": "1"}}, ConditionExpression="attribute_not_exists(pk)")
    out = db.update_item(TableName="Orders", Key={"pk": {"S": "cust#1"}, "sk": {"N": "1"}},
                         UpdateExpression="SET amount = amount + :d, tags = list_append(if_not_exists(tags, :e), :t) REMOVE note",
                         ConditionExpression="#s = :open", ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":d": {"N": "0.25"}, ":e": {"L": []}, ":t": {"L": [{"S": "vip"}]},
                                                    ":open": {"S": "open"}},
                         ReturnValues="UPDATED_NEW")
    assert out["Attributes"] == {"amount": {"N": "1.75"}, "tags": {"L": [{"S": "vip"}]}}, out
    expect_error("ValidationException", db.update_item, TableName="Orders", Key={"pk": {"S": "cust#1"}, "sk": {"N": "1"}},
                 UpdateExpression="SET amount = :v", ExpressionAttributeValues={":v": {"N": "1"}, ":unused": {"N": "2"}},
                 contains="Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}")
    expect_error("ValidationException", db.get_item, TableName="Orders", Key={"pk": {"S": "cust#1"}},
                 contains="The provided key element does not match the schema")
    expect_error("ValidationException", db.put_item, TableName="Orders", Item={"pk": {"S": "a"}, "sk": {"N": "1e200"}},
                 contains="Number overflow")
    # (ReturnValuesOnConditionCheckFailure is newer than boto3 1.26; the JS SDK test covers it.)
    expect_error("ConditionalCheckFailedException", db.delete_item, TableName="Orders",
                 Key={"pk": {"S": "cust#1"}, "sk": {"N": "2"}}, ConditionExpression="amount > :big",
                 ExpressionAttributeValues={":big": {"N": "1000"}})
    old = db.delete_item(TableName="Orders", Key={"pk": {"S": "cust#1"}, "sk": {"N": "29"}}, ReturnValues="ALL_OLD")
    assert old["Attributes"]["amount"] == {"N": "29.5"}, old

    # Query with the paginator (Limit 7 → pages), filters, index queries, Scan segments.
    pages = db.get_paginator("query").paginate(TableName="Orders", KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                                               ExpressionAttributeValues={":p": {"S": "cust#1"}, ":a": {"N": "5"}, ":b": {"N": "25"}},
                                               PaginationConfig={"PageSize": 7})
    seen = [int(it["sk"]["N"]) for page in pages for it in page["Items"]]
    assert seen == list(range(5, 26)), seen
    desc = db.query(TableName="Orders", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "cust#1"}},
                    ScanIndexForward=False, Limit=2)
    assert [it["sk"]["N"] for it in desc["Items"]] == ["28", "27"] and "LastEvaluatedKey" in desc, desc
    paid = db.query(TableName="Orders", IndexName="ByStatus", KeyConditionExpression="#s = :paid",
                    ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":paid": {"S": "paid"}})
    assert paid["Count"] == 10 and set(paid["Items"][0]) == {"pk", "sk", "status", "amount"}, paid
    filtered = db.query(TableName="Orders", KeyConditionExpression="pk = :p", FilterExpression="amount > :t",
                        ExpressionAttributeValues={":p": {"S": "cust#1"}, ":t": {"N": "20"}}, Select="COUNT")
    assert filtered["Count"] == 9 and filtered["ScannedCount"] == 29, filtered
    expect_error("ValidationException", db.query, TableName="Orders", KeyConditionExpression="sk = :s",
                 ExpressionAttributeValues={":s": {"N": "1"}}, contains="Query condition missed key schema element: pk")
    scanned = [it for page in db.get_paginator("scan").paginate(TableName="Orders", PaginationConfig={"PageSize": 4})
               for it in page["Items"]]
    assert len(scanned) == 29
    # Parallel scan segments partition the table: disjoint, and together every item once.
    keys = [[(it["pk"]["S"], it["sk"]["N"]) for page in db.get_paginator("scan").paginate(
        TableName="Orders", Segment=seg, TotalSegments=3, PaginationConfig={"PageSize": 5}) for it in page["Items"]]
        for seg in range(3)]
    flat = [k for seg in keys for k in seg]
    assert len(flat) == len(set(flat)) == 29, [len(k) for k in keys]
    assert set(flat) == {(it["pk"]["S"], it["sk"]["N"]) for it in scanned}

    # The resource layer and its condition builders (what most Python code uses).
    table = boto3.resource("dynamodb", endpoint_url=base, region_name="us-east-1", aws_access_key_id="t",
                           aws_secret_access_key="t").Table("Orders")
    table.put_item(Item={"pk": "cust#2", "sk": 1, "amount": Decimal("9.99"), "items": {"a": [1, 2]}, "flags": {"x", "y"}})
    r = table.query(KeyConditionExpression=Key("pk").eq("cust#2") & Key("sk").gte(1), FilterExpression=Attr("flags").contains("x"))
    assert r["Items"][0]["amount"] == Decimal("9.99") and r["Items"][0]["flags"] == {"x", "y"}, r

    # Batches.
    req = {"Orders": [{"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": str(i)}}}} for i in range(25)]}
    assert db.batch_write_item(RequestItems=req)["UnprocessedItems"] == {}
    req["Orders"].append({"DeleteRequest": {"Key": {"pk": {"S": "b"}, "sk": {"N": "99"}}}})
    expect_error("ValidationException", db.batch_write_item, RequestItems=req,
                 contains="Value at 'RequestItems.Orders.member' failed to satisfy constraint: Member must have length "
                          "less than or equal to 25")
    got = db.batch_get_item(RequestItems={"Orders": {"Keys": [{"pk": {"S": "b"}, "sk": {"N": str(i)}} for i in range(5)]}})
    assert len(got["Responses"]["Orders"]) == 5 and got["UnprocessedKeys"] == {}, got

    # Transactions.
    e = expect_error("TransactionCanceledException", db.transact_write_items, TransactItems=[
        {"Put": {"TableName": "Orders", "Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": "Orders", "Key": {"pk": {"S": "cust#1"}, "sk": {"N": "0"}},
                            "ConditionExpression": "#s = :open", "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {":open": {"S": "open"}}}}],
        contains="[None, ConditionalCheckFailed]")
    assert [r["Code"] for r in e.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed"], e.response
    assert "Item" not in db.get_item(TableName="Orders", Key={"pk": {"S": "t"}, "sk": {"N": "1"}})
    db.transact_write_items(ClientRequestToken="tok-1", TransactItems=[
        {"Put": {"TableName": "Orders", "Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}}},
        {"Update": {"TableName": "Orders", "Key": {"pk": {"S": "cust#1"}, "sk": {"N": "0"}},
                    "UpdateExpression": "ADD visits :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    got = db.transact_get_items(TransactItems=[{"Get": {"TableName": "Orders", "Key": {"pk": {"S": "t"}, "sk": {"N": "1"}}}},
                                               {"Get": {"TableName": "Orders", "Key": {"pk": {"S": "cust#1"}, "sk": {"N": "0"}}}}])
    assert got["Responses"][1]["Item"]["visits"] == {"N": "1"}, got
    # The same token again within ten minutes: accepted, and nothing is applied twice.
    db.transact_write_items(ClientRequestToken="tok-1", TransactItems=[
        {"Put": {"TableName": "Orders", "Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}}},
        {"Update": {"TableName": "Orders", "Key": {"pk": {"S": "cust#1"}, "sk": {"N": "0"}},
                    "UpdateExpression": "ADD visits :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    again = db.get_item(TableName="Orders", Key={"pk": {"S": "cust#1"}, "sk": {"N": "0"}})
    assert again["Item"]["visits"] == {"N": "1"}, again

    # An update that only removes does not create a missing item; an empty update does.
    missing = {"pk": {"S": "ghost"}, "sk": {"N": "1"}}
    db.update_item(TableName="Orders", Key=missing, UpdateExpression="REMOVE note")
    db.update_item(TableName="Orders", Key=missing, UpdateExpression="DELETE tags :t",
                   ExpressionAttributeValues={":t": {"SS": ["a"]}})
    out = db.update_item(TableName="Orders", Key=missing, AttributeUpdates={"note": {"Action": "DELETE"}},
                         ReturnValues="ALL_NEW")
    assert "Attributes" not in out, out
    assert "Item" not in db.get_item(TableName="Orders", Key=missing, ConsistentRead=True)
    db.update_item(TableName="Orders", Key=missing)
    assert db.get_item(TableName="Orders", Key=missing)["Item"] == missing
    db.delete_item(TableName="Orders", Key=missing)
    # Index keys have the table's key limits.
    expect_error("ValidationException", db.put_item, TableName="Orders",
                 Item={"pk": {"S": "big"}, "sk": {"N": "1"}, "status": {"S": "s" * 2049}},
                 contains="Size limit exceeded for Index Key status Actual Size: 2049 bytes Max Size: 2048 bytes "
                          "IndexName: ByStatus")
    db.put_item(TableName="Orders", Item={"pk": {"S": "big"}, "sk": {"N": "1"}, "status": {"S": "s" * 2048}})
    db.delete_item(TableName="Orders", Key={"pk": {"S": "big"}, "sk": {"N": "1"}})

    # Requests DynamoDB refuses before reading anything, in its words.
    key = {"pk": {"S": "cust#1"}, "sk": {"N": "1"}}
    expect_error("ValidationException", db.get_item, TableName="Orders", Key=key, AttributesToGet=["note", "note"],
                 contains="One or more parameter values were invalid: Duplicate value in attribute name: note")
    expect_error("ValidationException", db.get_item, TableName="Orders", Key=key, ProjectionExpression="note, note",
                 contains="Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
                          "rewrite one of these paths; path one: [note], path two: [note]")
    expect_error("ValidationException", db.query, TableName="Orders", KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues={":p": {"S": "cust#1"}}, Select="SPECIFIC_ATTRIBUTES",
                 contains="1 validation error detected: Must specify the AttributesToGet or ProjectionExpression when "
                          "choosing to get SPECIFIC_ATTRIBUTES")
    expect_error("ValidationException", db.query, TableName="Orders", IndexName="ByStatus",
                 KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                 ExpressionAttributeValues={":s": {"S": "open"}}, Select="ALL_ATTRIBUTES",
                 contains="Select type ALL_ATTRIBUTES is not supported for global secondary index ByStatus because "
                          "its projection type is not ALL")
    expect_error("ValidationException", db.scan, TableName="Orders", FilterExpression="begins_with(note, :n)",
                 ExpressionAttributeValues={":n": {"N": "1"}},
                 contains="Invalid FilterExpression: Incorrect operand type for operator or function; operator or "
                          "function: begins_with, operand type: N")
    expect_error("ValidationException", db.scan, TableName="Orders", FilterExpression="amount BETWEEN :a AND :b",
                 ExpressionAttributeValues={":a": {"N": "5"}, ":b": {"S": "z"}},
                 contains="Invalid FilterExpression: The BETWEEN operator requires same data type for lower and upper "
                          "bounds; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:z}")
    expect_error("ValidationException", db.scan, TableName="Orders", FilterExpression="amount BETWEEN :a AND :b",
                 ExpressionAttributeValues={":a": {"N": "10"}, ":b": {"N": "9"}},
                 contains="The BETWEEN operator requires upper bound to be greater than or equal to lower bound")

    expect_error("ValidationException", db.query, TableName="Orders", KeyConditionExpression="pk = :p AND note = :n",
                 ExpressionAttributeValues={":p": {"S": "cust#1"}, ":n": {"S": "x"}},
                 contains="Query key condition not supported")
    expect_error("ValidationException", db.query, TableName="Orders", KeyConditionExpression="pk.a = :p",
                 ExpressionAttributeValues={":p": {"S": "cust#1"}},
                 contains="KeyConditionExpressions cannot have conditions on nested attributes")
    expect_error("ValidationException", db.create_table, TableName="Twice", BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                       {"AttributeName": "pk", "AttributeType": "N"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], contains="Attribute Name is duplicated: pk")
    # Tags are bounded at CreateTable as at TagResource (checked server-side: boto3's own check is off here).
    raw = boto3.client("dynamodb", endpoint_url=base, region_name="us-east-1", aws_access_key_id="test",
                       aws_secret_access_key="test", config=Config(parameter_validation=False))
    tagged = dict(TableName="Tagged", BillingMode="PAY_PER_REQUEST",
                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                  KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    expect_error("ValidationException", raw.create_table, **tagged,
                 Tags=[{"Key": "team", "Value": "x"}, {"Key": "k" * 129, "Value": "v"}],
                 contains="1 validation error detected: Value '" + "k" * 129 + "' at 'tags.2.member.key' failed to "
                          "satisfy constraint: Member must have length less than or equal to 128")
    expect_error("ValidationException", raw.tag_resource, ResourceArn=d["TableArn"],
                 Tags=[{"Key": "k", "Value": "é" * 257}],
                 contains="at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than "
                          "or equal to 256")
    raw.create_table(**tagged, Tags=[{"Key": "k" * 128, "Value": "é" * 256}])
    arn = raw.describe_table(TableName="Tagged")["Table"]["TableArn"]
    assert raw.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "k" * 128, "Value": "é" * 256}]
    raw.delete_table(TableName="Tagged")
    # Expected's members go together only as DynamoDB allows.
    item = {"pk": {"S": "exp"}, "sk": {"N": "1"}}
    for expected, message in [
            ({"a": {"Exists": True, "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}},
             "Exists and ComparisonOperator cannot be used together for Attribute: a"),
            ({"a": {"Value": {"S": "x"}, "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}},
             "Value and AttributeValueList cannot be used together for Attribute: a"),
            ({"a": {"AttributeValueList": [{"S": "x"}]}},
             "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"),
            ({"a": {"ComparisonOperator": "LT"}},
             "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a"),
            ({"a": {"Value": {"S": "x"}, "ComparisonOperator": "NULL"}},
             "Invalid number of argument(s) for the NULL ComparisonOperator")]:
        expect_error("ValidationException", raw.put_item, TableName="Orders", Item=item, Expected=expected,
                     contains="One or more parameter values were invalid: " + message)
    raw.put_item(TableName="Orders", Item=item, Expected={})  # empty: no condition
    raw.put_item(TableName="Orders", Item=item, Expected={"pk": {"Value": {"S": "exp"}, "ComparisonOperator": "EQ"}})
    expect_error("ConditionalCheckFailedException", raw.put_item, TableName="Orders", Item=item,
                 Expected={"pk": {"Value": {"S": "other"}, "ComparisonOperator": "EQ"}})
    raw.delete_item(TableName="Orders", Key=item)
    # ReturnConsumedCapacity: DynamoDB's units, per table for batches and transactions.
    small = {"pk": {"S": "cap"}, "sk": {"N": "1"}}
    out = db.batch_write_item(RequestItems={"Orders": [{"PutRequest": {"Item": small}},
                                                       {"PutRequest": {"Item": {**small, "sk": {"N": "2"}}}}]},
                              ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": "Orders", "CapacityUnits": 2.0}], out
    out = db.batch_get_item(RequestItems={"Orders": {"Keys": [small, {**small, "sk": {"N": "3"}}],
                                                     "ConsistentRead": True}}, ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == [{"TableName": "Orders", "CapacityUnits": 2.0,
                                        "Table": {"CapacityUnits": 2.0}}], out
    out = db.transact_write_items(TransactItems=[{"Put": {"TableName": "Orders", "Item": small}}],
                                  ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": "Orders", "CapacityUnits": 2.0}], out
    out = db.get_item(TableName="Orders", Key={**small, "sk": {"N": "9"}}, ConsistentRead=True,
                      ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 1.0, out  # a missing item, strongly consistent
    expect_error("ValidationException", raw.put_item, TableName="Orders", Item={**small, "sk": {"N": "4"}},
                 ReturnConsumedCapacity="DUMMY",
                 contains="Value 'DUMMY' at 'returnConsumedCapacity' failed to satisfy constraint")
    assert "Item" not in db.get_item(TableName="Orders", Key={**small, "sk": {"N": "4"}}), "refused before writing"
    for k in ("1", "2"):
        db.delete_item(TableName="Orders", Key={**small, "sk": {"N": k}})
    # ExclusiveStartKey: exactly the keys read, and in the segment scanned.
    expect_error("ValidationException", db.query, TableName="Orders", KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues={":p": {"S": "cust#1"}},
                 ExclusiveStartKey={"pk": {"S": "cust#1"}, "sk": {"N": "1"}, "note": {"S": "x"}},
                 contains="The provided starting key is invalid")
    expect_error("ValidationException", db.scan, TableName="Orders", ExclusiveStartKey={"pk": {"S": "cust#1"}},
                 contains="The provided starting key is invalid: The provided key element does not match the schema")
    segment_of = {}
    for seg in (0, 1):
        for i in db.scan(TableName="Orders", Segment=seg, TotalSegments=2)["Items"]:
            segment_of[i["pk"]["S"]] = (seg, {"pk": i["pk"], "sk": i["sk"]})
    seg, start = segment_of["cust#1"]
    db.scan(TableName="Orders", Segment=seg, TotalSegments=2, ExclusiveStartKey=start)
    expect_error("ValidationException", db.scan, TableName="Orders", Segment=1 - seg, TotalSegments=2,
                 ExclusiveStartKey=start,
                 contains="The provided Exclusive start key does not map to the provided Segment and TotalSegments")

    # TTL, tags, UpdateTable.
    db.update_time_to_live(TableName="Orders", TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True})
    assert db.describe_time_to_live(TableName="Orders")["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    arn = d["TableArn"]
    db.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "food"}])
    assert db.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "food"}]
    db.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert db.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    db.update_table(TableName="Orders", AttributeDefinitions=[{"AttributeName": "amount", "AttributeType": "N"}],
                    GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "ByTotal",
                                                             "KeySchema": [{"AttributeName": "amount", "KeyType": "HASH"}],
                                                             "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    r = db.query(TableName="Orders", IndexName="ByTotal", KeyConditionExpression="amount = :t",
                 ExpressionAttributeValues={":t": {"N": "4.5"}})
    assert r["Count"] == 1, r
    names = [t for page in db.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}) for t in page["TableNames"]]
    assert names == sorted(names) and "Orders" in names, names


def aws_cli(base):
    if not os.path.exists("/usr/bin/aws"):
        assert not os.environ.get("CI"), "/usr/bin/aws is missing: in CI nothing may be skipped"
        print("dynamodb_boto3_test: /usr/bin/aws missing, CLI checks skipped")
        return False
    rc, out, err = cli(base, "put-item", "--table-name", "Review-dev",
                       "--item", '{"PK": {"S": "EST#1"}, "SK": {"S": "REVIEW#1"}, "rating": {"N": "5"}}')
    assert rc == 0, err
    rc, out, err = cli(base, "query", "--table-name", "Review-dev", "--key-condition-expression", "PK = :p",
                       "--expression-attribute-values", '{":p": {"S": "EST#1"}}')
    assert rc == 0 and out["Count"] == 1 and out["Items"][0]["rating"] == {"N": "5"}, (out, err)
    rc, out, err = cli(base, "scan", "--table-name", "Orders", "--page-size", "5", "--select", "COUNT")
    expected = sum(p["Count"] for p in client(base).get_paginator("scan").paginate(TableName="Orders", Select="COUNT"))
    assert rc == 0 and out["Count"] == expected and expected > 29, (out, err, expected)  # the CLI follows LastEvaluatedKey itself
    rc, out, err = cli(base, "get-item", "--table-name", "Nope-dev", "--key", '{"PK": {"S": "x"}}')
    assert rc != 0 and "ResourceNotFoundException" in err, err
    rc, out, err = cli(base, "describe-table", "--table-name", "FoodEstablishment-dev")
    assert rc == 0 and [i["IndexName"] for i in out["Table"]["GlobalSecondaryIndexes"]] == ["GSI1", "GSI2"], out


def persistence():
    d = tempfile.mkdtemp(prefix="emu-dynamo-")
    try:
        proc, base = start(d)
        db = client(base)
        db.put_item(TableName="MenuItem-dev", Item={"PK": {"S": "EST#7"}, "SK": {"S": "ITEM#1"}, "price": {"N": "12.00"}})
        stop(proc)
        proc, base = start(d)
        got = client(base).get_item(TableName="MenuItem-dev", Key={"PK": {"S": "EST#7"}, "SK": {"S": "ITEM#1"}})
        assert got["Item"]["price"] == {"N": "12"}, got
        stop(proc)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def item_collection_metrics(db):
    """ReturnItemCollectionMetrics SIZE: the written item's collection (its partition on a table
    with a local secondary index) and its size as a range of whole gigabytes."""
    db.create_table(TableName="Collections", BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "lsk")],
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                    LocalSecondaryIndexes=[{"IndexName": "ByL", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsk", "KeyType": "RANGE"}]}])
    key = {"pk": {"S": "c1"}, "sk": {"S": "a"}}
    one = {"ItemCollectionKey": {"pk": {"S": "c1"}}, "SizeEstimateRangeGB": [0.0, 1.0]}
    got = db.put_item(TableName="Collections", Item={**key, "lsk": {"S": "l"}}, ReturnItemCollectionMetrics="SIZE")
    assert got["ItemCollectionMetrics"] == one, got
    got = db.update_item(TableName="Collections", Key=key, UpdateExpression="SET d = :v",
                         ExpressionAttributeValues={":v": {"S": "x"}}, ReturnItemCollectionMetrics="SIZE")
    assert got["ItemCollectionMetrics"] == one, got
    assert "ItemCollectionMetrics" not in db.delete_item(TableName="Collections", Key=key)
    got = db.batch_write_item(RequestItems={"Collections": [{"PutRequest": {"Item": key}}]},
                              ReturnItemCollectionMetrics="SIZE")
    assert got["ItemCollectionMetrics"] == {"Collections": [one]}, got
    got = db.transact_write_items(TransactItems=[{"Delete": {"TableName": "Collections", "Key": key}}],
                                  ReturnItemCollectionMetrics="SIZE")
    assert got["ItemCollectionMetrics"] == {"Collections": [one]}, got
    # A table without a local secondary index has no item collections.
    got = db.put_item(TableName="Orders", Item={"pk": {"S": "c1"}, "sk": {"N": "1"}}, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in got, got
    expect_error("ValidationException", db.put_item, TableName="Collections", Item=key,
                 ReturnItemCollectionMetrics="ALL", contains="[SIZE, NONE]")


def table_sizes(db):
    """DescribeTable's ItemCount and TableSizeBytes (by DynamoDB's size rules: a string is its
    name's and its UTF-8 bytes) and each index's ItemCount, live; IndexSizeBytes is 0."""
    gsi = lambda name, proj: {"IndexName": name, "Projection": proj,  # noqa: E731
                              "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}
    db.create_table(TableName="Sizes", BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g")],
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                    GlobalSecondaryIndexes=[gsi("All", {"ProjectionType": "ALL"}),
                                            gsi("Keys", {"ProjectionType": "KEYS_ONLY"}),
                                            gsi("Inc", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]})])
    s = lambda v: {"S": v}  # noqa: E731
    db.put_item(TableName="Sizes", Item={"pk": s("p1"), "sk": s("s1"), "g": s("x"), "a": s("hello"), "b": s("world!")})
    db.put_item(TableName="Sizes", Item={"pk": s("p2"), "sk": s("s2"), "g": s("y"), "a": s("hi")})
    db.put_item(TableName="Sizes", Item={"pk": s("p3"), "sk": s("s3"), "b": s("zz")})

    def sizes():
        t = db.describe_table(TableName="Sizes")["Table"]
        return ((t["ItemCount"], t["TableSizeBytes"]),
                {ix["IndexName"]: (ix["ItemCount"], ix["IndexSizeBytes"]) for ix in t["GlobalSecondaryIndexes"]})
    got = sizes()
    assert got == ((3, 23 + 13 + 11), {"All": (2, 0), "Keys": (2, 0), "Inc": (2, 0)}), got
    db.delete_item(TableName="Sizes", Key={"pk": s("p1"), "sk": s("s1")})
    got = sizes()
    assert got == ((2, 13 + 11), {"All": (1, 0), "Keys": (1, 0), "Inc": (1, 0)}), got


def capacity_by_index(db):
    """ReturnConsumedCapacity INDEXES: the table's share and each index's, adding up to the total
    (the cases of ScyllaDB Alternator's test_returnconsumedcapacity.py, written against DynamoDB)."""
    db.create_table(TableName="Caps", BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("p", "c", "x")],
                    KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
                    GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
                                             "Projection": {"ProjectionType": "ALL"}}],
                    LocalSecondaryIndexes=[{"IndexName": "lsi",
                                            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"},
                                                          {"AttributeName": "x", "KeyType": "RANGE"}],
                                            "Projection": {"ProjectionType": "ALL"}}])
    key = {"p": {"S": "p1"}, "c": {"S": "c1"}}
    x = {"x": {"S": "x1"}}

    def check(c, indexes, only=None):
        assert c["TableName"] == "Caps", c
        table = c.get("Table", {}).get("CapacityUnits", 0)
        gsi = c.get("GlobalSecondaryIndexes", {}).get("gsi", {}).get("CapacityUnits", 0)
        lsi = c.get("LocalSecondaryIndexes", {}).get("lsi", {}).get("CapacityUnits", 0)
        assert c["CapacityUnits"] == table + gsi + lsi, c
        assert ("Table" in c) == (only is None), c
        assert (gsi > 0) == (indexes and only != "lsi") and (lsi > 0) == (indexes and only != "gsi"), c

    check(db.get_item(TableName="Caps", Key=key, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"], False)
    out = db.put_item(TableName="Caps", Item={**key, **x}, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    check(out, True)
    assert out == {"TableName": "Caps", "CapacityUnits": 3.0, "Table": {"CapacityUnits": 1.0},
                   "GlobalSecondaryIndexes": {"gsi": {"CapacityUnits": 1.0}},
                   "LocalSecondaryIndexes": {"lsi": {"CapacityUnits": 1.0}}}, out
    # TOTAL counts the indexes' writes too.
    assert db.update_item(TableName="Caps", Key=key, UpdateExpression="SET a = :v",
                          ExpressionAttributeValues={":v": {"S": "hi"}},
                          ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"] == {"TableName": "Caps",
                                                                                  "CapacityUnits": 3.0}
    check(db.query(TableName="Caps", KeyConditionExpression="p = :p", ExpressionAttributeValues={":p": key["p"]},
                   ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"], False)
    check(db.scan(TableName="Caps", ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"], False)
    check(db.query(TableName="Caps", IndexName="gsi", KeyConditionExpression="x = :x",
                   ExpressionAttributeValues={":x": x["x"]}, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"],
          True, only="gsi")
    check(db.query(TableName="Caps", IndexName="lsi", KeyConditionExpression="p = :p AND x = :x",
                   ExpressionAttributeValues={":p": key["p"], ":x": x["x"]},
                   ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"], True, only="lsi")
    out = db.batch_write_item(RequestItems={"Caps": [{"PutRequest": {"Item": {**key, **x, "b": {"S": "z"}}}}]},
                              ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert len(out) == 1
    check(out[0], True)
    # Out of the indexes: the old item is deleted from them (index writes); then, neither the old
    # item nor the new one in them, no index writes at all.
    check(db.put_item(TableName="Caps", Item=key, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"], True)
    check(db.put_item(TableName="Caps", Item={**key, "animal": {"S": "dog"}},
                      ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"], False)
    check(db.delete_item(TableName="Caps", Key=key, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"], False)
    db.delete_table(TableName="Caps")


def main():
    proc, base = start()
    try:
        tables_and_items(client(base), base)
        capacity_by_index(client(base))
        table_sizes(client(base))
        item_collection_metrics(client(base))
        cli_ran = aws_cli(base) is not False
    finally:
        stop_serve(proc)
    persistence()
    print("dynamodb_boto3_test: ok")
    if not cli_ran:
        sys.exit(77)  # ctest shows the test as skipped (SKIP_RETURN_CODE)


if __name__ == "__main__":
    main()
