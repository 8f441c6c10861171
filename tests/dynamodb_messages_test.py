#!/usr/bin/python3
"""DynamoDB's error messages on `bellyfed-emu serve`, word for word, as real DynamoDB words them
today (captured from AWS by the Parity Suite's conformance tests): through Debian's boto3 with its
own parameter validation off, so every malformed request reaches the server."""
import json
import sys

from wire import boto3, expect_error, start_serve, stop_serve  # noqa: E402  (Debian's boto3)
from botocore.config import Config  # noqa: E402

EMU = sys.argv[1]


def messages(raw):
    """Messages as real DynamoDB words them today (captured from AWS by the Parity Suite's
    conformance tests), through boto3 with its own validation off."""
    raw.create_table(TableName="Words", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    item = {"pk": {"S": "w"}}
    put = lambda **kw: raw.put_item(TableName="Words", **kw)  # noqa: E731
    bw = lambda items: raw.batch_write_item(RequestItems=items)  # noqa: E731
    for fn, kw, text in [
            (raw.put_item, {"TableName": "", "Item": item}, "Member must have length greater than or equal to 1"),
            (put, {"Item": {**item, "b": {"BS": []}}}, "Binary sets should not be empty"),
            (put, {"Item": {**item, "b": {"BS": [b"", b""]}}}, "]of type BS contains duplicates."),
            (put, {"Item": {**item, "n": {"NS": [""]}}}, "The parameter cannot be converted to a numeric value"),
            (put, {"Item": {**item, "n": {"N": "1x"}}}, "The parameter cannot be converted to a numeric value: 1x"),
            (put, {"Item": item, "ExpressionAttributeValues": {":v": {"S": "x"}}},
             "1 validation error detected: ExpressionAttributeValues can only be specified when using expressions"),
            (put, {"Item": item, "ExpressionAttributeNames": {"#a": "a"}},
             "1 validation error detected: ExpressionAttributeNames can only be specified when using expressions"),
            (put, {"Item": item, "ConditionExpression": "((attribute_not_exists(pk)))"},
             "Invalid ConditionExpression: The expression has redundant parentheses;"),
            (put, {"Item": item, "ConditionExpression": "contains(#a, #a)", "ExpressionAttributeNames": {"#a": "data"}},
             "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this "
             "operator or function; operator: contains, first operand: [data]"),
            (raw.update_item, {"TableName": "Words", "Key": item, "UpdateExpression": "SET b = :w",
                               "ConditionExpression": "a = :v", "ExpressionAttributeValues": {":w": {"S": "x"}}},
             "1 validation error detected: Invalid ConditionExpression: An expression attribute value used in "
             "expression is not defined; attribute value: :v"),
            (put, {"Item": item, "ReturnValues": "ALL_NEW"}, "ReturnValues can only be ALL_OLD or NONE"),
            (raw.delete_item, {"TableName": "Words", "Key": item, "ReturnValues": "UPDATED_OLD"},
             "ReturnValues can only be ALL_OLD or NONE"),
            (raw.update_item, {"TableName": "Words", "Key": item, "ReturnValues": "GARBAGE"},
             "1 validation error detected: Value 'GARBAGE' at 'returnValues' failed to satisfy constraint: Member "
             "must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"),
            (bw, {"items": {}}, "The requestItems parameter is required for BatchWriteItem"),
            (raw.batch_get_item, {"RequestItems": {}}, "1 validation error detected: Value at 'RequestItems' failed "
             "to satisfy constraint: Member must have length greater than or equal to 1"),
            (raw.batch_get_item, {"RequestItems": {"Words": {"Keys": [{"pk": {"S": str(i)}} for i in range(101)]}}},
             "1 validation error detected: Value at 'RequestItems.Words.member.Keys' failed to satisfy constraint: "
             "Member must have length less than or equal to 100"),
            (raw.batch_get_item, {"RequestItems": {"Words": {"Keys": []}}},
             "1 validation error detected: Value at 'RequestItems.Words.member.Keys' failed to satisfy constraint: "
             "Member must have length greater than or equal to 1"),
            (raw.batch_get_item, {"RequestItems": {"bad!name": {"Keys": [{"pk": {"S": "a"}}]}}},
             "1 validation error detected: Value '{\"bad!name\":{\"Keys\":[{\"pk\":{\"S\":\"a\"}}]}}' at "
             "'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length "
             "less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy "
             "regular expression pattern: [a-zA-Z0-9_.-]+]"),
            (raw.batch_get_item, {"RequestItems": {"Words": {"Keys": [item], "ProjectionExpression": "pk"},
                                                   "Orders": {"Keys": [{"pk": {"S": "x"}, "sk": {"N": "1"}}],
                                                              "AttributesToGet": ["pk"]}}},
             "Can not use both expression and non-expression parameters in the same request"),
            (bw, {"items": {"Words": [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(26)]}},
             "1 validation error detected: Value at 'RequestItems.Words.member' failed to satisfy constraint: "
             "Member must have length less than or equal to 25"),
            (bw, {"items": {"Words": []}},
             "1 validation error detected: Value '{Words=[]}' at 'requestItems' failed to satisfy constraint: Map "
             "value must satisfy constraint: [Member must have length less than or equal to 25, Member must have "
             "length greater than or equal to 1]"),
            (bw, {"items": {"Words": [{"PutRequest": {"Item": {"pk": {"N": "5"}}}}]}},
             "The provided key element does not match the schema"),
            (bw, {"items": {"Words": [{"PutRequest": {"Item": {"other": {"S": "x"}}}}]}},
             "The provided key element does not match the schema"),
            (bw, {"items": {"bad!name": [{"PutRequest": {"Item": {"pk": {"S": "x"}}}}]}},
             "1 validation error detected: Value '{bad!name=[WriteRequest(putRequest=PutRequest(item={pk=AttributeValue(S=x)}))]}' "
             "at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have "
             "length less than or equal to 255, Member must have length greater than or equal to 3, Member must "
             "satisfy regular expression pattern: [a-zA-Z0-9_.-]+]")]:
        e = expect_error("ValidationException", fn, **kw)
        assert text in e.response["Error"]["Message"], (text, e.response["Error"]["Message"])
    # PutItem, UpdateItem and DeleteItem word these request checks inside the envelope: the
    # whole message, exactly.
    env = "1 validation error detected: "
    bad = "One or more parameter values were invalid: "
    for op, kw in [(raw.put_item, {"Item": item}), (raw.update_item, {"Key": item}), (raw.delete_item, {"Key": item})]:
        for extra, text in [
                ({"ConditionExpression": "attribute_exists(a)", "ExpressionAttributeValues": {}},
                 "ExpressionAttributeValues must not be empty"),
                ({"ConditionExpression": "attribute_exists(a)", "ExpressionAttributeNames": {}},
                 "ExpressionAttributeNames must not be empty"),
                ({"ConditionExpression": ""}, "Invalid ConditionExpression: The expression can not be empty;"),
                ({"Expected": {"a": {"Exists": True}}}, bad + "Value must be provided when Exists is true for Attribute: a"),
                ({"Expected": {"a": {"Exists": False, "Value": {"S": "x"}}}},
                 bad + "Value cannot be used when Exists is false for Attribute: a"),
                ({"Expected": {"a": {"Value": {"S": "x"}, "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}}},
                 bad + "Value and AttributeValueList cannot be used together for Attribute: a"),
                ({"Expected": {"a": {"ComparisonOperator": "EQ"}}},
                 bad + "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"),
                ({"Expected": {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "x"}]}}},
                 bad + "Invalid number of argument(s) for the BETWEEN ComparisonOperator")] + (
                [({"ReturnValues": "ALL_NEW"}, "ReturnValues can only be ALL_OLD or NONE")]
                if op != raw.update_item else []):
            e = expect_error("ValidationException", op, TableName="Words", **kw, **extra)
            assert e.response["Error"]["Message"] == env + text, (op, extra, e.response["Error"]["Message"])
    # DynamoDB's two value layers: the item writes word a bad value in the current layer inside
    # the envelope, GetItem/BatchGetItem/Query bare, BatchWriteItem/transactions/Scan in the older
    # layer (numbers read as Java's BigDecimal, duplicates listed as sent, values wrapped).
    dupes = {"SS": ["b", "a", "b"]}
    current = bad + 'Input collection ["a", "b", "b"] contains duplicates.'
    older = bad + "Input collection [b, a, b] contains duplicates."
    overflow = "Number overflow. Attempting to store a number with magnitude larger than supported range"
    underflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    numeric = "The parameter cannot be converted to a numeric value"
    big = {"N": "1e2147483647"}
    for fn, kw, text in [
            (raw.put_item, {"TableName": "Words", "Item": {**item, "s": dupes}}, env + current),
            (raw.delete_item, {"TableName": "Words", "Key": item, "ConditionExpression": "n = :v",
                               "ExpressionAttributeValues": {":v": big}}, env + overflow),
            (raw.update_item, {"TableName": "Words", "Key": {"pk": {"N": ""}}}, env + numeric + ": "),
            (raw.get_item, {"TableName": "Words", "Key": {"pk": dupes}}, current),
            (raw.query, {"TableName": "Words", "KeyConditionExpression": "pk = :p", "FilterExpression": "n = :v",
                         "ExpressionAttributeValues": {":p": {"S": "x"}, ":v": {"NS": ["2", "1", "2"]}}},
             bad + "Input collection contains duplicates."),
            (raw.batch_write_item, {"RequestItems": {"Words": [{"PutRequest": {"Item": {**item, "n": big}}}]}},
             underflow),
            (raw.batch_write_item, {"RequestItems": {"Words": [{"PutRequest": {"Item": {**item, "s": dupes}}}]}},
             older),
            (raw.transact_get_items, {"TransactItems": [{"Get": {"TableName": "Words", "Key": {"pk": {"N": ""}}}}]},
             numeric),
            (raw.transact_write_items, {"TransactItems": [{"ConditionCheck": {
                "TableName": "Words", "Key": item, "ConditionExpression": "s = :t",
                "ExpressionAttributeValues": {":t": {"NS": ["2", "1", "2"]}}}}]},
             "ExpressionAttributeValues contains invalid value: Input collection contains duplicates for key :t"),
            (raw.scan, {"TableName": "Words", "FilterExpression": "s = :t", "ExpressionAttributeValues": {":t": dupes}},
             "ExpressionAttributeValues contains invalid value: " + older + " for key :t")]:
        e = expect_error("ValidationException", fn, **kw)
        assert e.response["Error"]["Message"] == text, (kw, e.response["Error"]["Message"])
    # Key condition operands: one no key type could satisfy is an expression error naming the
    # operator as written; a key type that is not the attribute's fails the schema check.
    operand = ("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or "
               "function: %s, operand type: %s")
    schema = "One or more parameter values were invalid: Condition parameter type does not match schema type"
    p = {":p": {"S": "q"}}
    for kce, values, text in [
            ("pk = :p AND begins_with(sk, :v)", {**p, ":v": {"N": "1"}}, operand % ("begins_with", "N")),
            ("pk = :p AND sk < :v", {**p, ":v": {"BOOL": True}}, operand % ("<", "BOOL")),
            ("pk = :p AND :v >= sk", {**p, ":v": {"BOOL": True}}, operand % (">=", "BOOL")),
            ("pk = :p AND sk BETWEEN :a AND :b", {**p, ":a": {"BOOL": False}, ":b": {"BOOL": True}},
             operand % ("BETWEEN", "BOOL")),
            ("pk = :p AND sk = :v", {**p, ":v": {"BOOL": True}}, schema),
            ("pk = :p AND sk > :a AND sk < :b", {**p, ":a": {"N": "1"}, ":b": {"N": "5"}},
             "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"),
            ("pk = :p AND sk > :a AND extra = :b", {**p, ":a": {"N": "1"}, ":b": {"N": "5"}},
             "The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)")]:
        e = expect_error("ValidationException", raw.query, TableName="Orders", KeyConditionExpression=kce,
                         ExpressionAttributeValues=values)
        assert e.response["Error"]["Message"] == text, (kce, e.response["Error"]["Message"])
    e = expect_error("ValidationException", raw.query, TableName="Absent", Select="BOGUS", ConditionalOperator="XOR",
                     KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
                     QueryFilter={"b": {"ComparisonOperator": "NULL"}, "c": {"ComparisonOperator": "NULL"}})
    assert e.response["Error"]["Message"] == "Failed to satisfy constraint: Member must satisfy enum value set: [ALL, OR]"
    # Documents nest 32 levels (the attribute is the first): 31 wraps are stored, 32 refused in
    # DynamoDB's words, in a PutItem and inside a transaction alike.
    def deep(n):
        v = {"S": "leaf"}
        for _ in range(n):
            v = {"M": {"n": v}}
        return v
    raw.put_item(TableName="Words", Item={"pk": {"S": "deep"}, "data": deep(31)})
    got = raw.get_item(TableName="Words", Key={"pk": {"S": "deep"}})["Item"]["data"]
    assert json.dumps(got) == json.dumps(deep(31))
    for fn, kw in [(raw.put_item, {"TableName": "Words", "Item": {"pk": {"S": "deeper"}, "data": deep(32)}}),
                   (raw.transact_write_items, {"TransactItems": [
                       {"Put": {"TableName": "Words", "Item": {"pk": {"S": "deeper"}, "data": deep(32)}}}]})]:
        e = expect_error("ValidationException", fn, **kw)
        assert "Nesting Levels have exceeded supported limits" in e.response["Error"]["Message"], e.response
    # Numbers: zero is range-checked by its written exponent, 1E125 comes back in full, and an
    # update's finished item over 400 KB is worded as an update.
    e = expect_error("ValidationException", raw.put_item, TableName="Words", Item={**item, "n": {"N": "0e126"}})
    assert e.response["Error"]["Message"] == env + overflow, e.response
    raw.put_item(TableName="Words", Item={"pk": {"S": "wide"}, "n": {"N": "1E125"}})
    assert raw.get_item(TableName="Words", Key={"pk": {"S": "wide"}})["Item"]["n"] == {"N": "1" + "0" * 125}
    e = expect_error("ValidationException", raw.update_item, TableName="Words", Key={"pk": {"S": "big"}},
                     UpdateExpression="SET p = :p", ExpressionAttributeValues={":p": {"S": "x" * 409600}})
    assert e.response["Error"]["Message"] == "Item size to update has exceeded the maximum allowed size", e.response
    # Several member errors at once, joined in DynamoDB's member order: an UpdateItem with no Key,
    # TransactWriteItems' token and enums (checked before any table is looked up).
    rcc = ("Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum "
           "value set: [INDEXES, TOTAL, NONE]")
    no_key = "Value null at 'key' failed to satisfy constraint: Member must not be null"
    e = expect_error("ValidationException", raw.update_item, TableName="", ReturnConsumedCapacity="BOGUS",
                     UpdateExpression="SET a = :a", ExpressionAttributeValues={":a": {"S": "x"}})
    assert e.response["Error"]["Message"] == (
        "3 validation errors detected: " + rcc + "; Value '' at 'tableName' failed to satisfy constraint: Member "
        "must have length greater than or equal to 1; " + no_key), e.response
    e = expect_error("ValidationException", raw.update_item, TableName="Absent", ConditionalOperator="XOR",
                     AttributeUpdates={"x": {"Action": "PUT", "Value": {"S": "1"}}},
                     Expected={"a": {"Exists": False}, "b": {"Exists": False}})
    assert e.response["Error"]["Message"] == (
        "2 validation errors detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member "
        "must satisfy enum value set: [OR, AND]; " + no_key), e.response
    put = {"Put": {"TableName": "Words", "Item": {"pk": {"S": "tx"}}}}
    e = expect_error("ValidationException", raw.transact_write_items, TransactItems=[put], ClientRequestToken="x" * 37,
                     ReturnConsumedCapacity="BOGUS", ReturnItemCollectionMetrics="NOPE")
    assert e.response["Error"]["Message"] == (
        "3 validation errors detected: Value '" + "x" * 37 + "' at 'clientRequestToken' failed to satisfy "
        "constraint: Member must have length less than or equal to 36; " + rcc + "; Value 'NOPE' at "
        "'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"
    ), e.response
    # Every action's values and expressions before any table: a later action's bad condition or
    # unused value is reported ahead of an earlier action's missing table.
    absent = {"Put": {"TableName": "Absent", "Item": {"pk": {"S": "a"}}}}
    for later, text in [
            ({"ConditionCheck": {"TableName": "Words", "Key": item, "ConditionExpression": "attribute_not_exists("}},
             'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("'),
            ({"ConditionCheck": {"TableName": "Words", "Key": item, "ConditionExpression": "attribute_not_exists(pk)",
                                 "ExpressionAttributeValues": {":v": {"S": "x"}}}},
             "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}")]:
        e = expect_error("ValidationException", raw.transact_write_items, TransactItems=[absent, later])
        assert e.response["Error"]["Message"] == text, e.response
    # The batch writes' enums together; BatchGetItem's malformed table name with its enum.
    e = expect_error("ValidationException", raw.batch_write_item, ReturnConsumedCapacity="BOGUS",
                     ReturnItemCollectionMetrics="NOPE", RequestItems={"bad!name": [{"PutRequest": {"Item": item}}]})
    assert e.response["Error"]["Message"] == (
        "2 validation errors detected: " + rcc + "; Value 'NOPE' at 'returnItemCollectionMetrics' failed to satisfy "
        "constraint: Member must satisfy enum value set: [SIZE, NONE]"), e.response
    e = expect_error("ValidationException", raw.batch_get_item, ReturnConsumedCapacity="BOGUS",
                     RequestItems={"bad!name": {"Keys": [{"pk": {"S": "a"}}]}})
    assert e.response["Error"]["Message"].startswith("2 validation errors detected: Value '{\"bad!name\"")
    assert e.response["Error"]["Message"].endswith("; " + rcc), e.response
    # Within one transaction action its expressions come before its key; an older-layer empty
    # attribute name is worded bare.
    e = expect_error("ValidationException", raw.transact_write_items, TransactItems=[
        {"Delete": {"TableName": "Absent", "Key": {"pk": deep(40)}, "ConditionExpression": "a = = b"}}])
    assert e.response["Error"]["Message"] == 'Invalid ConditionExpression: Syntax error; token: "=", near: "= = b"'
    e = expect_error("ValidationException", raw.transact_write_items, TransactItems=[
        {"Put": {"TableName": "Absent", "Item": {"pk": {"S": "a"}, "": {"S": "x"}}}},
        {"Put": {"TableName": "Absent", "Item": {"pk": {"S": "b"}, "d": deep(100)}}}])
    assert e.response["Error"]["Message"] == "Empty attribute name", e.response
    e = expect_error("ValidationException", raw.update_item, TableName="Words", Key=item,
                     UpdateExpression="SET " + ", ".join("a%d = :v" % i for i in range(500)),
                     ExpressionAttributeValues={":v": {"S": "x"}})
    assert e.response["Error"]["Message"] == "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"
    # CreateTable: index names too short, the global ones first, at their positions; a key
    # schema naming one attribute twice.
    short = "Value '%s' at '%s.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"
    e = expect_error("ValidationException", raw.create_table, TableName="Short", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     LocalSecondaryIndexes=[{"IndexName": "aa", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
                         {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lr", "KeyType": "RANGE"}]}],
                     GlobalSecondaryIndexes=[{"IndexName": "zz", "Projection": {"ProjectionType": "ALL"},
                                              "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"}]}])
    assert e.response["Error"]["Message"] == "2 validation errors detected: %s; %s" % (
        short % ("zz", "globalSecondaryIndexes"), short % ("aa", "localSecondaryIndexes")), e.response
    e = expect_error("ValidationException", raw.create_table, TableName="Twice", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}])
    assert e.response["Error"]["Message"] == (
        "Invalid KeySchema: Both the Hash Key and the Range Key element in the KeySchema have the same name")
    # Attribute names up to 65,535 bytes; a transaction's items up to 4 MB together.
    raw.put_item(TableName="Words", Item={"pk": {"S": "long"}, "a" * 65535: {"S": "x"}})
    e = expect_error("ValidationException", raw.put_item, TableName="Words",
                     Item={"pk": {"S": "longer"}, "a" * 65536: {"S": "x"}})
    assert e.response["Error"]["Message"] == (
        env + bad + "Attribute name is too large, must be less than 65536 bytes"), e.response
    puts = [{"Put": {"TableName": "Words", "Item": {"pk": {"S": "b%d" % i}, "p": {"S": "x" * 390000}}}}
            for i in range(11)]
    e = expect_error("ValidationException", raw.transact_write_items, TransactItems=puts)
    assert "cannot be larger than 4 MB" in e.response["Error"]["Message"], e.response
    assert "Item" not in raw.get_item(TableName="Words", Key={"pk": {"S": "b0"}})
    raw.transact_write_items(TransactItems=puts[:10])
    # ADD/DELETE of an operand of another type than the attribute; the legacy AttributeUpdates'
    # "mismatch".
    raw.put_item(TableName="Words", Item={"pk": {"S": "sets"}, "ss": {"SS": ["a"]}})
    for action in ("ADD", "DELETE"):
        e = expect_error("ValidationException", raw.update_item, TableName="Words", Key={"pk": {"S": "sets"}},
                         UpdateExpression=action + " ss :v", ExpressionAttributeValues={":v": {"NS": ["1"]}})
        assert e.response["Error"]["Message"] == (
            "Invalid UpdateExpression: An operand in the update expression has an incorrect data type"), e.response
        e = expect_error("ValidationException", raw.update_item, TableName="Words", Key={"pk": {"S": "sets"}},
                         AttributeUpdates={"ss": {"Action": action, "Value": {"NS": ["1"]}}})
        assert e.response["Error"]["Message"] == (
            "One or more parameter values were invalid: Type mismatch for attribute to update"), e.response
    # Query still words them bare.
    e = expect_error("ValidationException", raw.query, TableName="Words", KeyConditionExpression="pk = :v",
                     ExpressionAttributeValues={})
    assert e.response["Error"]["Message"] == "ExpressionAttributeValues must not be empty", e.response
    # A transaction's key of the wrong type cancels it with that item's reason; an empty one
    # refuses the request.
    for entry, why in [({"Put": {"TableName": "Words", "Item": {"pk": {"N": "5"}}}},
                        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
                       ({"Delete": {"TableName": "Words", "Key": {"pk": {"L": [{"S": "x"}]}}}},
                        "The provided key element does not match the schema")]:
        e = expect_error("TransactionCanceledException", raw.transact_write_items,
                         TransactItems=[{"Put": {"TableName": "Words", "Item": {"pk": {"S": "ok"}}}}, entry])
        assert e.response["CancellationReasons"] == [{"Code": "None"}, {"Code": "ValidationError", "Message": why}], e.response
    expect_error("ValidationException", raw.transact_write_items,
                 TransactItems=[{"Delete": {"TableName": "Words", "Key": {"pk": {"S": ""}}}}],
                 contains="The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
    assert "Item" not in raw.get_item(TableName="Words", Key=item), "nothing refused was written"
    assert "Item" not in raw.get_item(TableName="Words", Key={"pk": {"S": "ok"}}), "a cancelled transaction writes nothing"
    raw.delete_table(TableName="Words")


def main():
    proc, base = start_serve(EMU)
    try:
        raw = boto3.client("dynamodb", endpoint_url=base, region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test", config=Config(parameter_validation=False))
        raw.create_table(TableName="Orders", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "N"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}])
        messages(raw)
    finally:
        stop_serve(proc)
    print("dynamodb_messages_test: ok")


if __name__ == "__main__":
    main()
