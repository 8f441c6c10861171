// The dashboard (/_emu/ui/) in a real headless Chromium driven by puppeteer-core: load the page,
// run the import flow with `bellyfed-emu import`, see the flow and its diagram appear live, then
// each view (buses, queues with a peek, tables with a query, outbox, logs). Screenshots are
// saved in EMU_ARTIFACTS (default: this directory) as dashboard-*.png.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import puppeteer from "puppeteer-core";
import { SQSClient, SendMessageCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { startServe, stopServe } from "./harness.mjs";

const emu = process.argv[2];
const importFile = process.env.EMU_IMPORT_FILE;
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const artifacts = process.env.EMU_ARTIFACTS || process.cwd();
if (!fs.existsSync(chromium)) {
  // CI installs Debian's chromium (make test); elsewhere a missing browser skips the test.
  if (process.env.CI) assert.fail(`${chromium} is missing (Debian package chromium)`);
  console.log(`SKIP: ${chromium} is missing`);
  process.exit(0);
}
fs.mkdirSync(artifacts, { recursive: true });

// Clicks the button of the row whose first cell is `name`, in one step in the page: the views
// redraw their tables as the system changes, so a row found in one call may be gone in the next.
async function clickRowButton(page, table, name) {
  const clicked = await page.evaluate((t, n) => {
    const row = [...document.querySelectorAll(`${t} tr`)].find((r) => r.cells[0]?.textContent === n);
    row?.querySelector("button")?.click();
    return Boolean(row);
  }, table, name);
  assert.ok(clicked, `no row ${name} in ${table}`);
}

const { server, base } = await startServe(emu);
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  // As root (CI) Chromium refuses to start sandboxed; /dev/shm is small in containers.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
const problems = [];
let page;
try {
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("requestfailed", (r) => {
    // The event stream is cut when the page closes; anything else failing is a fault.
    if (!r.url().endsWith("/_emu/flows/stream")) problems.push(`request failed: ${r.url()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("blob:")) problems.push(`fetched from elsewhere: ${r.url()}`);
  });

  // ---- the page loads, connects its event stream, and has no flow yet ----
  await page.goto(`${base}/_emu/ui/`, { waitUntil: "load" });
  await page.waitForSelector("#live.status.on", { timeout: 15000 });
  assert.equal(await page.$$eval("#flow-list li", (l) => l.length), 0);

  // ---- the import flow: its flows appear live, with the newest one's diagram ----
  const r = spawnSync(emu, ["import", importFile, "--endpoint", base], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  await page.waitForFunction(
    () => [...document.querySelectorAll("#flow-list li .summary")].filter((s) =>
      s.textContent.includes("RESTAURANT_IMPORT")).length === 3,
    { timeout: 30000 });
  // A flow appears with its first entry; wait until all three have run to DynamoDB, each drawn
  // (by serve) as the seed's Figure 1.
  const figure1 = ["Import Script", "SQS", "Event Processor", "EventBridge", "DynamoDB Import", "DynamoDB"];
  // The reviews they write start one more flow, the Review stream's batch to Review Stats.
  let newest;
  for (let done = false, tries = 0; !done; tries++) {
    assert.ok(tries < 300, "the import flows did not reach DynamoDB");
    const all = (await (await fetch(`${base}/_emu/flows?limit=10`)).json()).flows;
    const flows = all.filter((f) => f.kind === "event.put");
    newest = all[0].trace_id;
    done = flows.length === 3 && all.some((f) => f.summary === "stream records of Review-dev to ReviewStats-dev");
    for (const f of flows) {
      const svg = await (await fetch(`${base}/_emu/traces/${f.trace_id}/diagram?format=svg`)).text();
      done &&= figure1.every((who) => svg.includes(`>${who}<`));
    }
    if (!done) await new Promise((r) => setTimeout(r, 100));
  }
  // The page follows the newest flow and shows its finished diagram.
  await page.waitForFunction(
    (trace) => {
      const img = document.querySelector("#diagram img");
      return document.querySelector("#flow-list li")?.dataset.trace === trace && img?.dataset.trace === trace &&
        img.complete && img.naturalWidth > 300;
    },
    { timeout: 30000 }, newest);
  await page.screenshot({ path: path.join(artifacts, "dashboard-flows.png"), fullPage: true });

  // Picking an older flow pins it; "follow the newest" lets go.
  const oldest = await page.evaluate(() => {
    const li = document.querySelector("#flow-list li:last-child");
    li.click();
    return li.dataset.trace;
  });
  await page.waitForFunction((t) => document.querySelector("#diagram img")?.dataset.trace === t, {}, oldest);
  assert.match(await page.$eval("#flow-meta", (e) => e.textContent), /pinned/);

  // ---- buses and rules: match counts ----
  await page.click('nav a[data-view="buses"]');
  await page.waitForFunction(() => document.querySelector("#buses")?.textContent.includes("restaurant-import"));
  assert.match(await page.$eval("#buses", (e) => e.textContent), /bellyfed-dev — 3 events in, 3 matched a rule/);
  const rule = await page.$$eval("#buses tr", (rows) =>
    rows.map((r) => [...r.cells].map((c) => c.textContent)).find((c) => c[0] === "restaurant-import"));
  assert.deepEqual(rule, ["restaurant-import", "3", "3", "0", "0", "0"], "the import rule matched three events");

  // ---- queues: counts, dead-letter queues, a peek that receives nothing ----
  const sqs = new SQSClient({ endpoint: base, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const dlq = `${base}/000000000000/restaurant-import-dlq-dev`;
  await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: '{"id":"r-999","name":"Poison <b>Pill</b>"}' }));
  await page.click('nav a[data-view="queues"]');
  await page.waitForFunction(() => document.querySelector("#queues")?.textContent.includes("restaurant-import-dlq-dev"));
  const dlqRow = await page.$$eval("#queues tr", (rows) =>
    rows.map((r) => [...r.cells].map((c) => c.textContent)).find((c) => c[0] === "restaurant-import-dlq-dev"));
  assert.equal(dlqRow[1], "1", "one visible message in the dead-letter queue");
  assert.equal(dlqRow[6], "restaurant-import-dev", "the DLQ names its source queue");
  await clickRowButton(page, "#queues", "restaurant-import-dlq-dev");
  await page.waitForFunction(() => document.querySelector("#peek")?.textContent.includes("Poison <b>Pill</b>"));
  assert.equal(await page.$$eval("#peek b", (b) => b.length), 0, "a body is shown as text, never as markup");
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["All"] }));
  assert.equal(attrs.Attributes.ApproximateNumberOfMessages, "1", "peeking left the message visible");
  assert.equal(attrs.Attributes.ApproximateNumberOfMessagesNotVisible, "0");
  await page.screenshot({ path: path.join(artifacts, "dashboard-queues.png"), fullPage: true });

  // ---- tables: browse, then query by key ----
  await page.click('nav a[data-view="tables"]');
  await page.waitForFunction(() => document.querySelector("#tables")?.textContent.includes("FoodEstablishment-dev"));
  await clickRowButton(page, "#tables", "FoodEstablishment-dev");
  await page.waitForFunction(() => /^Scan: \d+ items?/.test(document.querySelector("#q-status")?.textContent));
  await page.type("#q-key", "EST#r-101");
  await page.click('#table-query button[type="submit"]');
  await page.waitForFunction(() => /^Query: \d+ items?/.test(document.querySelector("#q-status")?.textContent));
  const items = await page.$$eval("#items tr", (rows) => rows.slice(1).map((r) => r.cells[0].textContent));
  assert.ok(items.length >= 1 && items.every((pk) => pk === "EST#r-101"), `query by key: ${items}`);
  assert.ok((await page.$eval("#items", (t) => t.textContent)).includes("Pho Place"));
  await page.screenshot({ path: path.join(artifacts, "dashboard-tables.png"), fullPage: true });

  // ---- outbox and logs ----
  await page.click('nav a[data-view="outbox"]');
  await page.waitForFunction(() => document.querySelector("#outbox table"));
  await page.click('nav a[data-view="logs"]');
  await page.waitForFunction(() => document.querySelector("#log-source")?.options.length > 0);
  await page.select("#log-source", "function=EventProcessor-dev");
  await page.waitForFunction(() => document.querySelector("#log-lines")?.textContent.includes("START RequestId"));
  await page.select("#log-source", "access=dev");
  await page.waitForFunction(() => document.querySelector("#log-lines")?.textContent.includes("API-Gateway-Access-Logs"));

  assert.deepEqual(problems, []);
  console.log(`dashboard: OK (screenshots in ${artifacts})`);
} catch (err) {
  // What the page showed and what went wrong in it, for whoever reads the failure.
  console.error(`problems seen in the page: ${JSON.stringify(problems, null, 1)}`);
  if (page) {
    await page.screenshot({ path: path.join(artifacts, "dashboard-failure.png"), fullPage: true }).catch(() => {});
    console.error(`the page's text: ${await page.evaluate(() => document.body.innerText).catch(() => "?")}`);
  }
  throw err;
} finally {
  await browser.close();
  await stopServe(server);
}
