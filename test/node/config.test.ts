/** wrangler.toml must hand every path the worker serves to the worker, not the SPA fallback. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/dev-server.mjs";

const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const app = readFileSync(path.join(ROOT, "worker/app.ts"), "utf8");

describe("wrangler.toml", () => {
  it("runs the worker first for every route prefix the app mounts", () => {
    const first = JSON.parse(toml.match(/run_worker_first = (\[.*\])/)![1]) as string[];
    const mounted = [...app.matchAll(/app\.(?:route|get)\("(\/[^/"]+)/g)].map((m) => m[1]);
    expect(mounted.length).toBeGreaterThan(3);
    for (const prefix of new Set(mounted)) expect(first.some((p) => p === prefix || p.startsWith(`${prefix}/`)), prefix).toBe(true);
  });

  it("uses a compatibility date workerd runs in the pool, and the D1 migrations folder", () => {
    expect(toml.match(/compatibility_date = "(\d{4}-\d{2}-\d{2})"/)![1] >= "2025-09-15").toBe(true);
    expect(toml).toContain('migrations_dir = "db/migrations"');
  });
});

describe("web UI bundle", () => {
  it("first load is at most 60 KB of JavaScript gzipped", async () => {
    const { gzipSync } = await import("node:zlib");
    const { readdirSync } = await import("node:fs");
    const html = readFileSync(path.join(ROOT, "web/dist/index.html"), "utf8");
    const entry = html.match(/src="\/(assets\/index-[^"]+\.js)"/)![1];
    const size = gzipSync(readFileSync(path.join(ROOT, "web/dist", entry))).length;
    expect(readdirSync(path.join(ROOT, "web/dist/assets")).some((f) => f.startsWith("purify"))).toBe(true); // DOMPurify is a lazy chunk
    expect(size).toBeLessThanOrEqual(60 * 1024);
  });
});
