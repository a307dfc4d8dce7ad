/** Debian's Chromium for the end-to-end tests: launched offline, and axe-core run on a page. */
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const require = createRequire(import.meta.url);

/** Headless, sandbox-free (containers) and silent: no update, sync or background network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** axe-core's serious and critical violations on the page, as "rule (nodes)". The context needs bypassCSP. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(async () => (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run());
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.nodes.length})`);
}

/**
 * A screenshot to `file`. The UI's header stays and the page scrolls inside <main>, so a whole
 * page (`full`) grows the viewport to <main>'s content first, then restores it.
 */
export async function screenshot(page: Page, file: string, full = true): Promise<void> {
  const size = page.viewportSize()!;
  if (full) {
    // A string expression: this file is type-checked without the DOM's types.
    const height = Number(await page.evaluate(`(() => { const main = document.querySelector("main"); return main.scrollHeight + main.getBoundingClientRect().top; })()`));
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, Math.ceil(height)) });
  }
  await page.screenshot({ path: file });
  await page.setViewportSize(size);
}
