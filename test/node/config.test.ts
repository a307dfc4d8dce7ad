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
