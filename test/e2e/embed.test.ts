/**
 * Issue #6 in Chromium against `wrangler dev`: the embed snippets served from a page on a second
 * origin (a Node server) post inquiries — the HTML form by navigation, the fetch() call through a
 * real CORS preflight — a recipient answers one in the web UI, a script with an API key answers
 * another, and the Forms page shows the snippets with working copy buttons.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, type Page } from "playwright-core";
import PostalMime from "postal-mime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, applyMigrations, seedDemo, startWrangler } from "../../scripts/dev-server.mjs";
import { findLeaks } from "../helpers/leak-check";
import { CHROMIUM, launchChromium } from "../helpers/chromium";

const PORT = 19260;
const RELAY = `http://localhost:${PORT}`;
const SHOP_PORT = 19261;
const SHOP = `http://127.0.0.1:${SHOP_PORT}`;
/** A site that is not in the form's allowedOrigins. */
const OTHER_PORT = 19262;
const TOKEN = "embed-admin-token";
const STAFF = ["staff.one@example.net", "staff.two@example.net"];
const require = createRequire(import.meta.url);

interface Item {
  kind: string;
  envelopeFrom: string;
  envelopeTo: string;
  raw: string;
  rawBase64: string;
}

let server: Awaited<ReturnType<typeof startWrangler>>;
let browser: Browser;
let embed: { id: string; html: string; fetch: string };
const sites: Server[] = [];
const persistTo = mkdtempSync(path.join(tmpdir(), "kakuremino-embed-"));
const admin = () => adminApi(`http://127.0.0.1:${PORT}`, TOKEN);
const outbox = async (): Promise<Item[]> => (await admin()("GET", "/api/outbox")).body;

/** A page on the shop's site: the snippet pasted as-is, and for fetch() a little UI around it. */
function shopPage(url: string): string {
  if (url === "/contact.html") return `<!doctype html><meta charset="utf-8"><title>Shop — contact</title><h1>Contact</h1>\n${embed.html}`;
  return `<!doctype html><meta charset="utf-8"><title>Shop — script</title>
<button id="send">Send by script</button><p id="result"></p>
<script>
${embed.fetch}
document.getElementById("send").onclick = () =>
  sendInquiry({ name: "Ken Ito", email: "ken.ito@example.org", subject: "Sunday opening", message: "Are you open on Sunday?" })
    .then((status) => (document.getElementById("result").textContent = "status: " + status))
    .catch((e) => (document.getElementById("result").textContent = "error: " + e.message));
</script>`;
}

function serveShop(port: number): Promise<Server> {
  const site = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(shopPage(req.url ?? "/"));
  });
  return new Promise((resolve) => site.listen(port, "127.0.0.1", () => resolve(site)));
}

async function waitForOutbox(match: (o: Item) => boolean): Promise<Item> {
  let found: Item | undefined;
  for (let i = 0; i < 100 && !found; i++) {
    found = (await outbox()).find(match);
    if (!found) await new Promise((r) => setTimeout(r, 100));
  }
  expect(found, "expected item in the outbox").toBeTruthy();
  return found!;
}

async function signIn(page: Page, email: string) {
  await page.goto(RELAY);
  await page.getByRole("textbox").fill(email);
  const before = new Set((await outbox()).map((o) => o.raw));
  await page.getByRole("button", { name: /sign-in link|サインイン用リンク/i }).click();
  const mail = await waitForOutbox((o) => o.kind === "sign-in" && o.envelopeTo === email && !before.has(o.raw));
  await page.goto(mail.raw.match(/http:\/\/localhost:\d+\/auth\/callback\?token=[a-z2-7]+/)![0]);
}

beforeAll(async () => {
  applyMigrations(persistTo);
  server = await startWrangler({ port: PORT, persistTo, vars: { ADMIN_TOKEN: TOKEN, DATA_KEY: Buffer.alloc(32, 7).toString("base64"), APP_URL: RELAY } });
  await seedDemo(`http://127.0.0.1:${PORT}`, TOKEN);
  const [pa] = (await admin()("GET", "/api/addresses")).body;
  const form = await admin()("POST", `/api/addresses/${pa.id}/forms`, { name: "Contact", allowedOrigins: [SHOP], confirmSubmitter: false });
  expect(form.status).toBe(201);
  embed = (await admin()("GET", `/api/addresses/${pa.id}/forms/${form.body.id}/embed`)).body;
  sites.push(await serveShop(SHOP_PORT), await serveShop(OTHER_PORT));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const site of sites) site.close();
  server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))("embed snippets on another origin, in Chromium", () => {
  it("the pasted HTML form posts an inquiry that a recipient answers in the web UI", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${SHOP}/contact.html`);
    await page.getByLabel(/Name/).fill("Yui Nakamura");
    await page.getByLabel(/E-mail/).fill("yui.nakamura@example.com");
    await page.getByLabel(/Subject/).fill("Delivery to Hokkaido?");
    await page.getByLabel(/Message/).fill("Can you ship to Hokkaido?");
    await page.getByRole("button", { name: "送信 / Send" }).click();
    await page.waitForURL(`${RELAY}/f/${embed.id}/thanks?status=delivered`);
    await page.getByText("Your message was delivered.").waitFor();
    const copy = await waitForOutbox((o) => o.kind === "relay" && o.envelopeTo === STAFF[0]);
    expect((await PostalMime.parse(Buffer.from(copy.rawBase64, "base64"))).subject).toBe("Delivery to Hokkaido?");

    await signIn(page, STAFF[0]);
    await page.getByRole("button", { name: /Delivery to Hokkaido\?/ }).click();
    await page.keyboard.press("r");
    await page.getByRole("textbox", { name: "Message" }).fill("Yes, we ship to Hokkaido.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const reply = await waitForOutbox((o) => o.kind === "relay" && o.envelopeTo === "yui.nakamura@example.com");
    expect(reply.envelopeFrom).toBe("info@relay.example.jp");
    const bytes = Buffer.from(reply.rawBase64, "base64");
    expect((await PostalMime.parse(bytes)).text).toContain("Yes, we ship to Hokkaido.");
    expect(await findLeaks(new Uint8Array(bytes), STAFF)).toEqual([]);
    await context.close();
  });

  it("the fetch() snippet works from the allowed origin only, and a script with an API key answers", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${OTHER_PORT}/script.html`);
    await page.getByRole("button", { name: "Send by script" }).click();
    await page.getByText(/^error: /).waitFor(); // the browser's CORS check refuses it
    await page.goto(`${SHOP}/script.html`);
    await page.getByRole("button", { name: "Send by script" }).click();
    await page.getByText("status: delivered").waitFor();
    await context.close();

    // The script: staff.two's key lists the conversation and answers it by API.
    const [pa] = (await admin()("GET", "/api/addresses")).body;
    const recipients = (await admin()("GET", `/api/addresses/${pa.id}/recipients`)).body as { id: string; email: string }[];
    const { key } = (await admin()("POST", `/api/addresses/${pa.id}/recipients/${recipients.find((r) => r.email === STAFF[1])!.id}/keys`, { label: "script" })).body;
    const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const list = await (await fetch(`${RELAY}/api/conversations?q=Sunday`, { headers: auth })).json();
    expect(list.items.map((i: { contactName: string }) => i.contactName)).toEqual(["Ken Ito"]);
    const sent = await fetch(`${RELAY}/api/conversations/${list.items[0].id}/messages`, { method: "POST", headers: auth, body: JSON.stringify({ text: "We open at 10:00 on Sundays." }) });
    expect(sent.status).toBe(201);
    const reply = await waitForOutbox((o) => o.kind === "relay" && o.envelopeTo === "ken.ito@example.org");
    expect(reply.envelopeFrom).toBe("info@relay.example.jp");
    expect(await findLeaks(new Uint8Array(Buffer.from(reply.rawBase64, "base64")), STAFF)).toEqual([]);
  });

  for (const locale of ["ja-JP", "en-US"] as const) {
    it(`the Forms page shows both snippets with copy buttons (${locale.slice(0, 2)})`, async () => {
      // bypassCSP only lets the test inject axe-core.
      const context = await browser.newContext({ locale, bypassCSP: true, viewport: { width: 1200, height: 900 } });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: RELAY });
      const page = await context.newPage();
      await signIn(page, STAFF[0]);
      const ja = locale === "ja-JP";
      await page.getByRole("link", { name: ja ? "フォーム" : "Forms" }).click();
      await page.getByRole("heading", { name: /Contact/ }).waitFor();
      expect(await page.getByRole("textbox", { name: ja ? "HTMLフォーム" : "HTML form" }).inputValue()).toBe(embed.html);
      expect(await page.getByRole("textbox", { name: ja ? "JavaScript（fetch）" : "JavaScript (fetch)" }).inputValue()).toBe(embed.fetch);
      const copyButtons = page.getByRole("button", { name: ja ? "コピー" : "Copy" });
      await copyButtons.nth(1).click();
      await page.getByRole("button", { name: ja ? "コピーしました" : "Copied" }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(embed.fetch);
      await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
      const result = await page.evaluate(async () => (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe.run());
      expect(result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
      await context.close();
    });
  }
});
