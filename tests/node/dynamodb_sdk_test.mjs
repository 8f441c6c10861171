// The DynamoDB API of `bellyfed-emu serve` through the AWS SDK for JavaScript v3: the low-level
// client (JSON 1.0, current protocol code) and the document client of @aws-sdk/lib-dynamodb,
// including errors, pagination helpers and transactions.
// Usage: node dynamodb_sdk_test.mjs path/to/bellyfed-emu
import assert from "node:assert/strict";
import { expectError, startServe, stopServe } from "./harness.mjs";
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, GetItemCommand, DeleteItemCommand,
  ListTablesCommand, paginateQuery, paginateScan, BatchWriteItemCommand, BatchGetItemCommand,
  TransactWriteItemsCommand, UpdateTimeToLiveCommand, DescribeTimeToLiveCommand, TagResourceCommand,
  ListTagsOfResourceCommand, DeleteTableCommand, waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, QueryCommand, TransactWriteCommand,
  BatchGetCommand, paginateQuery as paginateDocQuery,
} from "@aws-sdk/lib-dynamodb";

const { server, base } = await startServe(process.argv[2]);

const client = new DynamoDBClient({
  endpoint: base, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const doc = DynamoDBDocumentClient.from(client);

try {
  const tables = await client.send(new ListTablesCommand({}));
  assert.ok(tables.TableNames.includes("FoodEstablishment-dev"), JSON.stringify(tables));

  const created = await client.send(new CreateTableCommand({
    TableName: "Carts",
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "user", AttributeType: "S" }, { AttributeName: "line", AttributeType: "N" }],
    KeySchema: [{ AttributeName: "user", KeyType: "HASH" }, { AttributeName: "line", KeyType: "RANGE" }],
  }));
  assert.equal(created.TableDescription.TableStatus, "ACTIVE");
  assert.ok(created.TableDescription.CreationDateTime instanceof Date);
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: "Carts" });
  await expectError("ResourceInUseException", client.send(new CreateTableCommand({
    TableName: "Carts", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "user", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "user", KeyType: "HASH" }],
  })), "Table already exists");
  await expectError("ResourceNotFoundException", client.send(new DescribeTableCommand({ TableName: "Nope" })));

  // Low-level client.
  await client.send(new PutItemCommand({ TableName: "Carts", Item: { user: { S: "u1" }, line: { N: "1" }, sku: { S: "a" } } }));
  const e = await expectError("ConditionalCheckFailedException", client.send(new PutItemCommand({
    TableName: "Carts", Item: { user: { S: "u1" }, line: { N: "1" } }, ConditionExpression: "attribute_not_exists(#u)",
    ExpressionAttributeNames: { "#u": "user" }, ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  })), "The conditional request failed");
  assert.deepEqual(e.Item?.sku, { S: "a" }, JSON.stringify(e));
  await expectError("ValidationException", client.send(new GetItemCommand({ TableName: "Carts", Key: { user: { S: "u1" } } })),
    "The provided key element does not match the schema");
  await expectError("ValidationException", client.send(new PutItemCommand({
    TableName: "Carts", Item: { user: { S: "u1" }, line: { N: "1" }, bad: { SS: [] } },
  })), "may not be empty");

  // Document client: plain JS values, numbers, sets, nested maps.
  for (let i = 2; i <= 30; i++) await doc.send(new PutCommand({ TableName: "Carts", Item: { user: "u1", line: i, qty: i % 4, price: 1.5 } }));
  await doc.send(new PutCommand({ TableName: "Carts", Item: { user: "u2", line: 1, tags: new Set(["x", "y"]), meta: { a: [1, { b: true }] } } }));
  const got = await doc.send(new GetCommand({ TableName: "Carts", Key: { user: "u2", line: 1 } }));
  assert.deepEqual(got.Item.meta, { a: [1, { b: true }] });
  assert.ok(got.Item.tags instanceof Set && got.Item.tags.has("y"));
  const upd = await doc.send(new UpdateCommand({
    TableName: "Carts", Key: { user: "u1", line: 2 }, UpdateExpression: "SET qty = qty + :n, price = :p",
    ExpressionAttributeValues: { ":n": 10, ":p": 2.25 }, ReturnValues: "ALL_NEW",
  }));
  assert.equal(upd.Attributes.qty, 12);
  assert.equal(upd.Attributes.price, 2.25);

  // Pagination helpers follow LastEvaluatedKey.
  let n = 0;
  for await (const page of paginateQuery({ client, pageSize: 7 }, {
    TableName: "Carts", KeyConditionExpression: "#u = :u", ExpressionAttributeNames: { "#u": "user" },
    ExpressionAttributeValues: { ":u": { S: "u1" } },
  })) n += page.Items.length;
  assert.equal(n, 30);
  let filtered = 0;
  for await (const page of paginateDocQuery({ client: doc, pageSize: 5 }, {
    TableName: "Carts", KeyConditionExpression: "#u = :u AND line BETWEEN :a AND :b", FilterExpression: "qty = :q",
    ExpressionAttributeNames: { "#u": "user" }, ExpressionAttributeValues: { ":u": "u1", ":a": 3, ":b": 30, ":q": 0 },
  })) filtered += page.Count;
  assert.equal(filtered, 7); // lines 4, 8, …, 28
  let scanned = 0;
  for await (const page of paginateScan({ client, pageSize: 9 }, { TableName: "Carts" })) scanned += page.Count;
  assert.equal(scanned, 31);
  const q = await doc.send(new QueryCommand({
    TableName: "Carts", KeyConditionExpression: "#u = :u", ExpressionAttributeNames: { "#u": "user" },
    ExpressionAttributeValues: { ":u": "u1" }, ScanIndexForward: false, Limit: 1,
  }));
  assert.equal(q.Items[0].line, 30);
  assert.deepEqual(q.LastEvaluatedKey, { user: "u1", line: 30 });

  // Batches and transactions.
  await client.send(new BatchWriteItemCommand({ RequestItems: { Carts: [
    { DeleteRequest: { Key: { user: { S: "u1" }, line: { N: "30" } } } },
    { PutRequest: { Item: { user: { S: "u3" }, line: { N: "1" } } } },
  ] } }));
  const bg = await doc.send(new BatchGetCommand({ RequestItems: { Carts: { Keys: [{ user: "u3", line: 1 }, { user: "u1", line: 30 }] } } }));
  assert.equal(bg.Responses.Carts.length, 1);
  const cancelled = await expectError("TransactionCanceledException", doc.send(new TransactWriteCommand({ TransactItems: [
    { Put: { TableName: "Carts", Item: { user: "u4", line: 1 } } },
    { ConditionCheck: { TableName: "Carts", Key: { user: "u1", line: 2 }, ConditionExpression: "qty > :big", ExpressionAttributeValues: { ":big": 100 } } },
  ] })), "[None, ConditionalCheckFailed]");
  assert.deepEqual(cancelled.CancellationReasons.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
  assert.equal((await doc.send(new GetCommand({ TableName: "Carts", Key: { user: "u4", line: 1 } }))).Item, undefined);
  await client.send(new TransactWriteItemsCommand({ ClientRequestToken: "once", TransactItems: [
    { Update: { TableName: "Carts", Key: { user: { S: "u3" }, line: { N: "1" } }, UpdateExpression: "ADD hits :one",
      ExpressionAttributeValues: { ":one": { N: "1" } } } },
  ] }));

  // TTL, tags, delete.
  await client.send(new UpdateTimeToLiveCommand({ TableName: "Carts", TimeToLiveSpecification: { AttributeName: "exp", Enabled: true } }));
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: "Carts" }));
  assert.equal(ttl.TimeToLiveDescription.TimeToLiveStatus, "ENABLED");
  const arn = created.TableDescription.TableArn;
  await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "k", Value: "v" }] }));
  assert.deepEqual((await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags, [{ Key: "k", Value: "v" }]);
  const deleted = await client.send(new DeleteTableCommand({ TableName: "Carts" }));
  assert.equal(deleted.TableDescription.TableStatus, "DELETING");
  await expectError("ResourceNotFoundException", client.send(new GetItemCommand({ TableName: "Carts", Key: { user: { S: "u1" }, line: { N: "1" } } })));
  console.log("dynamodb_sdk_test: ok");
} finally {
  await stopServe(server);
}
