/**
 * `npm run setup` against a local fake of the Cloudflare API (the documented v4 endpoints for
 * zones, D1, Email Routing settings, the catch-all rule and destination addresses).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/dev-server.mjs";

const TOKEN = "cf-test-token-9b1f";
const state = { databases: [] as { uuid: string; name: string }[], routing: false, catchAll: { enabled: false, actions: [{ type: "drop" }] } as Record<string, unknown>, addresses: [] as { email: string }[] };
const mutations: string[] = [];
let server: Server;
let base = "";

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : {};
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const send = (status: number, result: unknown, errors: unknown[] = []) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: status < 400, errors, messages: [], result }));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(403, null, [{ code: 10000, message: "Authentication error" }]);
    const url = new URL(req.url!, "http://x");
    const route = `${req.method} ${url.pathname}`;
    if (req.method !== "GET") mutations.push(route);
    if (route === "GET /zones") return send(200, url.searchParams.get("name") === "relay.example.jp" ? [{ id: "zone1", name: "relay.example.jp", account: { id: "acct1" } }] : []);
    if (route === "GET /accounts/acct1/d1/database") return send(200, state.databases.filter((d) => d.name === url.searchParams.get("name")));
    if (route === "POST /accounts/acct1/d1/database") {
      const db = { uuid: "6f7e0d2c-1111-4222-8333-944455556666", name: String((await body(req)).name) };
      state.databases.push(db);
      return send(200, db);
    }
    if (route === "GET /zones/zone1/email/routing") return send(200, { enabled: state.routing, name: "relay.example.jp" });
    if (route === "POST /zones/zone1/email/routing/enable") return (state.routing = true), send(200, { enabled: true });
    if (route === "GET /zones/zone1/email/routing/rules/catch_all") return send(200, state.catchAll);
    if (route === "PUT /zones/zone1/email/routing/rules/catch_all") return (state.catchAll = await body(req)), send(200, state.catchAll);
    if (route === "GET /accounts/acct1/email/routing/addresses") return send(200, state.addresses);
    if (route === "POST /accounts/acct1/email/routing/addresses") return state.addresses.push({ email: String((await body(req)).email) }), send(200, {});
    send(404, null, [{ code: 7003, message: `No route for ${route}` }]);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => server.close());

function run(args: string[], token = TOKEN, config?: string) {
  const dir = config ? path.dirname(config) : mkdtempSync(path.join(tmpdir(), "setup-"));
  const file = config ?? path.join(dir, "wrangler.toml");
  if (!config) copyFileSync(path.join(ROOT, "wrangler.toml"), file);
  return new Promise<{ status: number | null; out: string; file: string }>((resolve) => {
    // spawnSync would block this process's fake server: run the script asynchronously.
    import("node:child_process").then(({ spawn }) => {
      const child = spawn(process.execPath, [path.join(ROOT, "scripts/setup.mjs"), ...args, "--config", file], { env: { ...process.env, CLOUDFLARE_API_TOKEN: token, CLOUDFLARE_API_BASE: base } });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (status) => resolve({ status, out, file }));
    });
  });
}

describe("npm run setup", () => {
  it("creates what is missing, then changes nothing on a second run", async () => {
    const first = await run(["--zone", "relay.example.jp", "--destinations", "staff.one@example.net,staff.two@example.net"]);
    expect(first.status).toBe(0);
    expect(first.out).toContain("created D1 database kakuremino");
    expect(first.out).toContain("enabled Email Routing on relay.example.jp");
    expect(first.out).toContain("catch-all of relay.example.jp now goes to worker kakuremino");
    expect(first.out).toContain("registered destination staff.two@example.net");
    expect(readFileSync(first.file, "utf8")).toContain('database_id = "6f7e0d2c-1111-4222-8333-944455556666"');
    expect(state.catchAll).toEqual({ name: "Kakuremino relay", enabled: true, matchers: [{ type: "all" }], actions: [{ type: "worker", value: ["kakuremino"] }] });
    expect(first.out).not.toContain(TOKEN);

    const count = mutations.length;
    const second = await run(["--zone", "relay.example.jp", "--destinations", "staff.one@example.net,staff.two@example.net"], TOKEN, first.file);
    expect(second.status).toBe(0);
    expect(second.out.trim()).toBe("Nothing to change: the account is already set up.");
    expect(mutations.length).toBe(count);
  });

  it("stops with a clear message on an API error, without printing the token", async () => {
    const bad = await run(["--zone", "relay.example.jp"], "wrong-token-123");
    expect(bad.status).toBe(1);
    expect(bad.out.trim()).toBe("Cloudflare API error on GET /zones: 10000: Authentication error");
    expect(bad.out).not.toContain("wrong-token-123");
    const missing = await run(["--zone", "nope.example"]);
    expect(missing.out.trim()).toBe("Zone nope.example is not in this account (or the token cannot see it).");
    expect(spawnSync(process.execPath, [path.join(ROOT, "scripts/setup.mjs"), "--zone", "x"], { env: { ...process.env, CLOUDFLARE_API_TOKEN: "" }, encoding: "utf8" }).stderr.trim()).toBe("Set CLOUDFLARE_API_TOKEN (an API token with Email Routing and D1 edit permissions).");
  });
});
