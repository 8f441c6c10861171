// The EventBridge API of `bellyfed-emu serve` through the AWS SDK for JavaScript v3 (current
// JSON 1.1 protocol code). Usage: node events_sdk_test.mjs path/to/bellyfed-emu
import assert from "node:assert/strict";
import { expectError, startServe, stopServe } from "./harness.mjs";
import {
  EventBridgeClient, CreateEventBusCommand, PutRuleCommand, PutTargetsCommand, PutEventsCommand,
  ListRulesCommand, DescribeRuleCommand, TestEventPatternCommand, DeleteRuleCommand, RemoveTargetsCommand,
  ListEventBusesCommand, DeleteEventBusCommand,
} from "@aws-sdk/client-eventbridge";

const { server, base } = await startServe(process.argv[2]);

try {
  const eb = new EventBridgeClient({ endpoint: base, region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" } });

  const bus = await eb.send(new CreateEventBusCommand({ Name: "js-bus" }));
  assert.equal(bus.EventBusArn, "arn:aws:events:us-east-1:000000000000:event-bus/js-bus");
  const buses = await eb.send(new ListEventBusesCommand({}));
  assert.ok(buses.EventBuses.some((b) => b.Name === "bellyfed-dev"));

  const pattern = { source: ["web"], detail: { kind: [{ "equals-ignore-case": "ORDER" }] } };
  await eb.send(new PutRuleCommand({ Name: "orders", EventBusName: "js-bus", EventPattern: JSON.stringify(pattern) }));
  await expectError("InvalidEventPatternException",
    eb.send(new PutRuleCommand({ Name: "bad", EventBusName: "js-bus", EventPattern: '{"a": [{"prefix": 1}]}' })),
    "Reason: prefix match pattern must be a string");
  await expectError("ResourceNotFoundException",
    eb.send(new DescribeRuleCommand({ Name: "nope", EventBusName: "js-bus" })), "Rule nope does not exist on EventBus js-bus.");
  const rule = await eb.send(new DescribeRuleCommand({ Name: "orders", EventBusName: "js-bus" }));
  assert.deepEqual(JSON.parse(rule.EventPattern), pattern);
  assert.equal(rule.State, "ENABLED");

  await eb.send(new PutTargetsCommand({ Rule: "orders", EventBusName: "js-bus",
    Targets: [{ Id: "echo", Arn: "arn:aws:lambda:us-east-1:000000000000:function:echo" }] }));
  const put = await eb.send(new PutEventsCommand({ Entries: [
    { EventBusName: "js-bus", Source: "web", DetailType: "x", Detail: JSON.stringify({ kind: "order" }), Time: new Date("2024-12-01T00:00:00Z") },
    { EventBusName: "js-bus", Source: "web", DetailType: "x", Detail: "[1]" },
  ] }));
  assert.equal(put.FailedEntryCount, 1);
  assert.match(put.Entries[0].EventId, /^[0-9a-f-]{36}$/);
  assert.equal(put.Entries[1].ErrorCode, "MalformedDetail");

  const events = await (await fetch(`${base}/_emu/events?bus=js-bus`)).json();
  assert.equal(events.events.length, 1);
  assert.equal(events.events[0].time, "2024-12-01T00:00:00Z");

  const rules = await eb.send(new ListRulesCommand({ EventBusName: "bellyfed-dev" }));
  assert.deepEqual(rules.Rules.map((r) => r.Name), ["api-requests", "outbox-events", "restaurant-import"]);
  const test = await eb.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern),
    Event: JSON.stringify({ id: "1", source: "web", "detail-type": "x", account: "1", time: "2024-12-01T00:00:00Z",
      region: "us-east-1", resources: [], detail: { kind: "Order" } }) }));
  assert.equal(test.Result, true);

  await expectError("ValidationException",
    eb.send(new DeleteRuleCommand({ Name: "orders", EventBusName: "js-bus" })), "Rule can't be deleted since it has targets.");
  await eb.send(new RemoveTargetsCommand({ Rule: "orders", EventBusName: "js-bus", Ids: ["echo"] }));
  await eb.send(new DeleteRuleCommand({ Name: "orders", EventBusName: "js-bus" }));
  await eb.send(new DeleteEventBusCommand({ Name: "js-bus" }));
  console.log("events_sdk_test: ok");
} finally {
  await stopServe(server);
}
