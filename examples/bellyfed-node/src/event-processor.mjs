// The seed's Event Processor. SQS records: every record becomes a standard RESTAURANT_IMPORT
// event on the stage's bus, with the record's trace id (message attribute `trace_id`, then the
// AWSTraceHeader Root, then one in the body) or a new one; a record that cannot become an event
// is a batch item failure and the others go on. API Gateway requests (Lambda proxy, payload 1.0)
// become the route's event type from source api-gateway, answered 202 once on the bus; the
// reply comes from the function the bus routes the event to.
import { randomUUID } from "node:crypto";
import { invocationTrace, proxyResponse, publish, traceRoot } from "./common.mjs";

// The gateway routes of the system definition: resource → event type.
const routes = {
  "GET /restaurants": "GET_RESTAURANTS",
  "GET /restaurants/{id}": "GET_RESTAURANT",
  "GET /restaurants/{id}/menu": "GET_RESTAURANT_MENU",
  "GET /restaurants/{id}/reviews": "GET_RESTAURANT_REVIEWS",
};

const objectAt = (o, k) => (o && o[k] && typeof o[k] === "object" && !Array.isArray(o[k]) ? o[k] : {});

async function apiRequest(event) {
  const method = event.httpMethod || "", resource = event.resource || "";
  const eventType = routes[`${method} ${resource}`];
  if (!eventType) {
    console.log(`no gateway route ${method} ${resource} in the system definition`);
    return proxyResponse(404, { message: `No route ${method} ${resource}` });
  }
  let traceId = invocationTrace();
  if (!traceId)
    for (const [k, v] of Object.entries(objectAt(event, "headers")))
      if (k.toLowerCase() === "x-amzn-trace-id" && typeof v === "string" && traceRoot(v)) traceId = traceRoot(v);
  if (!traceId) traceId = randomUUID();
  const rc = objectAt(event, "requestContext");
  const payload = {
    request_id: rc.requestId || "",
    method,
    resource,
    path: event.path || "",
    path_parameters: objectAt(event, "pathParameters"),
    query: objectAt(event, "queryStringParameters"),
    source_ip: objectAt(rc, "identity").sourceIp || "",
  };
  const detail = await publish(eventType, "api-gateway", traceId, payload);
  console.log(`${method} ${resource} → ${eventType} event ${detail.event_id} (trace ${traceId})`);
  return proxyResponse(202, { event_id: detail.event_id, event_type: eventType, trace_id: traceId });
}

export const handler = async (event) => {
  if (event && event.httpMethod && event.requestContext) return apiRequest(event);
  if (!event || !Array.isArray(event.Records))
    throw new Error("EventProcessor: expected an SQS event with Records or an API Gateway proxy event");
  const batchItemFailures = [];
  for (const r of event.Records) {
    const id = r.messageId || "";
    try {
      let body;
      try {
        body = JSON.parse(r.body || "");
      } catch {
        body = undefined;
      }
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("the message body is not a JSON object");
      let traceId = r.messageAttributes?.trace_id?.stringValue || "";
      if (!traceId && r.attributes?.AWSTraceHeader) traceId = traceRoot(r.attributes.AWSTraceHeader);
      if (!traceId && typeof body.trace_id === "string") traceId = body.trace_id;
      if (!traceId) traceId = randomUUID();
      const detail = await publish("RESTAURANT_IMPORT", "import-processor", traceId, body);
      console.log(`record ${id} → RESTAURANT_IMPORT event ${detail.event_id} (trace ${traceId})`);
    } catch (e) {
      console.log(`record ${id} failed: ${e.message}`);
      batchItemFailures.push({ itemIdentifier: id });
    }
  }
  return { batchItemFailures };
};
