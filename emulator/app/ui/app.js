// The bellyfed-emu dashboard: plain DOM, no framework, nothing fetched from outside serve.
// Every value from the server is put in the page as text (textContent), never as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const flows = new Map(); // trace_id → flow, as the event stream last told it
let selected = null; // the trace id shown; null follows the newest
let shown = null; // trace id and last_seq of the diagram on screen
let drawings = 0; // diagrams asked for: only the latest is put on screen
let stages = [];
let tableState = null; // {name, key, sort, start}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

async function getJSON(path) {
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || `${path}: HTTP ${r.status}`);
  return body;
}

function fillTable(table, headers, rows) {
  table.replaceChildren();
  const head = el("tr");
  for (const h of headers) head.append(el("th", h));
  table.append(head);
  for (const cells of rows) {
    const tr = el("tr");
    for (const c of cells) {
      if (c instanceof Node) {
        const td = el("td");
        td.append(c);
        tr.append(td);
      } else if (typeof c === "number") {
        tr.append(el("td", c, "num"));
      } else if (c && typeof c === "object" && "text" in c) {
        tr.append(el("td", c.text, c.cls));
      } else {
        tr.append(el("td", c));
      }
    }
    table.append(tr);
  }
}

function showError(where, err) {
  where.replaceChildren(el("p", err.message, "error"));
}

// ---- flows ----

function renderFlows() {
  const list = $("flow-list");
  const ordered = [...flows.values()].sort((a, b) => b.last_seq - a.last_seq);
  while (ordered.length > 200) flows.delete(ordered.pop().trace_id);
  list.replaceChildren();
  for (const f of ordered) {
    const li = el("li");
    li.dataset.trace = f.trace_id;
    if (f.trace_id === (selected ?? ordered[0]?.trace_id)) li.className = "selected";
    li.append(el("div", f.summary, "summary"));
    const meta = el("div", `${f.kind} · ${f.started} · ${f.entries} entries`, "meta");
    if (f.errors) meta.append(" · ", el("span", `${f.errors} errors`, "errors"));
    li.append(meta);
    li.addEventListener("click", () => {
      selected = f.trace_id;
      renderFlows();
    });
    list.append(li);
  }
  $("flow-count").textContent = ordered.length ? `(${ordered.length})` : "";
  const current = flows.get(selected) ?? ordered[0];
  if (current) showFlow(current);
}

async function showFlow(f) {
  if (shown && shown.trace === f.trace_id && shown.seq === f.last_seq) return;
  shown = { trace: f.trace_id, seq: f.last_seq };
  $("flow-title").textContent = f.summary;
  $("flow-meta").textContent = `trace ${f.trace_id} · started ${f.started} · ${f.entries} entries` +
    (f.errors ? ` · ${f.errors} errors` : "") + (selected ? " · pinned" : " · following the newest");
  const base = `/_emu/traces/${encodeURIComponent(f.trace_id)}`;
  const links = $("flow-links");
  links.replaceChildren();
  for (const [text, href] of [["SVG", `${base}/diagram?format=svg`], ["Mermaid", `${base}/diagram?format=mermaid`],
                              ["entries (JSON)", `/_emu/traces?trace_id=${encodeURIComponent(f.trace_id)}`]]) {
    const a = el("a", text);
    a.href = href;
    a.target = "_blank";
    links.append(a);
  }
  if (selected) {
    const follow = el("a", "follow the newest");
    follow.href = "#flows";
    follow.addEventListener("click", (e) => {
      e.preventDefault();
      selected = null;
      renderFlows();
    });
    links.append(follow);
  }
  try {
    // Fetched, not linked: the diagram grows while the flow runs, and an <img> of the same URL
    // would show the first drawing again.
    const r = await fetch(`${base}/diagram?format=svg`, { cache: "no-store" });
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).message || `HTTP ${r.status}`);
    const svg = await r.blob();
    // Drawn off screen and swapped in once decoded, unless a newer drawing came first: an image
    // taken off the page while it loads would be cancelled, and the old one would flicker.
    const drawing = ++drawings;
    const img = el("img");
    img.alt = `sequence diagram of ${f.summary}`;
    img.dataset.trace = f.trace_id;
    img.src = URL.createObjectURL(svg);
    try {
      await img.decode();
    } finally {
      URL.revokeObjectURL(img.src);
    }
    if (drawing === drawings) $("diagram").replaceChildren(img);
  } catch (err) {
    showError($("diagram"), err);
  }
}

function connect() {
  const live = $("live");
  const source = new EventSource("/_emu/flows/stream");
  source.addEventListener("open", () => {
    live.textContent = "live";
    live.className = "status on";
  });
  source.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    live.className = "status off";
  });
  source.addEventListener("flow", (e) => {
    const f = JSON.parse(e.data);
    flows.set(f.trace_id, f);
    scheduleFlows();
  });
  source.addEventListener("tick", () => scheduleRefresh());
}

// `fn` at most once per `ms`, however often the returned function is called meanwhile.
function coalesce(fn, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

const scheduleFlows = coalesce(() => renderFlows(), 100);

// ---- buses and rules ----

async function loadBuses() {
  const where = $("buses");
  try {
    const m = await getJSON("/_emu/metrics");
    where.replaceChildren();
    for (const [bus, b] of Object.entries(m.buses)) {
      where.append(el("h3", `${bus} — ${b.events_in} events in, ${b.matched_events} matched a rule`));
      const t = el("table", null, "grid");
      fillTable(t, ["rule", "matched", "invocations", "failed", "dead-lettered", "dropped"],
        Object.entries(b.rules).map(([name, r]) => [name, r.matched, r.invocations,
          r.failed_invocations ? { text: r.failed_invocations, cls: "num bad" } : 0, r.dead_lettered, r.dropped]));
      where.append(t);
    }
  } catch (err) {
    showError(where, err);
  }
}

// ---- queues ----

async function loadQueues() {
  try {
    const { queues } = await getJSON("/_emu/queues");
    fillTable($("queues"), ["queue", "visible", "in flight", "delayed", "oldest (s)", "dead-letter queue",
      "dead letters of", ""], queues.map((q) => {
      const peek = el("button", "Peek");
      peek.addEventListener("click", () => loadPeek(q.name));
      return [q.name, q.visible, q.in_flight, q.delayed, Math.round(q.oldest_age_ms / 1000),
        q.dead_letter_queue, q.dead_letter_sources.join(", "), peek];
    }));
  } catch (err) {
    showError($("queues"), err);
  }
}

async function loadPeek(name) {
  $("peek-title").textContent = `${name}: the first messages (peeking receives nothing)`;
  try {
    const p = await getJSON(`/_emu/queues/${encodeURIComponent(name)}/messages?limit=20`);
    fillTable($("peek"), ["message id", "state", "receives", "sent", "body"],
      p.messages.map((m) => [m.message_id, m.state, m.receive_count, m.sent, el("pre", m.body)]));
  } catch (err) {
    showError($("peek"), err);
  }
}

// ---- tables ----

function plain(v) {
  // A DynamoDB attribute value as the value it holds.
  const [type, x] = Object.entries(v)[0] ?? [];
  switch (type) {
    case "S": case "B": case "BOOL": return x;
    case "N": return Number(x);
    case "NULL": return null;
    case "SS": case "BS": return x;
    case "NS": return x.map(Number);
    case "L": return x.map(plain);
    case "M": return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, plain(y)]));
    default: return v;
  }
}

async function loadTables() {
  try {
    const { tables } = await getJSON("/_emu/tables");
    fillTable($("tables"), ["table", "keys", "indexes", "items", ""], tables.map((t) => {
      const open = el("button", "Open");
      open.addEventListener("click", () => {
        tableState = { name: t.name, keys: t.key_schema.map((k) => k.AttributeName) };
        $("table-title").textContent = `${t.name} (${t.key_schema.map((k) => `${k.AttributeName} ${k.KeyType}`).join(", ")})`;
        $("table-query").hidden = false;
        queryItems(false);
      });
      return [t.name, t.key_schema.map((k) => `${k.AttributeName} (${k.KeyType})`).join(", "),
        t.indexes.map((i) => i.name).join(", "), t.item_count, open];
    }));
  } catch (err) {
    showError($("tables"), err);
  }
}

async function queryItems(next, byKey) {
  if (!tableState) return;
  if (!next) {
    tableState.key = byKey ? $("q-key").value : "";
    tableState.sort = byKey ? $("q-sort").value : "";
    tableState.start = null;
  }
  const q = new URLSearchParams({ limit: "25" });
  if (tableState.key) q.set("key", tableState.key);
  if (tableState.key && tableState.sort) q.set("sort", tableState.sort);
  if (next && tableState.start) q.set("start", tableState.start);
  try {
    const page = await getJSON(`/_emu/tables/${encodeURIComponent(tableState.name)}/items?${q}`);
    tableState.start = page.last_evaluated_key ?? null;
    $("q-next").hidden = !tableState.start;
    $("q-status").textContent = `${page.operation}: ${page.count} ${page.count === 1 ? "item" : "items"}`;
    const items = page.items.map((i) => Object.fromEntries(Object.entries(i).map(([k, v]) => [k, plain(v)])));
    const columns = [...tableState.keys];
    for (const i of items) for (const k of Object.keys(i)) if (!columns.includes(k)) columns.push(k);
    fillTable($("items"), columns, items.map((i) => columns.map((c) => {
      const v = i[c];
      if (v === undefined) return "";
      const text = typeof v === "string" ? v : JSON.stringify(v);
      return text.length > 200 ? `${text.slice(0, 200)}…` : text;
    })));
  } catch (err) {
    $("q-status").textContent = err.message;
  }
}

// ---- outbox ----

function flatten(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out.push([key, typeof v === "number" ? v : JSON.stringify(v)]);
  }
  return out;
}

async function loadOutbox() {
  const where = $("outbox");
  const stage = $("outbox-stage").value || stages[0];
  try {
    const o = await getJSON(`/_emu/outbox?stage=${encodeURIComponent(stage)}&limit=20`);
    where.replaceChildren();
    const m = el("table", null, "grid");
    fillTable(m, ["metric", "value"], flatten(o.metrics ?? {}, "", []));
    where.append(el("h3", "rows, relays and age"), m);
    const ev = el("table", null, "grid");
    fillTable(ev, ["event"], o.events.slice().reverse().map((e) => [el("pre", JSON.stringify(e))]));
    where.append(el("h3", "the newest events"), ev);
  } catch (err) {
    showError(where, err);
  }
}

// ---- logs ----

async function loadLogSources() {
  const { functions, access } = await getJSON("/_emu/logs");
  const select = $("log-source");
  const keep = select.value;
  select.replaceChildren();
  for (const f of functions) select.append(new Option(`function ${f}`, `function=${encodeURIComponent(f)}`));
  for (const s of access) select.append(new Option(`API Gateway access log (${s})`, `access=${encodeURIComponent(s)}`));
  if (keep) select.value = keep;
}

async function loadLogs() {
  const out = $("log-lines");
  try {
    if (!$("log-source").options.length) await loadLogSources();
    const source = $("log-source").value;
    if (!source) return;
    const log = await getJSON(`/_emu/logs?${source}`);
    out.textContent = `${log.logGroupName}\n` + log.events.slice(-500).map((e) => `${e.timestamp} ${e.message}`).join("\n");
  } catch (err) {
    out.textContent = err.message;
  }
}

// ---- the page ----

const loaders = { flows: () => {}, buses: loadBuses, queues: loadQueues, tables: loadTables, outbox: loadOutbox, logs: loadLogs };

function activeView() {
  const v = location.hash.slice(1);
  return v in loaders ? v : "flows";
}

function showView() {
  const v = activeView();
  for (const s of document.querySelectorAll(".view")) s.classList.toggle("active", s.id === `view-${v}`);
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === v);
  refresh();
}

async function refresh() {
  try {
    const c = await getJSON("/_emu/clock");
    $("clock").textContent = `${c.virtual ? "virtual" : "real"} time ${c.now}`;
  } catch {
    $("clock").textContent = "";
  }
  await loaders[activeView()]();
}

const scheduleRefresh = coalesce(() => refresh(), 1000);

async function start() {
  try {
    const h = await getJSON("/_emu/health");
    stages = h.stages;
    $("version").textContent = `${h.version} · stages ${h.stages.join(", ")}`;
    for (const s of stages) $("outbox-stage").append(new Option(s, s));
  } catch (err) {
    $("version").textContent = err.message;
  }
  $("outbox-stage").addEventListener("change", loadOutbox);
  $("log-source").addEventListener("change", loadLogs);
  $("table-query").addEventListener("submit", (e) => {
    e.preventDefault();
    queryItems(false, true);
  });
  $("q-scan").addEventListener("click", () => queryItems(false, false));
  $("q-next").addEventListener("click", () => queryItems(true));
  window.addEventListener("hashchange", showView);
  showView();
  connect();
  setInterval(() => { if (activeView() !== "flows") refresh(); }, 5000);
}

start();
