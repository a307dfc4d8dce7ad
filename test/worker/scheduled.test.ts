import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { setUpConversation } from "../helpers/cases";
import { resetDatabase } from "../helpers/factories";

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
});
