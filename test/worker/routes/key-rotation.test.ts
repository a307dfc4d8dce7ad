/**
 * Issue #9: rotating DATA_KEY. Rows sealed under k1 stay readable under k2 while k1 is listed in
 * DATA_KEYS_OLD; the re-seal job (endpoint and cron) rewrites every sealed column; lookups and
 * reverse aliases keep working because INDEX_KEY pins the HMAC key.
 */
import { env } from "cloudflare:workers";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as schema from "../../../db/schema";
import { SEALED_TABLES } from "../../../db/queries/reseal";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO } from "../../helpers/cases";
import { resetDatabase } from "../../helpers/factories";
import { api, authenticated, type OutboxItem } from "../../helpers/relay";
import { ROTATED, ROTATING, apiAs, cronAs, fillEverySealedColumn, injectAs, sealedValues } from "../../helpers/rotation";
import type { Env } from "../../../worker/env";

const reply = (alias: string, id: string) => authenticated([`From: ${STAFF_ONE}`, `To: <${alias}>`, "Subject: Re: Quote request", `Message-ID: <${id}@example.net>`, "", "Here it is.", ""].join("\r\n"), STAFF_ONE);

async function outboxAs(e: Env): Promise<OutboxItem[]> {
  const res = await apiAs(e, "GET", "/api/outbox?limit=500");
  expect(res.status).toBe(200);
  return res.json();
}

/** Everything a recipient, the operator and the mail path read, under the given keys. */
async function everythingReadable(e: Env, addressId: string, session: Record<string, string>, alias: string) {
  const listed = await (await apiAs(e, "GET", `/api/addresses/${addressId}/recipients`)).json();
  expect(listed.map((r: { email: string }) => r.email).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
  expect((await (await apiAs(e, "GET", "/api/session/me", undefined, session)).json()).email).toBe(STAFF_ONE);
  const [conversation] = (await (await apiAs(e, "GET", "/api/conversations", undefined, session)).json()).items;
  const thread = await (await apiAs(e, "GET", `/api/conversations/${conversation.id}`, undefined, session)).json();
  expect(thread.contactName).toBe("Hanako Yamada");
  expect(thread.messages.map((m: { text: string }) => m.text.trim())).toContain("Could you send the revised quote?");
  expect(thread.messages.map((m: { html: string }) => m.html)).toContain("<p>See the <b>drawing</b>.</p>");
  const items = await outboxAs(e);
  expect(items.every((o) => o.raw.includes("Subject:"))).toBe(true);
  expect(new Set(items.map((o) => o.envelopeTo))).toEqual(new Set([STAFF_ONE, STAFF_TWO, HANAKO, "yui@example.com"]));
  // Inbound mail to the existing reverse alias: the tag, the recipient and the contact all resolve.
  const before = items.length;
  expect(await injectAs(e, { from: STAFF_ONE, to: alias, raw: reply(alias, `r-${Math.random()}`) })).toBeNull();
  const sent = (await outboxAs(e)).slice(0, -before || undefined);
  expect(sent.map((o) => [o.kind, o.envelopeFrom, o.envelopeTo])).toEqual([["relay", PUBLIC, HANAKO]]);
}

describe("DATA_KEY rotation", () => {
  beforeEach(resetDatabase);

  it("covers every *_enc column of db/schema.ts", () => {
    const inSchema = (Object.values(schema) as unknown[])
      .filter((t): t is SQLiteTable => t instanceof SQLiteTable)
      .flatMap((t) => getTableConfig(t).columns.filter((c) => c.name.endsWith("_enc")).map((c) => `${getTableConfig(t).name}.${c.name}`));
    const resealed = SEALED_TABLES.flatMap((t) => Object.values(t.columns).map((c) => `${t.name}.${c.name}`));
    expect(resealed.sort()).toEqual(inSchema.sort());
    expect(inSchema.length).toBe(15);
  });

  it("rows sealed under k1 stay readable under k2 + old k1; the re-seal leaves no k1 value; k1 can then go", async () => {
    const { alias, addressId, session } = await fillEverySealedColumn();
    const before = await sealedValues();
    for (const [column, values] of before) {
      expect(values.length, column).toBeGreaterThan(0);
      expect(values.filter((v) => !v.startsWith("k1:")).length, column).toBe(column === "outbox.raw_enc" ? 1 : 0);
    }
    await everythingReadable(ROTATING, addressId, session, alias);
    // Same blind index: Hanako writing again is the same contact behind the same alias.
    expect(await injectAs(ROTATING, { from: HANAKO, to: PUBLIC, raw: `From: ${HANAKO}\r\nTo: ${PUBLIC}\r\nSubject: again\r\nMessage-ID: <hy-9@mail.example.com>\r\n\r\nHi\r\n` })).toBeNull();
    expect((await outboxAs(ROTATING)).find((o) => o.envelopeTo === STAFF_ONE && o.kind === "relay")!.envelopeFrom).toBe(alias);

    const first = await (await apiAs(ROTATING, "POST", "/api/keys/reseal", { limit: 3 })).json();
    expect(first).toMatchObject({ keyId: "k2", resealed: 3, unreadable: 0 });
    expect(first.remaining).toBeGreaterThan(3);
    const second = await (await apiAs(ROTATING, "POST", "/api/keys/reseal", { limit: 3 })).json();
    expect(second.remaining).toBe(first.remaining - 3);
    let progress = second;
    for (let i = 0; i < 20 && progress.remaining > 0; i++) progress = await (await apiAs(ROTATING, "POST", "/api/keys/reseal")).json();
    expect(progress).toMatchObject({ remaining: 0, unreadable: 0 });

    const after = await sealedValues();
    for (const [column, values] of after) {
      expect(values.filter((v) => !v.startsWith("k2:")), column).toEqual([]);
      expect(values.length, column).toBeGreaterThanOrEqual(before.get(column)!.length);
    }
    expect(JSON.stringify([...after])).not.toMatch(/"k1:/);
    await everythingReadable(ROTATED, addressId, session, alias);
    const audit = await (await api("GET", "/api/audit")).json();
    expect(audit.some((a: { action: string }) => a.action === "keys.reseal")).toBe(true);
  });

  it("the cron re-seals while old keys are configured, and leaves values alone otherwise", async () => {
    await fillEverySealedColumn();
    const before = JSON.stringify([...(await sealedValues())]);
    await cronAs(env);
    expect(JSON.stringify([...(await sealedValues())])).toBe(before);
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args) => void logs.push(args.join(" ")));
    await cronAs(ROTATING);
    vi.restoreAllMocks();
    expect(logs.map((l) => JSON.parse(l)).find((l) => l.event?.startsWith("reseal"))).toMatchObject({ event: "reseal_complete", keyId: "k2", unreadable: 0, remaining: 0 });
    for (const [column, values] of await sealedValues()) expect(values.filter((v) => !v.startsWith("k2:")), column).toEqual([]);
  });
});
