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
  options: { from: { type: "string" }, to: { type: "string" }, url: { type: "string", default: "http://localhost:8787" }, unauthenticated: { type: "boolean", default: false } },
});
if (positionals.length !== 1 || !values.from || !values.to) {
  console.error("usage: npm run inject -- <file.eml> --from <sender> --to <recipient> [--unauthenticated] [--url URL]");
  process.exit(2);
}
const token = ensureDevVars().ADMIN_TOKEN;
const headers = { authorization: `Bearer ${token}` };
const before = new Set((await (await fetch(`${values.url}/api/outbox`, { headers })).json()).map((o) => o.id));
const result = await injectEmail(values.url, { raw: readFileSync(positionals[0]), from: values.from, to: values.to, authenticated: !values.unauthenticated });
if (result.status !== 200) {
  console.error(`The local email endpoint answered ${result.status}: ${result.body}`);
  process.exit(1);
}
await new Promise((r) => setTimeout(r, 300));
const fresh = (await (await fetch(`${values.url}/api/outbox`, { headers })).json()).filter((o) => !before.has(o.id));
if (!fresh.length) console.log("Nothing was queued: the relay refused the message (see the wrangler log for the SMTP reason).");
for (const item of fresh.reverse()) {
  const subject = item.raw.match(/^Subject: (.*)$/m)?.[1] ?? "";
  console.log(`queued ${item.kind}: ${item.envelopeFrom} → ${item.envelopeTo}  ${subject}`);
}
