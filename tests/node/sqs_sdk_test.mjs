// The SQS API of `bellyfed-emu serve` through the AWS SDK for JavaScript v3, which speaks AWS
// JSON 1.0 with query-compatible errors and verifies MD5OfMessageBody (a wrong one throws).
// Usage: node sqs_sdk_test.mjs path/to/bellyfed-emu
import assert from "node:assert/strict";
import { startServe, stopServe } from "./harness.mjs";
import {
  SQSClient, CreateQueueCommand, GetQueueUrlCommand, SendMessageCommand, SendMessageBatchCommand, ReceiveMessageCommand,
  DeleteMessageCommand, ChangeMessageVisibilityCommand, GetQueueAttributesCommand, QueueDoesNotExist,
  DeleteMessageBatchCommand, PurgeQueueCommand, ListQueuesCommand,
} from "@aws-sdk/client-sqs";

const { server, base } = await startServe(process.argv[2]);

const sqs = new SQSClient({ endpoint: base, region: "us-east-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } });

try {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "js-orders", Attributes: { VisibilityTimeout: "30" } }));
  assert.equal(QueueUrl, `${base}/000000000000/js-orders`);
  const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "restaurant-import" }));
  assert.deepEqual(listed.QueueUrls, [`${base}/000000000000/restaurant-import-dev`, `${base}/000000000000/restaurant-import-dlq-dev`]);

  // SendMessage: the SDK checks MD5OfMessageBody and would throw on a wrong one.
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl, MessageBody: "héllo wörld ✓", MessageAttributes: {
      n: { DataType: "Number", StringValue: "42" }, b: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) } },
  }));
  assert.match(sent.MessageId, /^[0-9a-f-]{36}$/);
  const batch = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [
    { Id: "a", MessageBody: "one" }, { Id: "b", MessageBody: "two", DelaySeconds: 0 }] }));
  assert.equal(batch.Successful.length, 2);

  const got = await sqs.send(new ReceiveMessageCommand({
    QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
  assert.equal(got.Messages.length, 3);
  const first = got.Messages[0];
  assert.equal(first.Body, "héllo wörld ✓");
  assert.equal(first.MessageAttributes.n.StringValue, "42");
  assert.deepEqual([...first.MessageAttributes.b.BinaryValue], [1, 2, 3]);
  assert.equal(first.Attributes.ApproximateReceiveCount, "1");

  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }));
  const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
  assert.equal(again.Messages[0].MessageId, first.MessageId);
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages[0].ReceiptHandle }));
  const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: got.Messages.slice(1).map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
  assert.equal(del.Successful.length, 2);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }));
  assert.equal(attrs.Attributes.ApproximateNumberOfMessages, "0");
  assert.equal(attrs.Attributes.ApproximateNumberOfMessagesNotVisible, "0");

  // Errors: the query-compatible error shapes find the SDK's exception classes.
  try {
    await sqs.send(new GetQueueUrlCommand({ QueueName: "nope" }));
    assert.fail("expected QueueDoesNotExist");
  } catch (e) {
    assert.ok(e instanceof QueueDoesNotExist, `${e.name}: ${e.message}`);
    assert.equal(e.$metadata.httpStatusCode, 400);
  }
  await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  await assert.rejects(sqs.send(new PurgeQueueCommand({ QueueUrl })), (e) => e.name === "PurgeQueueInProgress");

  // Long polling over JSON: an empty wait returns after WaitTimeSeconds.
  const t0 = Date.now();
  const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
  assert.equal(empty.Messages, undefined);
  assert.ok(Date.now() - t0 >= 800, `returned after ${Date.now() - t0} ms`);
  console.log("sqs_sdk_test: ok");
} finally {
  await stopServe(server);
}
