/**
 * Runs in Node before the workerd tests: reads every fixture (the project's own, and
 * ../shared/cases and ../shared/corpus in place) and hands them to the tests as base64, since
 * tests inside workerd have no file system.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";

function collect(dir: string, prefix: string, out: Record<string, string>) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collect(full, `${prefix}${entry.name}/`, out);
    else if (/\.(eml|json|ics)$/.test(entry.name)) out[`${prefix}${entry.name}`] = readFileSync(full).toString("base64");
  }
}

export default function setup(project: TestProject) {
  const root = project.config.root;
  const shared = path.resolve(root, "../shared");
  const fixtures: Record<string, string> = {};
  collect(path.join(root, "test/fixtures"), "own/", fixtures);
  collect(path.join(shared, "cases"), "cases/", fixtures);
  collect(path.join(shared, "corpus"), "corpus/", fixtures);
  project.provide("fixtures", fixtures);
  project.provide("sharedMissing", existsSync(path.join(shared, "cases")) ? "" : `../shared is absent (looked in ${shared}): shared cases and corpus are skipped`);
}
