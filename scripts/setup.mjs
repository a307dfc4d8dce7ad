#!/usr/bin/env node
/**
 * npm run setup -- --zone example.jp [--destinations a@x.example,b@y.example] [--config wrangler.toml]
 *
 * With a Cloudflare API token in CLOUDFLARE_API_TOKEN (Zone: Email Routing Rules/Settings edit,
 * Account: D1 edit, Email Routing Addresses edit), makes the account ready for the relay:
 *   1. the D1 database "kakuremino" exists, and wrangler.toml names its id;
 *   2. Email Routing is enabled on the zone;
 *   3. the zone's catch-all rule sends all mail to this worker;
 *   4. each --destinations address is registered as an Email Routing destination (needed by the
 *      send_email binding; Cloudflare mails each one a confirmation).
 * Idempotent: a second run changes nothing and says so. The token is never printed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

class ApiError extends Error {}

function client(base, token) {
  return async function call(method, route, body) {
    let res;
    try {
      res = await fetch(`${base}${route}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
    } catch (error) {
      throw new ApiError(`Cannot reach the Cloudflare API at ${base} (${error.cause?.code ?? error.message})`);
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok || data.success === false) {
      const detail = (data.errors ?? []).map((e) => `${e.code}: ${e.message}`).join("; ") || `HTTP ${res.status}`;
      throw new ApiError(`Cloudflare API error on ${method} ${route.split("?")[0]}: ${detail}`);
    }
    return data.result;
  };
}

export async function setup({ zone, destinations = [], config = path.join(ROOT, "wrangler.toml"), token, base, log = console.log }) {
  if (!token) throw new ApiError("Set CLOUDFLARE_API_TOKEN (an API token with Email Routing and D1 edit permissions).");
  if (!zone) throw new ApiError("Name the zone: npm run setup -- --zone example.jp");
  const api = client(base ?? "https://api.cloudflare.com/client/v4", token);
  const toml = readFileSync(config, "utf8");
  const worker = toml.match(/^name\s*=\s*"([^"]+)"/m)?.[1] ?? "kakuremino";
  const dbName = toml.match(/database_name\s*=\s*"([^"]+)"/)?.[1] ?? "kakuremino";
  const changes = [];

  const [zoneRow] = await api("GET", `/zones?name=${encodeURIComponent(zone)}`);
  if (!zoneRow) throw new ApiError(`Zone ${zone} is not in this account (or the token cannot see it).`);
  const account = zoneRow.account.id;

  let [db] = (await api("GET", `/accounts/${account}/d1/database?name=${encodeURIComponent(dbName)}`)).filter((d) => d.name === dbName);
  if (!db) {
    db = await api("POST", `/accounts/${account}/d1/database`, { name: dbName });
    changes.push(`created D1 database ${dbName}`);
  }
  const current = toml.match(/database_id\s*=\s*"([^"]*)"/)?.[1];
  if (current !== db.uuid) {
    writeFileSync(config, toml.replace(/database_id\s*=\s*"[^"]*"/, `database_id = "${db.uuid}"`));
    changes.push(`wrote database_id ${db.uuid} to ${path.basename(config)}`);
  }

  const settings = await api("GET", `/zones/${zoneRow.id}/email/routing`);
  if (!settings.enabled) {
    await api("POST", `/zones/${zoneRow.id}/email/routing/enable`, {});
    changes.push(`enabled Email Routing on ${zone}`);
  }

  const catchAll = await api("GET", `/zones/${zoneRow.id}/email/routing/rules/catch_all`);
  const routed = catchAll?.enabled && catchAll.actions?.some((a) => a.type === "worker" && a.value?.includes(worker));
  if (!routed) {
    await api("PUT", `/zones/${zoneRow.id}/email/routing/rules/catch_all`, { name: "Kakuremino relay", enabled: true, matchers: [{ type: "all" }], actions: [{ type: "worker", value: [worker] }] });
    changes.push(`catch-all of ${zone} now goes to worker ${worker}`);
  }

  if (destinations.length) {
    const existing = new Set((await api("GET", `/accounts/${account}/email/routing/addresses`)).map((a) => a.email.toLowerCase()));
    for (const email of destinations) {
      if (existing.has(email.toLowerCase())) continue;
      await api("POST", `/accounts/${account}/email/routing/addresses`, { email });
      changes.push(`registered destination ${email} (Cloudflare mails it a confirmation link)`);
    }
  }

  for (const line of changes) log(`✓ ${line}`);
  if (!changes.length) log("Nothing to change: the account is already set up.");
  return changes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { zone: { type: "string" }, destinations: { type: "string", default: "" }, config: { type: "string" } } });
  try {
    await setup({
      zone: values.zone,
      destinations: values.destinations.split(",").map((s) => s.trim()).filter(Boolean),
      config: values.config ? path.resolve(values.config) : undefined,
      token: process.env.CLOUDFLARE_API_TOKEN,
      base: process.env.CLOUDFLARE_API_BASE,
    });
  } catch (error) {
    console.error(error instanceof ApiError ? error.message : error);
    process.exit(1);
  }
}
