// The Query Handler (seed Figure 2): API_REQUEST events from the bus → DynamoDB → an API
// Gateway proxy response, which the gateway returns to the caller.
//
//   GET_RESTAURANTS         ?city → GSI1 (LOC#city), ?cuisine → GSI2 (CUISINE#type), both → GSI1
//                           plus a filter on GSI2PK; neither → every restaurant. Sorted by name,
//                           `limit` 1–100 (default 20), an opaque `nextToken` for the next page.
//   GET_RESTAURANT          the restaurant, or 404
//   GET_RESTAURANT_MENU     its menu items, paged; 404 without the restaurant
//   GET_RESTAURANT_REVIEWS  its reviews, paged; 404 likewise
//
// Bad parameters answer 400 naming the parameter; an event that is not a valid standard event
// fails the invocation with the reason (logged), so the gateway answers 502.
import { GetCommand, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { ValidationError, dynamo, named, proxyResponse, receivedEvent, validId, validIdRule } from "./common.mjs";

const defaultLimit = 20, maxLimit = 100;
const hidden = new Set(["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "trace_id", "lastEventId"]);

class BadRequest extends Error {}

const publicItem = (item) => Object.fromEntries(Object.entries(item).filter(([k]) => !hidden.has(k)));
const encodeToken = (t) => Buffer.from(JSON.stringify(t)).toString("base64url");

function decodeToken(s) {
  if (s.length > 2048) throw new BadRequest("nextToken: is not valid");
  let t;
  try {
    t = JSON.parse(Buffer.from(s, "base64url").toString());
  } catch {
    t = undefined;
  }
  if (!t || typeof t !== "object" || Array.isArray(t)) throw new BadRequest("nextToken: is not valid");
  return t;
}

function readQuery(query, allowed) {
  const values = {};
  for (const [k, v] of Object.entries(query || {})) {
    if (!allowed.includes(k))
      throw new BadRequest(
        `Unknown query parameter '${k}'` +
          (allowed.length ? ` (allowed: ${allowed.join(", ")})` : " (this resource takes none)"),
      );
    values[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  let limit = defaultLimit;
  if ("limit" in values) {
    limit = /^[0-9]{1,3}$/.test(values.limit) ? Number(values.limit) : 0;
    if (limit < 1 || limit > maxLimit) throw new BadRequest("limit: must be a whole number from 1 to 100");
  }
  for (const k of ["city", "cuisine"])
    if (k in values && (values[k] === "" || values[k].length > 100)) throw new BadRequest(`${k}: must be 1 to 100 characters`);
  return { values, limit };
}

function pathId(payload) {
  const id = payload.path_parameters?.id;
  if (!validId(id)) throw new BadRequest(`id: ${validIdRule}`);
  return id;
}

// One page of a key-condition query: up to `limit` items after the token's key, and a token
// when more follow (found by reading one item past the page).
async function queryPage(request, keyNames, q, identity, extra = {}) {
  if ("nextToken" in q.values) {
    const t = decodeToken(q.values.nextToken);
    const k = t.k;
    const ok = t.q === identity && k && typeof k === "object" && Object.keys(k).length === keyNames.length &&
      keyNames.every((n) => typeof k[n] === "string");
    if (!ok) throw new BadRequest("nextToken: is not valid for this query");
    request.ExclusiveStartKey = k;
  }
  const filtered = "FilterExpression" in request;
  const items = [];
  let more = false, last;
  while (!more) {
    const want = q.limit + 1 - items.length;
    request.Limit = filtered ? Math.max(want, 100) : want;
    const out = await dynamo.send(new QueryCommand(request));
    for (const item of out.Items) {
      if (items.length === q.limit) {
        more = true;
        break;
      }
      items.push(publicItem(item));
      if (items.length === q.limit) last = item;
    }
    if (!out.LastEvaluatedKey) break;
    request.ExclusiveStartKey = out.LastEvaluatedKey;
  }
  const body = { items, count: items.length };
  if (more) body.nextToken = encodeToken({ q: identity, k: Object.fromEntries(keyNames.map((n) => [n, last[n]])) });
  return proxyResponse(200, { ...body, ...extra });
}

async function listRestaurants(payload) {
  const q = readQuery(payload.query, ["city", "cuisine", "limit", "nextToken"]);
  const table = named("FoodEstablishment");
  const has = (k) => k in q.values;
  if (has("city") || has("cuisine")) {
    const byCity = has("city");
    const ix = byCity ? "GSI1" : "GSI2";
    const req = {
      TableName: table,
      IndexName: ix,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": `${ix}PK` },
      ExpressionAttributeValues: { ":pk": byCity ? `LOC#${q.values.city}` : `CUISINE#${q.values.cuisine}` },
    };
    if (byCity && has("cuisine")) {
      req.FilterExpression = "GSI2PK = :cuisine";
      req.ExpressionAttributeValues[":cuisine"] = `CUISINE#${q.values.cuisine}`;
    }
    const identity = `restaurants?city=${byCity ? q.values.city : ""}&cuisine=${has("cuisine") ? q.values.cuisine : ""}`;
    return queryPage(req, ["PK", "SK", `${ix}PK`, `${ix}SK`], q, identity);
  }
  // No filter: every restaurant, sorted by the key the indexes sort by (a scan per page).
  let after = "";
  if (has("nextToken")) {
    const t = decodeToken(q.values.nextToken);
    if (t.q !== "restaurants" || typeof t.after !== "string") throw new BadRequest("nextToken: is not valid for this query");
    after = t.after;
  }
  const rows = [];
  const req = { TableName: table, FilterExpression: "begins_with(SK, :meta)", ExpressionAttributeValues: { ":meta": "META#" } };
  for (;;) {
    const out = await dynamo.send(new ScanCommand(req));
    for (const it of out.Items) {
      const key = typeof it.GSI1SK === "string" ? it.GSI1SK : "";
      if (key > after) rows.push([key, it]);
    }
    if (!out.LastEvaluatedKey) break;
    req.ExclusiveStartKey = out.LastEvaluatedKey;
  }
  // Byte order, as DynamoDB sorts string keys.
  rows.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  const page = rows.slice(0, q.limit);
  const body = { items: page.map(([, it]) => publicItem(it)), count: page.length };
  if (rows.length > q.limit) body.nextToken = encodeToken({ q: "restaurants", after: rows[q.limit - 1][0] });
  return proxyResponse(200, body);
}

async function restaurant(id) {
  const out = await dynamo.send(new GetCommand({ TableName: named("FoodEstablishment"), Key: { PK: `EST#${id}`, SK: `META#${id}` } }));
  return out.Item ? publicItem(out.Item) : undefined;
}

const notFound = (id) => proxyResponse(404, { message: `Restaurant ${id} not found` });

async function children(payload, table, what) {
  const id = pathId(payload);
  const q = readQuery(payload.query, ["limit", "nextToken"]);
  if (!(await restaurant(id))) return notFound(id);
  const req = { TableName: named(table), KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": `EST#${id}` } };
  return queryPage(req, ["PK", "SK"], q, `${what}/${id}`, { restaurantId: id });
}

export const handler = async (event) => {
  const request = receivedEvent(event, "QueryHandler");
  const type = request.event_type;
  const payload = request.payload;
  try {
    let r;
    if (type === "GET_RESTAURANTS") r = await listRestaurants(payload);
    else if (type === "GET_RESTAURANT") {
      const id = pathId(payload);
      readQuery(payload.query, []);
      const item = await restaurant(id);
      r = item ? proxyResponse(200, item) : notFound(id);
    } else if (type === "GET_RESTAURANT_MENU") r = await children(payload, "MenuItem", "menu");
    else if (type === "GET_RESTAURANT_REVIEWS") r = await children(payload, "Review", "reviews");
    else {
      console.log(`no query for event type ${type}`);
      throw new ValidationError(`QueryHandler: no query for event type ${type}`);
    }
    console.log(`${type} → ${r.statusCode}`);
    return r;
  } catch (e) {
    if (!(e instanceof BadRequest)) throw e;
    console.log(`${type} → 400: ${e.message}`);
    return proxyResponse(400, { message: e.message });
  }
};
