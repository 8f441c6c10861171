// What the four handlers share: the seed's standard event, its validation, publishing it on the
// stage's bus, API Gateway proxy answers and the AWS clients. The clients take their endpoint,
// region and credentials from the environment, as on AWS (bellyfed-emu sets AWS_ENDPOINT_URL).
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";

export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const eventbridge = new EventBridgeClient({});
export const sqs = new SQSClient({});

// Resource names carry the stage, as the function's own name does: QueryHandler-dev → -dev.
const fn = process.env.AWS_LAMBDA_FUNCTION_NAME || "";
export const stage = fn.includes("-") ? fn.slice(fn.lastIndexOf("-") + 1) : "dev";
export const named = (name) => `${name}-${stage}`;

export const validIdRule = "must be 1–64 letters, digits, '-' or '_'";
export const validId = (id) => typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id);

// An error whose message is the whole story (Lambda reports errorType and errorMessage).
export class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = "ValidationException";
  }
}

const required = ["event_id", "timestamp", "event_type", "source", "version", "trace_id", "status"];

// The problems of a standard event, "; "-separated, or "".
export function standardEventProblems(e) {
  if (e === null || typeof e !== "object" || Array.isArray(e)) return "event: must be a JSON object";
  const problems = [];
  for (const k of required) {
    if (!(k in e)) problems.push(`${k}: is required`);
    else if (typeof e[k] !== "string" || e[k] === "") problems.push(`${k}: must be a non-empty string`);
  }
  if (typeof e.timestamp === "string" && e.timestamp !== "" &&
      !(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(e.timestamp) && !isNaN(Date.parse(e.timestamp))))
    problems.push("timestamp: must be an ISO 8601 time such as 2024-12-01T12:00:00.000Z");
  if (!("payload" in e)) problems.push("payload: is required");
  else if (e.payload === null || typeof e.payload !== "object" || Array.isArray(e.payload))
    problems.push("payload: must be a JSON object");
  if (typeof e.version === "string" && e.version !== "1.0") problems.push('version: must be "1.0"');
  if (typeof e.trace_id === "string" && e.trace_id.length > 256) problems.push("trace_id: must be at most 256 characters");
  for (const k of Object.keys(e).sort())
    if (k !== "payload" && !required.includes(k)) problems.push(`${k}: is not a field of the standard event`);
  return problems.join("; ");
}

// The standard event an EventBridge delivery carries in its detail; an invalid one is logged and
// fails the invocation.
export function receivedEvent(delivery, who) {
  let detail = delivery && typeof delivery === "object" && "detail" in delivery ? delivery.detail : delivery;
  if (typeof detail === "string") {
    try {
      detail = JSON.parse(detail);
    } catch {
      detail = undefined;
    }
  }
  const why = standardEventProblems(detail);
  if (why) {
    console.log(`rejected the event: ${why}`);
    throw new ValidationError(`${who}: not a valid standard event: ${why}`);
  }
  return detail;
}

// "Root=1-…;Parent=…" → "1-…".
export function traceRoot(header) {
  const m = /Root=([^;]*)/.exec(header || "");
  return m ? m[1] : "";
}

// The trace id Lambda hands this invocation (X-Ray's header), if any.
export const invocationTrace = () => traceRoot(process.env._X_AMZN_TRACE_ID);

// Puts a standard event on the stage's bellyfed bus; returns it.
export async function publish(eventType, source, traceId, payload) {
  const detail = {
    event_id: randomUUID(),
    timestamp: new Date().toISOString(),
    event_type: eventType,
    source,
    version: "1.0",
    trace_id: traceId,
    status: "pending",
    payload,
  };
  const why = standardEventProblems(detail);
  if (why) {
    console.log(`rejected a ${eventType || "standard"} event: ${why}`);
    throw new ValidationError(`the standard event is not valid: ${why}`);
  }
  const out = await eventbridge.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: named("bellyfed"), Source: source, DetailType: eventType, Detail: JSON.stringify(detail) }],
    }),
  );
  if (out.FailedEntryCount) throw new Error(`PutEvents failed: ${out.Entries[0].ErrorMessage}`);
  return detail;
}

export const proxyResponse = (statusCode, body) => ({
  statusCode,
  headers: { "Content-Type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
