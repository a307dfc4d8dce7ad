/**
 * End to end under `wrangler dev`: real workerd, real local D1 (migrations applied by wrangler),
 * mail injected through wrangler's /cdn-cgi/handler/email, copies read back from /api/outbox.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, ROOT, adminApi, applyMigrations, injectEmail, seedDemo, startWrangler } from "../../scripts/dev-server.mjs";

const TOKEN = "e2e-admin-token";
const NODEMAILER = path.resolve(ROOT, "../shared/corpus/mailparser/nodemailer.eml");
const persistTo = mkdtempSync(path.join(tmpdir(), "kakuremino-e2e-"));
let server: Awaited<ReturnType<typeof startWrangler>>;

beforeAll(async () => {
  applyMigrations(persistTo);
  server = await startWrangler({ port: 18787, persistTo, vars: { ADMIN_TOKEN: TOKEN, DATA_KEY: Buffer.alloc(32, 7).toString("base64") } });
  expect(await seedDemo(server.url, TOKEN)).toBe(true);
});

afterAll(() => {
  server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

interface Item {
  kind: string;
  envelopeFrom: string;
  envelopeTo: string;
  raw: string;
}

async function outbox(): Promise<Item[]> {
  return (await adminApi(server.url, TOKEN)("GET", "/api/outbox")).body;
}

async function waitFor(count: number): Promise<Item[]> {
  for (let i = 0; i < 40; i++) {
    const items = await outbox();
    if (items.length >= count) return items;
    await new Promise((r) => setTimeout(r, 100));
  }
  return outbox();
}

describe.skipIf(!existsSync(NODEMAILER))("wrangler dev end to end", () => {
  it("relays nodemailer.eml to both demo recipients and the reply back to its sender", async () => {
    const before = (await outbox()).length;
    const sender = "andris@kreata.ee";
    const injected = await injectEmail(server.url, { raw: readFileSync(NODEMAILER), from: sender, to: DEMO.address });
    expect(injected.status).toBe(200);
    const copies = (await waitFor(before + 2)).filter((o) => o.kind === "relay");
    expect(copies.map((c) => c.envelopeTo).sort()).toEqual(DEMO.recipients);
    for (const copy of copies) {
      expect(copy.raw).toMatch(/^From: .*<r-[a-z2-7]{34}@relay\.example\.jp>$/m);
      expect(copy.raw.toLowerCase()).not.toContain(sender);
    }
    const alias = copies.find((c) => c.envelopeTo === "staff.one@example.net")!.envelopeFrom;
    const reply = `From: Staff One <staff.one@example.net>\r\nTo: <${alias}>\r\nSubject: Re: Nodemailer\r\nMessage-ID: <e2e-1@mail.example.net>\r\n\r\nAnswered by staff.one@example.net\r\n`;
    expect((await injectEmail(server.url, { raw: reply, from: "staff.one@example.net", to: alias })).status).toBe(200);
    const items = await waitFor(before + 3);
    const out = items[0];
    expect(out.envelopeTo).toBe(sender);
    expect(out.envelopeFrom).toBe(DEMO.address);
    expect(out.raw).toMatch(/^From: Example Support Desk <info@relay\.example\.jp>$/m);
    expect(out.raw.toLowerCase()).not.toContain("staff.one@example.net");
  });
});
