// run --target signs its AWS calls with SigV4: for the same request, credentials and time, the
// signer gives the headers @smithy/signature-v4 (the JavaScript SDK v3's signer) gives.
// usage: node sigv4_test.mjs SIGN_TOOL   (EMU_SIGV4_CASES names the cases file)
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";

// What @smithy/hash-node does: SHA-256, or HMAC-SHA256 with a secret.
class Sha256 {
  constructor(secret) {
    this.h = secret ? createHmac("sha256", secret) : createHash("sha256");
  }
  update(data) {
    this.h.update(data);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

const cases = JSON.parse(readFileSync(process.env.EMU_SIGV4_CASES, "utf8"));
const ours = JSON.parse(execFileSync(process.argv[2], { input: JSON.stringify(cases) }).toString());

for (const [i, c] of cases.entries()) {
  const signer = new SignatureV4({
    credentials: { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key, sessionToken: c.session_token },
    region: c.region,
    service: c.service,
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: true,
  });
  const [hostname, port] = c.host.split(":");
  const query = {};
  for (const [k, v] of c.query) query[k] = v;
  const headers = { host: c.host };
  for (const [k, v] of c.headers) headers[k] = v;
  const signed = await signer.sign(
    { method: c.method, protocol: "http:", hostname, port: port ? Number(port) : undefined, path: c.path, query, headers, body: c.body },
    { signingDate: new Date(c.time) },
  );
  const theirs = {};
  for (const [k, v] of Object.entries(signed.headers)) theirs[k.toLowerCase()] = v;
  const mine = {};
  for (const [k, v] of Object.entries(ours[i])) mine[k.toLowerCase()] = v;
  for (const name of ["authorization", "x-amz-date", "x-amz-security-token"])
    assert.equal(mine[name], theirs[name], `${c.name}: ${name}`);
  console.log("ok", c.name);
}
