// bellyfed-emu's Node.js runtime: loads the handler named by _HANDLER (FILE.EXPORT) from
// LAMBDA_TASK_ROOT and serves invocations through the Lambda Runtime API (2018-06-01) at
// AWS_LAMBDA_RUNTIME_API, as Lambda's nodejs runtimes do. Needs nothing but node (18+).
// ES modules and CommonJS, async and callback handlers. Log lines are "REQUEST_ID\tLEVEL\tmessage"
// (Lambda's format without the timestamp: the emulator stamps each line with its own clock).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import { pathToFileURL } from "node:url";

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId = "";

function call(method, route, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      `http://${api}/2018-06-01/runtime${route}`,
      { method, agent, headers: { ...headers, ...(data ? { "Content-Length": data.length } : {}) } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

function errorDocument(err) {
  if (err instanceof Error)
    return {
      errorType: err.name || "Error",
      errorMessage: err.message,
      trace: String(err.stack || "").split("\n"),
    };
  return { errorType: "string", errorMessage: typeof err === "string" ? err : util.inspect(err), trace: [] };
}

function postError(route, err, type) {
  const doc = errorDocument(err);
  if (type) doc.errorType = type;
  return call("POST", route, JSON.stringify(doc), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": doc.errorType,
  });
}

// console.* write one line per call: newlines inside a message become \r, as Lambda keeps a
// message in one log event. The write is synchronous, so every line is out before the
// invocation's answer and lands in that invocation's log.
function writeLine(line) {
  const data = Buffer.from(line);
  for (let off = 0; off < data.length; ) {
    try {
      off += fs.writeSync(1, data, off);
    } catch (e) {
      if (e.code !== "EAGAIN") return;  // stdout is gone: nothing to log to
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
for (const [name, level] of [["log", "INFO"], ["info", "INFO"], ["warn", "WARN"], ["error", "ERROR"], ["debug", "DEBUG"], ["trace", "TRACE"]]) {
  console[name] = (...args) => {
    const text = util.format(...args).replace(/\n/g, "\r");
    writeLine(`${currentRequestId || "undefined"}\t${level}\t${text}\n`);
  };
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot <= 0) throw Object.assign(new Error(`Bad handler ${spec}: expected FILE.EXPORT`), { name: "Runtime.MalformedHandlerName" });
  const modulePath = spec.slice(0, dot);
  const exportPath = spec.slice(dot + 1);
  let file = null;
  for (const ext of [".js", ".mjs", ".cjs", ""]) {
    const candidate = path.resolve(root, modulePath + ext);
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
      file = candidate;
      break;
    }
  }
  if (!file)
    throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: "Runtime.ImportModuleError" });
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    if (e instanceof SyntaxError) throw Object.assign(e, { name: "Runtime.UserCodeSyntaxError" });
    throw Object.assign(e instanceof Error ? e : new Error(String(e)), { name: "Runtime.ImportModuleError" });
  }
  let fn = mod[exportPath];
  if (fn === undefined && mod.default && typeof mod.default === "object") fn = mod.default[exportPath];
  if (typeof fn !== "function")
    throw Object.assign(new Error(`${spec} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
  return fn;
}

function makeContext(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const env = process.env;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  if (headers["lambda-runtime-client-context"]) context.clientContext = JSON.parse(headers["lambda-runtime-client-context"]);
  if (headers["lambda-runtime-cognito-identity"]) context.identity = JSON.parse(headers["lambda-runtime-cognito-identity"]);
  return context;
}

// Runs one invocation: a handler taking (event, context, callback) and not async answers through
// the callback (or context.succeed/fail/done); any other returns a value or a promise.
function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    context.done = finish;
    context.succeed = (r) => finish(null, r);
    context.fail = (e) => finish(e ?? new Error("handled"));
    try {
      const out = handler(event, context, finish);
      if (out && typeof out.then === "function") out.then((r) => finish(null, r), (e) => finish(e ?? new Error("rejected")));
      else if (handler.length < 3) finish(null, out);
    } catch (e) {
      finish(e);
    }
  });
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    console.error(util.format(e));
    await postError("/init/error", e);
    process.exit(1);
  }
  let pendingRoute = null;
  const fatal = async (e, type) => {
    console.error(util.format(e));
    if (pendingRoute) await postError(pendingRoute, e, type).catch(() => {});
    process.exit(128);
  };
  process.on("uncaughtException", (e) => fatal(e, "Runtime.UncaughtException"));
  process.on("unhandledRejection", (e) => fatal(e, "Runtime.UnhandledPromiseRejection"));
  for (;;) {
    const next = await call("GET", "/invocation/next");
    if (next.status !== 200) throw new Error(`GET /invocation/next answered ${next.status}: ${next.body}`);
    const id = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = id;
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    pendingRoute = `/invocation/${id}/error`;
    let event;
    try {
      event = JSON.parse(next.body.toString("utf8"));
    } catch (e) {
      await postError(pendingRoute, e, "Runtime.UnmarshalError");
      continue;
    }
    try {
      const result = await run(handler, event, makeContext(next.headers));
      let body;
      try {
        body = JSON.stringify(result === undefined ? null : result);
      } catch (e) {
        await postError(pendingRoute, e, "Runtime.MarshalError");
        continue;
      }
      pendingRoute = null;
      await call("POST", `/invocation/${id}/response`, body, { "Content-Type": "application/json" });
    } catch (e) {
      console.error(`Invoke Error \t${JSON.stringify(errorDocument(e))}`);
      const route = pendingRoute;
      pendingRoute = null;
      await postError(route, e);
    }
  }
}

main().catch((e) => {
  process.stderr.write(`bellyfed-emu node runtime: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
