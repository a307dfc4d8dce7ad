/**
 * Local runs of the real worker under `wrangler dev` (workerd + local D1): used by `npm start`
 * and by the end-to-end tests, so both exercise the same path.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

/** No internet here: wrangler must not phone home. */
export const QUIET_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CI: process.env.CI ?? "true",
};

export const DEMO = {
  address: "info@relay.example.jp",
  displayName: "Example Support Desk",
  recipients: ["staff.one@example.net", "staff.two@example.net"],
  /** Signs in to the web UI as the demo account's owner (the link is in the outbox). */
  owner: "owner@example.net",
};

/** Local secrets live in .dev.vars (git-ignored); made once so the local database stays readable. */
export function ensureDevVars(file = path.join(ROOT, ".dev.vars")) {
  if (!existsSync(file)) {
    writeFileSync(file, `ADMIN_TOKEN=local-admin-token\nDATA_KEY=${randomBytes(32).toString("base64")}\n`);
  }
  const vars = Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim()]),
  );
  return vars;
}

export function applyMigrations(persistTo) {
  const args = ["d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.toml", ...(persistTo ? ["--persist-to", persistTo] : [])];
  const result = spawnSync(WRANGLER, args, { cwd: ROOT, env: QUIET_ENV, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`migrations failed:\n${result.stdout}\n${result.stderr}`);
}

/** Starts `wrangler dev` and resolves once /healthz answers. */
export async function startWrangler({ port = 8787, persistTo, vars = {}, log = () => {} } = {}) {
  const args = ["dev", "-c", "wrangler.toml", "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false", ...(persistTo ? ["--persist-to", persistTo] : [])];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: QUIET_ENV, stdio: ["ignore", "pipe", "pipe"], detached: process.platform !== "win32" });
  let output = "";
  const collect = (chunk) => {
    output += chunk;
    log(String(chunk));
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (Date.now() >= deadline) throw new Error(`wrangler dev did not start:\n${output}`);
  return {
    url,
    child,
    output: () => output,
    stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
    },
  };
}

export function adminApi(url, token) {
  return async (method, route, body) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/** Creates the demo address and confirms its recipients through the mailed links, when empty. */
export async function seedDemo(url, token) {
  const api = adminApi(url, token);
  const existing = await api("GET", "/api/addresses");
  if (existing.status !== 200) throw new Error(`admin API answered ${existing.status}: ${JSON.stringify(existing.body)}`);
  if (existing.body.length) return false;
  const created = await api("POST", "/api/addresses", { address: DEMO.address, displayName: DEMO.displayName });
  for (const email of DEMO.recipients) await api("POST", `/api/addresses/${created.body.id}/recipients`, { email });
  await api("POST", "/api/users", { email: DEMO.owner, role: "owner" });
  const outbox = await api("GET", "/api/outbox");
  for (const item of outbox.body.filter((o) => o.kind === "verification")) {
    const link = item.raw.match(/\/verify\/([a-z2-7]+)/);
    // The button behind the link: opening it (GET) only shows the page.
    if (link) await fetch(`${url}/verify/${link[1]}`, { method: "POST", headers: { accept: "application/json" } });
  }
  return true;
}

/**
 * Posts a raw message to wrangler's local email endpoint, as Cloudflare's MX would hand it to
 * the worker. Like that MX, it prepends its Authentication-Results verdict unless told the
 * sender is unauthenticated.
 */
export async function injectEmail(url, { raw, from, to, authenticated = true }) {
  let text = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  let head = text.subarray(0, Math.min(text.length, 64 * 1024)).toString("latin1");
  const eol = head.includes("\r\n") ? "\r\n" : "\n";
  const added = [];
  if (!/^message-id:/im.test(head.split(/\r?\n\r?\n/)[0])) added.push(`Message-ID: <${randomBytes(12).toString("hex")}@inject.local>`);
  if (authenticated) added.push(`Authentication-Results: mx.cloudflare.net; spf=pass smtp.mailfrom=${from}`);
  if (added.length) text = Buffer.concat([Buffer.from(added.join(eol) + eol, "latin1"), text]);
  const res = await fetch(`${url}/cdn-cgi/handler/email?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { method: "POST", body: text });
  return { status: res.status, body: await res.text() };
}
