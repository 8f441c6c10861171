// DynamoDB Streams of `bellyfed-emu serve` through the AWS SDK for JavaScript v3
// (@aws-sdk/client-dynamodb-streams): a table with a stream, its records read with every
// iterator type, dates and numbers as the SDK parses them, and the errors.
// Usage: node dynamodb_streams_sdk_test.mjs path/to/bellyfed-emu
import assert from "node:assert/strict";
import { expectError, startServe, stopServe } from "./harness.mjs";
import {
  DynamoDBClient, CreateTableCommand, PutItemCommand, UpdateItemCommand, DeleteItemCommand, UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBStreamsClient, ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand, GetRecordsCommand,
} from "@aws-sdk/client-dynamodb-streams";

const { server, base } = await startServe(process.argv[2]);
const config = { endpoint: base, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
const db = new DynamoDBClient(config);
const streams = new DynamoDBStreamsClient(config);

try {
  const created = await db.send(new CreateTableCommand({
    TableName: "Orders", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  }));
  const arn = created.TableDescription.LatestStreamArn;
  assert.match(arn, /^arn:aws:dynamodb:us-east-1:000000000000:table\/Orders\/stream\/\d{4}-\d\d-\d\dT/);

  const listed = await streams.send(new ListStreamsCommand({ TableName: "Orders" }));
  assert.deepEqual(listed.Streams.map((s) => s.StreamArn), [arn]);
  const desc = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription;
  assert.equal(desc.StreamStatus, "ENABLED");
  assert.ok(desc.CreationRequestDateTime instanceof Date, String(desc.CreationRequestDateTime));
  const shardId = desc.Shards[0].ShardId;
  const trim = (await streams.send(new GetShardIteratorCommand({
    StreamArn: arn, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON",
  }))).ShardIterator;

  await db.send(new PutItemCommand({ TableName: "Orders", Item: { id: { S: "o1" }, amount: { N: "10" } } }));
  await db.send(new UpdateItemCommand({
    TableName: "Orders", Key: { id: { S: "o1" } }, UpdateExpression: "SET amount = amount + :d",
    ExpressionAttributeValues: { ":d": { N: "5" } },
  }));
  await db.send(new DeleteItemCommand({ TableName: "Orders", Key: { id: { S: "o1" } } }));

  const page = await streams.send(new GetRecordsCommand({ ShardIterator: trim }));
  assert.deepEqual(page.Records.map((r) => r.eventName), ["INSERT", "MODIFY", "REMOVE"]);
  const [ins, mod, rem] = page.Records;
  assert.ok(ins.dynamodb.ApproximateCreationDateTime instanceof Date);
  assert.deepEqual(ins.dynamodb.Keys, { id: { S: "o1" } });
  assert.deepEqual(mod.dynamodb.OldImage, { id: { S: "o1" }, amount: { N: "10" } });
  assert.deepEqual(mod.dynamodb.NewImage, { id: { S: "o1" }, amount: { N: "15" } });
  assert.equal(rem.dynamodb.NewImage, undefined);
  assert.ok(typeof ins.dynamodb.SizeBytes === "number" && ins.dynamodb.SizeBytes > 0);
  assert.ok(page.NextShardIterator);
  const more = await streams.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator }));
  assert.deepEqual(more.Records, []);

  const after = (await streams.send(new GetShardIteratorCommand({
    StreamArn: arn, ShardId: shardId, ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
    SequenceNumber: ins.dynamodb.SequenceNumber,
  }))).ShardIterator;
  const rest = await streams.send(new GetRecordsCommand({ ShardIterator: after, Limit: 1 }));
  assert.deepEqual(rest.Records.map((r) => r.eventName), ["MODIFY"]);

  await expectError("ValidationException", streams.send(new GetRecordsCommand({ ShardIterator: "not-an-iterator" })),
    "Invalid ShardIterator");
  await expectError("ResourceNotFoundException", streams.send(new DescribeStreamCommand({
    StreamArn: arn.replace("/Orders/", "/Nope/"),
  })));
  await expectError("ValidationException", db.send(new UpdateTableCommand({
    TableName: "Orders", StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
  })), "Table already has an enabled stream");

  await db.send(new UpdateTableCommand({ TableName: "Orders", StreamSpecification: { StreamEnabled: false } }));
  const closed = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription;
  assert.equal(closed.StreamStatus, "DISABLED");
  assert.ok(closed.Shards[0].SequenceNumberRange.EndingSequenceNumber);
  console.log("dynamodb streams js sdk: ok");
} finally {
  await stopServe(server);
}
