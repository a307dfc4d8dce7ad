import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { PUBLIC, setUpConversation } from "../helpers/cases";
import { makeAddress, resetDatabase } from "../helpers/factories";
import { fixture } from "../helpers/fixtures";
import { api, inject } from "../helpers/relay";
import { purgeExpired } from "../../worker/scheduled";

const DAY = 86_400_000;

async function count(table: string): Promise<number> {
  return (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
}

describe("retention cron", () => {
  beforeEach(resetDatabase);

  it("purges messages, bodies and their queued mail past the address's retention window, and nothing newer", async () => {
    await setUpConversation();
    const messages = await count("messages");
    expect(messages).toBeGreaterThan(0);
    expect(await count("message_bodies")).toBe(messages);
    // Age everything but one message past the 30-day default.
    const keep = (await env.DB.prepare("SELECT id FROM messages LIMIT 1").first<{ id: string }>())!.id;
    await env.DB.prepare("UPDATE messages SET created_at = created_at - 31 * 86400000 WHERE id != ?").bind(keep).run();
    await env.DB.prepare("UPDATE outbox SET created_at = created_at - 31 * 86400000 WHERE message_id IS NULL").run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await count("messages")).toBe(1);
    expect(await count("message_bodies")).toBe(1);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE message_id IS NULL").first<{ n: number }>())!.n).toBe(0);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE message_id IS NOT NULL AND message_id != ?").bind(keep).first<{ n: number }>())!.n).toBe(0);
  });

  it("purges a bounce copy (mail with no message row) after its address's window when that is shorter than 30 days", async () => {
    const { id } = await makeAddress();
    expect((await api("PATCH", `/api/addresses/${id}`, { retentionDays: 2 })).status).toBe(200);
    const { sent } = await inject({ from: "", to: PUBLIC, raw: fixture("own/dsn-bounce.eml") });
    expect(sent.map((s) => s.kind)).toEqual(["notice", "notice"]);
    await env.DB.prepare("INSERT INTO outbox (id, idempotency_key, kind, envelope_from, envelope_to_enc, raw_enc, state) VALUES ('sign-in-mail', 'sign-in-mail', 'sign-in', 'x@relay.example.jp', 'x', 'x', 'sent')").run();
    const kinds = async () => (await env.DB.prepare("SELECT kind FROM outbox WHERE message_id IS NULL ORDER BY kind").all<{ kind: string }>()).results.map((r) => r.kind);
    // The recipients' confirmation mails are the address's too.
    await purgeExpired(env, Date.now() + 1 * DAY);
    expect(await kinds()).toEqual(["notice", "notice", "sign-in", "verification", "verification"]);
    await purgeExpired(env, Date.now() + 3 * DAY);
    expect(await kinds()).toEqual(["sign-in"]);
    await purgeExpired(env, Date.now() + 31 * DAY);
    expect(await kinds()).toEqual([]);
  });
});
