#!/usr/bin/env node
/**
 * npm run bench: times the relay's rewriting core against two baselines measured in the same run
 * — floor (read the bytes into memory and scan them once) and naive (postal-mime full parse plus
 * a mimetext rebuild) — on generated inputs, measures peak memory for 25 MiB, checks attachments
 * stay byte-identical, and measures workerd's own CPU per injected message under `wrangler dev`.
 * Writes bench/RESULTS.md. Timing lives here, never in the test suite.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const work = path.join(here, ".work");
mkdirSync(work, { recursive: true });
const CONTACT = "hanako.yamada@example.com";
const ALIAS = "r-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@relay.example.jp";

if (process.argv[2] === "--memory") {
  await memoryProbe(Number(process.argv[3]));
  process.exit(0);
}

// wrangler (dev, and the workers test pool) wants the UI's assets directory: a fresh clone has none yet.
if (!existsSync(path.join(here, "..", "web", "dist"))) {
  execFileSync(path.join(here, "..", "node_modules", ".bin", "vite"), ["build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { cwd: path.join(here, ".."), stdio: "inherit" });
}
await build({ entryPoints: [path.join(here, "core.ts")], bundle: true, platform: "node", format: "esm", outfile: path.join(work, "core.mjs"), logLevel: "warning" });
const core = await import(path.join(work, "core.mjs"));
const { default: PostalMime } = await import("postal-mime");
const { createMimeMessage } = await import("mimetext");


function b64lines(buf) {
  return buf.toString("base64").replace(/.{76}/g, "$&\r\n");
}

function pdf(size) {
  const buf = Buffer.alloc(size);
  let x = 12345;
  for (let i = 0; i < size; i++) buf[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  buf.write("%PDF-1.7\n", 0);
  return buf;
}

function withAttachments(size) {
  const file = pdf(size);
  return {
    bytes: Buffer.from(`From: Hanako <${CONTACT}>\r\nTo: info@relay.example.jp\r\nSubject: files\r\nMessage-ID: <big@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFiles attached. ${CONTACT}\r\n--b\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Disposition: attachment; filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64lines(file)}\r\n--b\r\nContent-Type: image/png; name="b.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64lines(file.subarray(0, 200_000))}\r\n--b--\r\n`),
    file,
  };
}

function inputs() {
  const plain = `Hello,\r\n\r\n${"This is a short inquiry about the quote. ".repeat(90)}\r\nWrite to ${CONTACT}.\r\n`;
  const html = `<html><body>${Array.from({ length: 780 }, (_, i) => `<p style="color:#333">Item ${i}: <a href="https://shop.example.com/p/${i}?utm=x">product ${i}</a> — great deals</p>`).join("")}<p><a href="mailto:${CONTACT}">${CONTACT}</a></p></body></html>`;
  const jis = Buffer.concat([Buffer.from(`From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <${CONTACT}>\r\nTo: info@relay.example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCOC1AUTtxGyhC?=\r\nMessage-ID: <j@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n`), Buffer.from(("\x1b$B$*@$OC$K$J$C$F$*$j$^$9!#\x1b(B\r\n".repeat(200) + `${CONTACT}\r\n`), "latin1")]);
  const cc = Array.from({ length: 200 }, (_, i) => `Person ${i} <p${i}@example.com>`).join(",\r\n ");
  const att5 = withAttachments(Math.floor((5 * 1024 * 1024) / 1.37) - 200_000);
  // Attachment bytes sized so the whole message (base64 adds a third) is just under 25 MiB.
  const att25 = withAttachments(Math.floor((25 * 1024 * 1024) / 1.37) - 200_000);
  return [
    { name: "4 KB plain text", bytes: Buffer.from(`From: Hanako <${CONTACT}>\r\nTo: info@relay.example.jp\r\nSubject: q\r\nMessage-ID: <p@example.com>\r\nContent-Type: text/plain\r\n\r\n${plain}`), contacts: [CONTACT] },
    { name: "100 KB HTML newsletter", bytes: Buffer.from(`From: News <${CONTACT}>\r\nTo: info@relay.example.jp\r\nSubject: news\r\nMessage-ID: <h@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${html.replace(/=/g, "=3D").replace(/.{75}/g, "$&=\r\n")}`), contacts: [CONTACT] },
    { name: "ISO-2022-JP mail", bytes: jis, contacts: [CONTACT] },
    { name: "200-recipient Cc", bytes: Buffer.from(`From: Hanako <${CONTACT}>\r\nTo: info@relay.example.jp\r\nCc: ${cc}\r\nSubject: all\r\nMessage-ID: <c@example.com>\r\nContent-Type: text/plain\r\n\r\nHello all, ${CONTACT}\r\n`), contacts: [CONTACT, ...Array.from({ length: 200 }, (_, i) => `p${i}@example.com`)] },
    { name: "5 MiB with PDF/image", bytes: att5.bytes, contacts: [CONTACT], file: att5.file, heavy: true },
    { name: "25 MiB with PDF/image", bytes: att25.bytes, contacts: [CONTACT], file: att25.file, heavy: true, big: true },
  ];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(fn, runs) {
  // Warm-up runs first, untimed: a worker isolate relays many messages, so the steady state is
  // what counts, and a first run's page faults made the 25 MiB floor swing 2× between runs.
  for (let i = 0; i < 3; i++) await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

function relay(bytes, contacts) {
  const map = new Map(contacts.map((c, i) => [c, i === 0 ? ALIAS : `r-${String(i).padStart(34, "b")}@relay.example.jp`]));
  const message = core.parseMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  return core.renderCopy(message, { from: `<${ALIAS}>`, to: [{ name: "Desk", address: "info@relay.example.jp" }], cc: [], messageId: "<x@relay.example.jp>", thread: [] }, (a) => map.get(a) ?? null);
}

function floor(bytes) {
  const copy = Buffer.from(bytes);
  let n = 0;
  for (let i = copy.indexOf(64); i >= 0; i = copy.indexOf(64, i + 1)) n++;
  return n;
}

async function naive(bytes) {
  const email = await PostalMime.parse(bytes);
  const msg = createMimeMessage();
  msg.setSender({ addr: ALIAS, name: "x" });
  msg.setRecipient("info@relay.example.jp");
  msg.setSubject(email.subject ?? "");
  if (email.text) msg.addMessage({ contentType: "text/plain", data: email.text.replaceAll(CONTACT, ALIAS) });
  if (email.html) msg.addMessage({ contentType: "text/html", data: email.html.replaceAll(CONTACT, ALIAS) });
  for (const a of email.attachments) msg.addAttachment({ filename: a.filename ?? "file", contentType: a.mimeType, data: Buffer.from(a.content).toString("base64") });
  return msg.asRaw();
}

async function memoryProbe(size) {
  await build({ entryPoints: [path.join(here, "core.ts")], bundle: true, platform: "node", format: "esm", outfile: path.join(work, "core-mem.mjs"), logLevel: "warning" });
  const mod = await import(path.join(work, "core-mem.mjs"));
  const { bytes } = withAttachments(size);
  global.gc();
  const base = process.memoryUsage();
  let peak = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed - base.heapUsed + (m.arrayBuffers - base.arrayBuffers));
  };
  const timer = setInterval(sample, 1);
  const message = mod.parseMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  sample();
  const out = mod.renderCopy(message, { from: `<${ALIAS}>`, to: [], cc: [], messageId: "<x@r>", thread: [] }, (a) => (a === CONTACT ? ALIAS : null));
  sample();
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ peakMB: peak / 1048576, inputMB: bytes.length / 1048576, outMB: out.length / 1048576 }));
}

async function workerdCpu() {
  const { applyMigrations, startWrangler, seedDemo, injectEmail } = await import("../scripts/dev-server.mjs");
  const persistTo = mkdtempSync(path.join(tmpdir(), "kakuremino-bench-"));
  applyMigrations(persistTo);
  const server = await startWrangler({ port: 19311, persistTo, vars: { ADMIN_TOKEN: "bench", DATA_KEY: Buffer.alloc(32, 3).toString("base64") } });
  try {
    await seedDemo(server.url, "bench");
    // wrangler runs detached, as its own process group: its workerd, not another project's.
    const pid = Number(execFileSync("pgrep", ["-n", "-g", String(server.child.pid), "workerd"]).toString().trim());
    const ticks = () => {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return Number(fields[11]) + Number(fields[12]);
    };
    const hz = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
    const results = [];
    for (const [name, size] of [["4 KB", 4_000], ["100 KB", 100_000]]) {
      const N = 60;
      const body = "x".repeat(size);
      const start = ticks();
      for (let i = 0; i < N; i++) {
        await injectEmail(server.url, { raw: `From: C <c${i % 5}@example.com>\r\nTo: info@relay.example.jp\r\nSubject: s\r\nMessage-ID: <w${name}${i}@example.com>\r\n\r\n${body}\r\n`, from: `c${i % 5}@example.com`, to: "info@relay.example.jp" });
      }
      results.push({ name, msPerMessage: ((ticks() - start) / hz / N) * 1000 });
    }
    return results;
  } finally {
    server.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

/**
 * D1 round trips are counted by test/worker/email/round-trips.test.ts (an instrumented binding
 * in workerd): run it, and report the counts it asserts only if it passes in this run.
 */
function roundTrips() {
  const file = "test/worker/email/round-trips.test.ts";
  const root = path.join(here, "..");
  const asserted = [...readFileSync(path.join(root, file), "utf8").matchAll(/toEqual\(\{ smtp: (\d+), after: (\d+) \}\)/g)].map((m) => ({ smtp: Number(m[1]), after: Number(m[2]) }));
  try {
    execFileSync(path.join(root, "node_modules", ".bin", "vitest"), ["run", "--config", "test/vitest.config.ts", "--project", "workers", file], { cwd: root, stdio: "pipe", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } });
  } catch (error) {
    return { ok: false, text: `not verified: ${file} failed (${String(error.message).split("\n")[0]})` };
  }
  const smtp = Math.max(...asserted.map((a) => a.smtp));
  const after = Math.max(...asserted.map((a) => a.after));
  return {
    ok: true,
    smtp,
    whole: smtp + after,
    text: `${file} (passed in this run): ${smtp} before the SMTP verdict for inbound (new or known contact, any number of recipients) and reply`,
    wholeText: `${smtp} before the verdict plus ${after} after it, in waitUntil (the send-state batch of the first delivery attempt)${smtp + after > 2 ? `: over the goal by ${smtp + after - 2}, since the outcome of a send can only be written once the provider has answered, after the rows must already be stored` : ""}`,
  };
}

const rows = [];
for (const input of inputs()) {
  const runs = input.big ? 3 : input.heavy ? 5 : 30;
  const f = await time(() => floor(input.bytes), runs);
  const n = await time(() => naive(input.bytes), runs);
  const r = await time(() => relay(input.bytes, input.contacts), runs);
  let identical = "";
  if (input.file) {
    const out = await PostalMime.parse(relay(input.bytes, input.contacts));
    identical = Buffer.from(out.attachments[0].content).equals(input.file) ? "yes" : "NO";
  }
  rows.push({ name: input.name, size: input.bytes.length, floor: f, naive: n, relay: r, identical });
}
await build({ entryPoints: [path.join(here, "malformed.ts")], bundle: true, platform: "node", format: "esm", outfile: path.join(work, "malformed.mjs"), logLevel: "warning" });
const malformed = (await import(path.join(work, "malformed.mjs"))).runMalformed(10_000);
const memory = JSON.parse(execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--memory", String(Math.floor((25 * 1024 * 1024) / 1.37) - 200_000)]).toString());
let cpu = [];
try {
  cpu = await workerdCpu();
} catch (error) {
  cpu = [{ name: `not measured: ${error.message.split("\n")[0]}`, msPerMessage: NaN }];
}

const trips = roundTrips();

const fmt = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
const small = rows.filter((r) => r.size <= 100 * 1024);
const heavy = rows.filter((r) => r.identical);
const big = rows.find((r) => r.name.startsWith("25"));
const goals = [
  ["≤ 2 ms CPU median for a ≤ 100 KB message (pure core, Node)", Math.max(...small.map((r) => r.relay)) <= 2, `max median ${fmt(Math.max(...small.map((r) => r.relay)))} ms`],
  ["25 MiB within 3× the floor", big.relay <= 3 * big.floor, `${fmt(big.relay / big.floor)}× (floor ${fmt(big.floor)} ms, relay ${fmt(big.relay)} ms)`],
  ["25 MiB peak memory under 96 MB", memory.peakMB < 96, `${memory.peakMB.toFixed(1)} MB above baseline (heap + array buffers)`],
  ["attachments byte-identical", heavy.every((r) => r.identical === "yes"), heavy.map((r) => `${r.name}: ${r.identical}`).join(", ")],
  ["≥ 5× faster than naive on attachment-heavy mail", heavy.every((r) => r.naive / r.relay >= 5), heavy.map((r) => `${r.name}: ${fmt(r.naive / r.relay)}×`).join(", ")],
  ["≤ 2 D1 round trips per inbound message / per reply, during the SMTP transaction", trips.ok && trips.smtp <= 2, trips.text],
  ["≤ 2 D1 round trips per inbound message / per reply, counted whole", trips.ok && trips.whole <= 2, trips.ok ? trips.wholeText : trips.text],
];
const table = [
  "| input | bytes | floor ms | naive ms | relay ms | relay / floor | naive / relay | attachments identical |",
  "|---|---:|---:|---:|---:|---:|---:|---|",
  ...rows.map((r) => `| ${r.name} | ${r.size} | ${fmt(r.floor)} | ${fmt(r.naive)} | ${fmt(r.relay)} | ${fmt(r.relay / r.floor)}× | ${fmt(r.naive / r.relay)}× | ${r.identical || "—"} |`),
].join("\n");
const report = `# Benchmark results

Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${process.arch}).
Medians after three untimed warm-up runs; ratios are against baselines measured in the same run: **floor** = copy the bytes and
scan them once, **naive** = postal-mime full parse + mimetext rebuild. "relay" is the worker's own
rewriting core (parseMessage + renderCopy, one recipient), bundled from worker/ for Node.

${table}

## Goals

| goal | met | measured |
|---|---|---|
${goals.map(([g, ok, m]) => `| ${g} | ${ok ? "yes" : "**no**"} | ${m} |`).join("\n")}

Why each goal stands where it does, and the design behind it: \`docs/PERFORMANCE.md\`. On small
messages relay ≈ naive is the price of privacy: the relay decodes and scans every text part whole,
in every spelling of an address (entities, percent-encoding, split by tags), where the naive
baseline replaces only the literal address. The send-state batch after the verdict is every
message's third D1 trip: it cannot join the write batch, as the mailer answers only after the rows
must be stored.

## Robustness

10 000 generated malformed messages through the core: ${malformed.relayed} relayed, ${malformed.refused} refused (\`554 5.6.0\`, too deep), **${malformed.crashed} unhandled exceptions**${malformed.firstCrash ? ` (first: ${malformed.firstCrash})` : ""}.

## The whole worker under wrangler dev (workerd process CPU per injected message, 2 recipients)

| message | ms CPU per message |
|---|---:|
${cpu.map((c) => `| ${c.name} | ${Number.isNaN(c.msPerMessage) ? "—" : c.msPerMessage.toFixed(2)} |`).join("\n")}

This includes wrangler's local email endpoint, D1 (SQLite) and the outbox writes, so it is an upper
bound of what the Workers runtime would bill. Peak memory for 25 MiB: ${memory.peakMB.toFixed(1)} MB
(input ${memory.inputMB.toFixed(1)} MB, output ${memory.outMB.toFixed(1)} MB).
`;
writeFileSync(path.join(here, "RESULTS.md"), report);
console.log(report);
