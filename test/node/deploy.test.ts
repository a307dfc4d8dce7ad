import { describe, expect, it } from "vitest";
import { LIMIT, measureBundle } from "../../scripts/bundle-size.mjs";

describe("deploy", () => {
  it("wrangler deploy --dry-run builds the worker offline, under the Free plan's 3 MB gzipped", () => {
    const { files, gzipped } = measureBundle();
    expect(files).toContain("index.js");
    expect(gzipped).toBeGreaterThan(10_000);
    expect(gzipped).toBeLessThan(LIMIT);
  });
});
