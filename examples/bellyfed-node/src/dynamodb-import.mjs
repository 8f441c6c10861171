// DynamoDB Import: a RESTAURANT_IMPORT event's restaurant, menu and reviews in one transaction,
// keys exactly as the seed. Idempotent: a restaurant that exists already is left as it is, so a
// redelivered event writes nothing new. An invalid record fails the invocation with the reason
// (Lambda retries it, then the function's dead-letter queue gets it); nothing is half-written.
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ValidationError, dynamo, named, validId, validIdRule } from "./common.mjs";

function text(o, k, requiredField) {
  if (!(k in o) || o[k] === null) return requiredField ? `${k}: is required` : "";
  if (typeof o[k] !== "string" || o[k] === "") return `${k}: must be a non-empty string`;
  return "";
}

// The first problem of an imported record, naming the field, or "".
function invalidRecord(r) {
  if (!r || typeof r !== "object" || Array.isArray(r)) return "the record must be a JSON object";
  for (const k of ["id", "name", "city", "cuisineType"]) {
    const e = text(r, k, true);
    if (e) return e;
  }
  if (!validId(r.id)) return `id: ${validIdRule}`;
  if ("rating" in r && !(typeof r.rating === "number" && r.rating >= 0 && r.rating <= 5))
    return "rating: must be a number from 0 to 5";
  for (const list of ["menu", "reviews"]) {
    if (!(list in r)) continue;
    if (!Array.isArray(r[list])) return `${list}: must be a list`;
    for (let i = 0; i < r[list].length; i++) {
      const x = r[list][i];
      const at = `${list}[${i}].`;
      if (!x || typeof x !== "object" || Array.isArray(x)) return `${list}[${i}]: must be an object`;
      let e = text(x, "id", true);
      if (e) return at + e;
      if (!validId(x.id)) return `${at}id: ${validIdRule}`;
      if (list === "menu") {
        e = text(x, "name", true);
        if (e) return at + e;
        if (typeof x.price !== "number" || x.price < 0) return `${at}price: must be a number ≥ 0`;
      } else if (!Number.isInteger(x.rating) || x.rating < 1 || x.rating > 5) {
        return `${at}rating: must be a whole number from 1 to 5`;
      }
    }
  }
  if ((r.menu?.length || 0) + (r.reviews?.length || 0) > 99)
    return "menu and reviews: at most 99 together in one record (they are written in one transaction)";
  return "";
}

export const handler = async (event) => {
  let e = event && typeof event === "object" && "detail" in event ? event.detail : event;
  if (typeof e === "string") e = JSON.parse(e);
  const r = e && typeof e === "object" ? e.payload : undefined;
  const why = invalidRecord(r);
  if (why) {
    console.log(`invalid restaurant record: ${why}`);
    throw new ValidationError(`invalid restaurant record: ${why}`);
  }
  const { id, name, city, cuisineType } = r;
  const { menu = [], reviews = [], ...restaurant } = r;
  const est = {
    ...restaurant,
    PK: `EST#${id}`,
    SK: `META#${id}`,
    GSI1PK: `LOC#${city}`,
    GSI1SK: `EST#${name}#${id}`,
    GSI2PK: `CUISINE#${cuisineType}`,
    GSI2SK: `EST#${name}#${id}`,
  };
  if (e.trace_id !== undefined) est.trace_id = e.trace_id;
  const items = [{ Put: { TableName: named("FoodEstablishment"), Item: est, ConditionExpression: "attribute_not_exists(PK)" } }];
  for (const m of menu) items.push({ Put: { TableName: named("MenuItem"), Item: { ...m, PK: `EST#${id}`, SK: `ITEM#${m.id}` } } });
  for (const v of reviews) items.push({ Put: { TableName: named("Review"), Item: { ...v, PK: `EST#${id}`, SK: `REVIEW#${v.id}` } } });
  try {
    await dynamo.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (x) {
    const exists = x.name === "TransactionCanceledException" && x.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed";
    if (!exists) throw x;
    console.log(`restaurant ${id} already imported; nothing written`);
    return { imported: false, id, reason: "already imported" };
  }
  console.log(`imported restaurant ${id} with ${menu.length} menu items and ${reviews.length} reviews`);
  return { imported: true, id, menu_items: menu.length, reviews: reviews.length };
};
