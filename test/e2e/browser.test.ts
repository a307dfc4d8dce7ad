/**
 * The web UI in Debian's Chromium against `wrangler dev`: sign in through the magic link read
 * from the outbox, open a conversation created by an injected Japanese mail, reply with an
 * attachment, and check what left: To the contact, From the public address, no private address.
 * axe-core runs in each view; screenshots of both languages go to test-results/screenshots
 * (and to docs/screenshots with SAVE_SCREENSHOTS=1).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, type Page } from "playwright-core";
import PostalMime from "postal-mime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, adminApi, applyMigrations, injectEmail, seedDemo, startWrangler } from "../../scripts/dev-server.mjs";
import { findLeaks } from "../helpers/leak-check";
import { CHROMIUM, launchChromium, seriousViolations } from "../helpers/chromium";

const PORT = 18788;
const URL = `http://localhost:${PORT}`;
const TOKEN = "browser-admin-token";
const CONTACT = "kaori.ito@example.com";
const SHOTS = path.join(ROOT, process.env.SAVE_SCREENSHOTS ? "docs/screenshots" : "test-results/screenshots");

let server: Awaited<ReturnType<typeof startWrangler>>;
let browser: Browser;
const persistTo = mkdtempSync(path.join(tmpdir(), "kakuremino-ui-"));

interface Item {
  kind: string;
  envelopeFrom: string;
  envelopeTo: string;
  raw: string;
  rawBase64: string;
}

const admin = () => adminApi(`http://127.0.0.1:${PORT}`, TOKEN);
const outbox = async (): Promise<Item[]> => (await admin()("GET", "/api/outbox")).body;

async function signIn(page: Page, email: string) {
  await page.goto(URL);
  await page.getByRole("textbox").fill(email);
  const before = (await outbox()).length;
  await page.getByRole("button", { name: /sign-in link|サインイン用リンク/i }).click();
  await page.getByRole("status").waitFor();
  let link: string | undefined;
  for (let i = 0; i < 50 && !link; i++) {
    const items = await outbox();
    link = items.slice(0, items.length - before).find((o) => o.kind === "sign-in" && o.envelopeTo === email)?.raw.match(/http:\/\/localhost:\d+\/auth\/callback\?token=[a-z2-7]+/)?.[0];
    if (!link) await new Promise((r) => setTimeout(r, 100));
  }
  expect(link, "sign-in link in the outbox").toBeTruthy();
  await page.goto(link!);
}

beforeAll(async () => {
  applyMigrations(persistTo);
  server = await startWrangler({ port: PORT, persistTo, vars: { ADMIN_TOKEN: TOKEN, DATA_KEY: Buffer.alloc(32, 9).toString("base64"), APP_URL: URL } });
  await seedDemo(`http://127.0.0.1:${PORT}`, TOKEN);
  const raw = readFileSync(path.join(ROOT, "test/fixtures/iso2022jp-body-address.eml"));
  expect((await injectEmail(`http://127.0.0.1:${PORT}`, { raw, from: CONTACT, to: "info@relay.example.jp" })).status).toBe(200);
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))("web UI in Chromium", () => {
  for (const locale of ["ja-JP", "en-US"] as const) {
    const lang = locale.slice(0, 2);
    it(`signs in and answers a conversation with an attachment (${lang})`, async () => {
      // bypassCSP only lets the test inject axe-core; the CSP itself is checked separately below.
      const context = await browser.newContext({ locale, viewport: { width: 1200, height: 800 }, bypassCSP: true });
      const page = await context.newPage();
      await signIn(page, "staff.one@example.net");

      const row = page.getByRole("button", { name: /住所変更のお知らせ/ });
      await row.waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `${lang}-list.png`) });
      expect((await page.content()).toLowerCase()).not.toContain(CONTACT);

      await row.click();
      await page.getByRole("heading", { level: 1 }).filter({ hasText: "住所変更のお知らせ" }).waitFor();
      await page.getByText("私のアドレスは r-").waitFor();
      expect((await page.content()).toLowerCase()).not.toContain(CONTACT);
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `${lang}-thread.png`), fullPage: true });

      await page.keyboard.press("r");
      const body = page.getByRole("textbox", { name: lang === "ja" ? "本文" : "Message" });
      await expect.poll(() => body.evaluate((el) => el === document.activeElement)).toBe(true);
      await body.fill(lang === "ja" ? "承知しました。staff.one@example.net までご連絡ください。" : "Noted. Write to staff.one@example.net.");
      await page.locator('input[type="file"]').setInputFiles({ name: "memo.txt", mimeType: "text/plain", buffer: Buffer.from(`memo ${lang}`) });
      await page.screenshot({ path: path.join(SHOTS, `${lang}-compose.png`), fullPage: true });
      const before = (await outbox()).length;
      await page.getByRole("button", { name: lang === "ja" ? "送信" : "Send", exact: true }).click();
      await page.getByRole("status").filter({ hasText: lang === "ja" ? "送信しました" : "Sent" }).waitFor();
      await page.getByText(lang === "ja" ? "送信済み" : "sent", { exact: true }).first().waitFor();

      const items = await outbox();
      const out = items.slice(0, items.length - before).filter((o) => o.kind === "relay");
      expect(out).toHaveLength(1);
      expect(out[0].envelopeTo).toBe(CONTACT);
      expect(out[0].envelopeFrom).toBe("info@relay.example.jp");
      const bytes = Buffer.from(out[0].rawBase64, "base64");
      const email = await PostalMime.parse(bytes);
      expect(email.from).toMatchObject({ address: "info@relay.example.jp" });
      expect(email.to?.[0]).toMatchObject({ address: CONTACT });
      expect(email.attachments.map((a) => a.filename)).toEqual(["memo.txt"]);
      expect(email.text).toContain("info@relay.example.jp");
      expect(await findLeaks(new Uint8Array(bytes), ["staff.one@example.net", "staff.two@example.net"])).toEqual([]);
      if (lang === "en") {
        // Simple rich text: bold via the toolbar, sent as sanitised HTML next to the text.
        await page.getByRole("checkbox", { name: "Rich text" }).check();
        const editor = page.getByRole("textbox", { name: "Message" });
        await editor.click();
        await page.keyboard.type("Plain then ");
        await page.getByRole("button", { name: "Bold" }).click();
        await page.keyboard.type("bold words");
        const beforeRich = (await outbox()).length;
        await page.getByRole("button", { name: "Send", exact: true }).click();
        // The "Sent" notice of the first reply is still shown: wait for the outbox instead.
        await expect.poll(async () => (await outbox()).length, { timeout: 10_000 }).toBeGreaterThan(beforeRich);
        const richItems = await outbox();
        const rich = richItems.slice(0, richItems.length - beforeRich).find((o) => o.kind === "relay")!;
        const parsed = await PostalMime.parse(Buffer.from(rich.rawBase64, "base64"));
        expect(parsed.html).toMatch(/<b>bold words<\/b>/);
        expect(parsed.text).toContain("Plain then bold words");
      }
      await context.close();
    });
  }

  it("serves the UI and the API with strict security headers", async () => {
    const page = await fetch(`http://127.0.0.1:${PORT}/`);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const api = await fetch(`http://127.0.0.1:${PORT}/api/session/me`);
    expect(api.status).toBe(401);
    expect(api.headers.get("cache-control")).toBe("no-store");
    expect(api.headers.get("content-security-policy")).toContain("default-src 'none'");
    // The app itself runs under its CSP (no bypass here).
    const context = await browser.newContext({ locale: "en-US" });
    const strict = await context.newPage();
    const violations: string[] = [];
    strict.on("console", (m) => m.text().includes("Content Security Policy") && violations.push(m.text()));
    await strict.goto(URL);
    await strict.getByRole("button", { name: "Mail me a sign-in link" }).waitFor();
    expect(violations).toEqual([]);
    await context.close();
  });

  it("works on a phone in dark mode: one pane at a time, readable contrast", async () => {
    const context = await browser.newContext({ locale: "ja-JP", viewport: { width: 390, height: 844 }, colorScheme: "dark", isMobile: true, hasTouch: true, bypassCSP: true });
    const page = await context.newPage();
    await signIn(page, "staff.two@example.net");
    const row = page.getByRole("button", { name: /住所変更のお知らせ/ });
    await row.waitFor();
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toContain("dark");
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe("rgb(13, 17, 23)");
    await row.tap();
    await page.getByRole("button", { name: "戻る" }).waitFor();
    expect(await row.isVisible()).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "ja-phone-dark.png") });
    await page.getByRole("button", { name: "戻る" }).tap();
    await row.waitFor();
    await context.close();
  });
});
