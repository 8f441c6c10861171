// The Lambda API of `serve` through @aws-sdk/client-lambda, on the hello-node example (a Node.js
// handler of the user's): Invoke (RequestResponse with LogType Tail, Event, DryRun; a function
// error), ListFunctions, GetFunction, the EventInvokeConfig operations, and errors by name.
import assert from "node:assert/strict";
import {
  LambdaClient,
  InvokeCommand,
  ListFunctionsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PutFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  DeleteFunctionEventInvokeConfigCommand,
  ListEventSourceMappingsCommand,
} from "@aws-sdk/client-lambda";
import { startServe, stopServe } from "./harness.mjs";

const emu = process.argv[2];
const system = process.env.EMU_EXAMPLE_SYSTEM;
const { server, base } = await startServe(emu, "--system", system);
const lambda = new LambdaClient({
  endpoint: base,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const text = (bytes) => new TextDecoder().decode(bytes);

async function failsWith(name, status, promise, fragment) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.$metadata.httpStatusCode, status);
    if (fragment) assert.ok(e.message.includes(fragment), e.message);
    return;
  }
  assert.fail(`expected ${name}`);
}

try {
  const listed = await lambda.send(new ListFunctionsCommand({}));
  assert.deepEqual(
    listed.Functions.map((f) => f.FunctionName),
    ["Hello-dev", "echo"],
  );
  const hello = listed.Functions[0];
  assert.equal(hello.Runtime, "nodejs20.x");
  assert.equal(hello.Handler, "index.handler");
  assert.equal(hello.Timeout, 5);
  assert.deepEqual(hello.Environment.Variables, { GREETING: "Hello" });

  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: "Hello-dev" }));
  assert.equal(fn.Configuration.FunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:Hello-dev");
  const byArn = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:Hello-dev" }),
  );
  assert.equal(byArn.FunctionName, "Hello-dev");

  // RequestResponse: the handler's answer, and the last 4 KB of its log.
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: "Hello-dev",
      Payload: JSON.stringify({ pathParameters: { name: "sdk" } }),
      LogType: "Tail",
    }),
  );
  assert.equal(out.StatusCode, 200);
  assert.equal(out.FunctionError, undefined);
  assert.equal(out.ExecutedVersion, "$LATEST");
  const answer = JSON.parse(text(out.Payload));
  assert.deepEqual(JSON.parse(answer.body), { message: "Hello, sdk!", function: "Hello-dev" });
  const log = Buffer.from(out.LogResult, "base64").toString();
  assert.match(log, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
  assert.match(log, /\tINFO\tgreeting sdk\n/);
  assert.match(log, /REPORT RequestId: .*\tInit Duration: /);

  // A function error: 200 with FunctionError and the runtime's error document.
  const bad = await lambda.send(new InvokeCommand({ FunctionName: "Hello-dev", Payload: JSON.stringify({}) }));
  assert.equal(bad.StatusCode, 200);
  assert.equal(bad.FunctionError, "Unhandled");
  const err = JSON.parse(text(bad.Payload));
  assert.equal(err.errorType, "TypeError");
  assert.ok(Array.isArray(err.trace), JSON.stringify(err));

  const queued = await lambda.send(
    new InvokeCommand({ FunctionName: "Hello-dev", InvocationType: "Event", Payload: JSON.stringify({ pathParameters: { name: "later" } }) }),
  );
  assert.equal(queued.StatusCode, 202);
  const dry = await lambda.send(new InvokeCommand({ FunctionName: "Hello-dev", InvocationType: "DryRun" }));
  assert.equal(dry.StatusCode, 204);

  await failsWith("ResourceNotFoundException", 404, lambda.send(new InvokeCommand({ FunctionName: "Nope" })), "Function not found");
  await failsWith(
    "InvalidRequestContentException",
    400,
    lambda.send(new InvokeCommand({ FunctionName: "Hello-dev", Payload: new TextEncoder().encode("{not json") })),
  );

  // Asynchronous settings: none, then put, read back, deleted.
  await failsWith(
    "ResourceNotFoundException",
    404,
    lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: "Hello-dev" })),
    "doesn't have an EventInvokeConfig",
  );
  const put = await lambda.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: "Hello-dev",
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 600,
      DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:000000000000:failed" } },
    }),
  );
  assert.equal(put.MaximumRetryAttempts, 1);
  const got = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: "Hello-dev" }));
  assert.equal(got.MaximumEventAgeInSeconds, 600);
  assert.equal(got.DestinationConfig.OnFailure.Destination, "arn:aws:sqs:us-east-1:000000000000:failed");
  await failsWith(
    "ValidationException",
    400,
    lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: "Hello-dev", MaximumRetryAttempts: 3 })),
  );
  await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: "Hello-dev" }));
  await failsWith(
    "ResourceNotFoundException",
    404,
    lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: "Hello-dev" })),
  );
  const mappings = await lambda.send(new ListEventSourceMappingsCommand({}));
  assert.deepEqual(mappings.EventSourceMappings, []);
} finally {
  await stopServe(server);
}
console.log("lambda_sdk: ok");
