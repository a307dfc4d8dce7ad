#!/usr/bin/env node
/**
 * npm run check:bundle — builds the worker as `wrangler deploy --dry-run` would upload it
 * (offline) and prints its gzipped size against the Workers Free plan's 3 MB limit.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { QUIET_ENV, ROOT, WRANGLER } from "./dev-server.mjs";

export const LIMIT = 3 * 1024 * 1024;

export function measureBundle() {
  const outdir = mkdtempSync(path.join(tmpdir(), "kakuremino-dry-"));
  try {
    const run = spawnSync(WRANGLER, ["deploy", "--dry-run", "--outdir", outdir, "-c", "wrangler.toml"], { cwd: ROOT, env: QUIET_ENV, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stdout}\n${run.stderr}`);
    const files = readdirSync(outdir).filter((f) => f.endsWith(".js") || f.endsWith(".mjs"));
    const gzipped = files.reduce((n, f) => n + gzipSync(readFileSync(path.join(outdir, f))).length, 0);
    return { files, gzipped };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { gzipped } = measureBundle();
  console.log(`worker bundle: ${(gzipped / 1024).toFixed(0)} KiB gzipped (limit ${LIMIT / 1024 / 1024} MiB on the Free plan)`);
  if (gzipped > LIMIT) process.exit(1);
}
