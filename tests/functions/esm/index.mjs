import { spawn } from "node:child_process";

const ok = (body) => ({ statusCode: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

// Calls DynamoDB back through AWS_ENDPOINT_URL, signed with the function's own credentials.
async function dynamo(target, request) {
  const res = await fetch(process.env.AWS_ENDPOINT_URL, {
    method: "POST",
    headers: {
      "X-Amz-Target": `DynamoDB_20120810.${target}`,
      "Content-Type": "application/x-amz-json-1.0",
      Authorization: `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID}/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(request),
  });
  return res.json();
}

export const handler = async (event, context) => {
  console.log("path", event.path);
  console.log("two\nlines");
  await dynamo("PutItem", { TableName: "Things-dev", Item: { id: { S: context.awsRequestId } } });
  const scan = await dynamo("Scan", { TableName: "Things-dev", Select: "COUNT" });
  const denied = await dynamo("PutItem", { TableName: "Secret-dev", Item: { id: { S: "x" } } });
  return ok({
    kind: "esm",
    path: event.path,
    functionName: context.functionName,
    memory: context.memoryLimitInMB,
    logGroup: context.logGroupName,
    remainingPositive: context.getRemainingTimeInMillis() > 0,
    greeting: process.env.GREETING,
    tz: process.env.TZ,
    region: process.env.AWS_REGION,
    handler: process.env._HANDLER,
    accessKey: process.env.AWS_ACCESS_KEY_ID,
    things: scan.Count,
    denied,
    pid: process.pid,
  });
};

export const throws = async () => {
  throw new TypeError("boom from user code");
};

export const slow = () => new Promise((resolve) => setTimeout(() => resolve(ok({ late: true })), 5000));

export const crash = async () => {
  process.exit(3);
};

export const big = async () => ({ statusCode: 200, body: "x".repeat(7 * 1024 * 1024) });

export const chatty = async () => {
  const line = "y".repeat(1000);
  for (let i = 0; i < 50 * 1024; i++) console.log(line);
  return ok({ chatty: true });
};

export const forks = async () => {
  const child = spawn("sleep", ["300"], { stdio: "ignore" });
  return ok({ pid: process.pid, child: child.pid });
};
