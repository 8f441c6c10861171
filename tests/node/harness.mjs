// Shared by the JavaScript wire tests: `serve` on a free loopback port, and AWS errors expected
// by name (and HTTP 400).
import { spawn } from "node:child_process";
import assert from "node:assert/strict";

// Starts `emu serve` (with more arguments, if given); resolves to { server, base } once it prints
// its URL.
export async function startServe(emu, ...args) {
  const server = spawn(emu, ["serve", "--port", "0", "--log-level", "off", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise((resolve, reject) => {
    server.stdout.on("data", (d) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(String(d));
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { server, base };
}

// Stops `serve` with SIGTERM and checks that it exited 0: a sanitizer's report at exit (a leak,
// undefined behaviour) makes it exit otherwise, and its stderr is this test's.
export async function stopServe(server) {
  if (server.exitCode === null && server.signalCode === null) {
    const done = new Promise((resolve) => server.once("exit", (code, signal) => resolve({ code, signal })));
    server.kill("SIGTERM");
    const { code, signal } = await done;
    assert.equal(signal, null, `serve was killed by ${signal}`);
    assert.equal(code, 0, `serve exited ${code} (its stderr is above)`);
  } else {
    assert.equal(server.exitCode, 0, `serve exited ${server.exitCode} before the test stopped it`);
  }
}

// Awaits `promise` and checks that it fails with the named error (and `fragment` in its message).
export async function expectError(name, promise, fragment) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (fragment) assert.ok(e.message.includes(fragment), e.message);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return e;
  }
  assert.fail(`expected ${name}`);
}
