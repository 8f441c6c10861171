// Shared by the JavaScript wire tests: `serve` on a free loopback port, and AWS errors expected
// by name (and HTTP 400).
import { spawn } from "node:child_process";
import assert from "node:assert/strict";

// Starts `emu serve`; resolves to { server, base } once it prints its URL.
export async function startServe(emu) {
  const server = spawn(emu, ["serve", "--port", "0", "--log-level", "off"], { stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise((resolve, reject) => {
    server.stdout.on("data", (d) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(String(d));
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { server, base };
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
