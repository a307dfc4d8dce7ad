#!/usr/bin/env node
/**
 * npm run inject -- <file.eml> --from <envelope sender> --to <recipient> [--unauthenticated] [--url URL]
 * Hands a message to the running relay as Cloudflare's MX would, then lists what the relay
 * queued in its outbox.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensureDevVars, injectEmail } from "./dev-server.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { from: { type: "string" }, to: { type: "string" }, url: { type: "string", default: `http://localhost:${process.env.PORT ?? 8787}` }, unauthenticated: { type: "boolean", default: false } },
});
if (positionals.length !== 1 || !values.from || !values.to) {
  console.error("usage: npm run inject -- <file.eml> --from <sender> --to <recipient> [--unauthenticated] [--url URL]");
  process.exit(2);
}
const token = ensureDevVars().ADMIN_TOKEN;
const headers = { authorization: `Bearer ${token}` };
async function outbox() {
  try {
    const res = await fetch(`${values.url}/api/outbox`, { headers });
    if (!res.ok) throw new Error(`GET /api/outbox answered ${res.status}`);
    return await res.json();
  } catch (error) {
    console.error(`Cannot reach the relay at ${values.url} (${error.cause?.code ?? error.message}). Is \`npm start\` running? Pass --url if it uses another port.`);
    process.exit(1);
  }
}
const before = new Set((await outbox()).map((o) => o.id));
const result = await injectEmail(values.url, { raw: readFileSync(positionals[0]), from: values.from, to: values.to, authenticated: !values.unauthenticated });
if (result.status !== 200) {
  console.error(`The local email endpoint answered ${result.status}: ${result.body}`);
  process.exit(1);
}
await new Promise((r) => setTimeout(r, 300));
const fresh = (await outbox()).filter((o) => !before.has(o.id));
if (!fresh.length) {
  console.log('Nothing new was queued. Either the relay refused the message — the SMTP reason is in the wrangler log as {"event":"rejected",…} — or it repeats a message already relayed (same Message-ID: retries are de-duplicated).');
  process.exit(1);
}
const decodeWords = (text) =>
  text.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=\s*/g, (_, charset, enc, data) => {
    try {
      const bytes = enc.toUpperCase() === "B" ? Buffer.from(data, "base64") : Buffer.from(data.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (__, h) => String.fromCharCode(parseInt(h, 16))), "latin1");
      return new TextDecoder(charset).decode(bytes);
    } catch {
      return data;
    }
  });
for (const item of fresh.reverse()) {
  const subject = decodeWords(item.raw.match(/^Subject: (.*(?:\r?\n[ \t].*)*)/m)?.[1].replace(/\r?\n[ \t]/g, " ") ?? "");
  console.log(`queued ${item.kind}: ${item.envelopeFrom} → ${item.envelopeTo}  ${subject}`);
}
