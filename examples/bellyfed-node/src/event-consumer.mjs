// The Event Consumer (seed Figure 3): outbox events from the bus, applied idempotently — the
// outbox is at-least-once, so a redelivered event must change nothing.
//
//   RESTAURANT_CREATED, RESTAURANT_UPDATED  → the FoodEstablishment item, unless this event or a
//       later change (updatedAt) wrote it already.
//   REVIEW_CREATED                          → the Review item, if it is not there yet.
//   IMPORT_JOB_CREATED                      → each record to the import queue, then a marker item
//       EVENT#<event id> so a redelivery sends nothing.
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { GetQueueUrlCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { ValidationError, dynamo, named, receivedEvent, sqs } from "./common.mjs";

const conditionFailed = (e) => e.name === "ConditionalCheckFailedException";

function textOf(p, k) {
  if (typeof p[k] !== "string" || p[k] === "") throw new ValidationError(`EventConsumer: payload.${k} must be a non-empty string`);
  return p[k];
}

function restaurantItem(p, e) {
  const id = p.id || "";
  const item = { PK: `EST#${id}`, SK: `META#${id}`, id, lastEventId: e.event_id, trace_id: e.trace_id };
  for (const k of ["name", "address", "city", "cuisineType", "rating", "updatedAt"]) if (p[k] !== undefined && p[k] !== null) item[k] = p[k];
  const name = p.name || "";
  if (typeof p.city === "string") Object.assign(item, { GSI1PK: `LOC#${p.city}`, GSI1SK: `EST#${name}#${id}` });
  if (typeof p.cuisineType === "string") Object.assign(item, { GSI2PK: `CUISINE#${p.cuisineType}`, GSI2SK: `EST#${name}#${id}` });
  return item;
}

export const handler = async (event) => {
  const e = receivedEvent(event, "EventConsumer");
  const p = e.payload;
  const type = e.event_type;
  if (type === "RESTAURANT_CREATED" || type === "RESTAURANT_UPDATED") {
    const id = textOf(p, "id");
    textOf(p, "name");
    try {
      await dynamo.send(
        new PutCommand({
          TableName: named("FoodEstablishment"),
          Item: restaurantItem(p, e),
          ConditionExpression: "attribute_not_exists(PK) OR (lastEventId <> :e AND (attribute_not_exists(updatedAt) OR updatedAt <= :u))",
          ExpressionAttributeValues: { ":e": e.event_id, ":u": typeof p.updatedAt === "string" ? p.updatedAt : "" },
        }),
      );
    } catch (x) {
      if (!conditionFailed(x)) throw x;
      console.log(`${type} ${e.event_id}: restaurant ${id} already has this or a later change; nothing written`);
      return { applied: false, id };
    }
    console.log(`${type} ${e.event_id}: restaurant ${id} written to FoodEstablishment`);
    return { applied: true, id };
  }
  if (type === "REVIEW_CREATED") {
    const id = textOf(p, "id"), restaurant = textOf(p, "restaurantId");
    const item = { PK: `EST#${restaurant}`, SK: `REVIEW#${id}`, id, lastEventId: e.event_id };
    for (const k of ["rating", "text", "author", "createdAt"]) if (p[k] !== undefined && p[k] !== null) item[k] = p[k];
    try {
      await dynamo.send(new PutCommand({ TableName: named("Review"), Item: item, ConditionExpression: "attribute_not_exists(PK)" }));
    } catch (x) {
      if (!conditionFailed(x)) throw x;
      console.log(`REVIEW_CREATED ${e.event_id}: review ${id} already recorded; nothing written`);
      return { applied: false, id };
    }
    console.log(`REVIEW_CREATED ${e.event_id}: review ${id} of ${restaurant} written to Review`);
    return { applied: true, id };
  }
  if (type === "IMPORT_JOB_CREATED") {
    const id = textOf(p, "id");
    if (!Array.isArray(p.records)) throw new ValidationError("EventConsumer: payload.records must be a list");
    const markerKey = { PK: `EVENT#${e.event_id}`, SK: "EventConsumer" };
    const seen = await dynamo.send(new GetCommand({ TableName: named("FoodEstablishment"), Key: markerKey }));
    if (seen.Item) {
      console.log(`IMPORT_JOB_CREATED ${e.event_id}: job ${id} already queued; nothing sent`);
      return { applied: false, id };
    }
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: named("restaurant-import") }));
    for (const r of p.records)
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify(r),
          MessageSystemAttributes: { AWSTraceHeader: { DataType: "String", StringValue: `Root=${e.trace_id}` } },
        }),
      );
    await dynamo.send(new PutCommand({ TableName: named("FoodEstablishment"), Item: { ...markerKey, job: id } }));
    console.log(`IMPORT_JOB_CREATED ${e.event_id}: job ${id} sent ${p.records.length} records to the import queue`);
    return { applied: true, id, records: p.records.length };
  }
  console.log(`no handling for event type ${type}`);
  throw new ValidationError(`EventConsumer: no handling for event type ${type}`);
};
