/**
 * D1 round trips per message, counted with an instrumented binding: every awaited call that
 * reaches the database (a batch, or a statement's all/run/first/raw) is one trip. Trips are
 * counted in two phases: before the first waitUntil — what the SMTP transaction waits for —
 * and after it: the first delivery attempt and its send states, which run once the verdict is
 * given (the handler touches no database after handing work to waitUntil).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../../worker/index";
import { HANAKO, PUBLIC, STAFF_ONE, setUpConversation } from "../../helpers/cases";
import { resetDatabase } from "../../helpers/factories";
import { fakeEmail } from "../../helpers/fake-email";
import { authenticated, outbox } from "../../helpers/relay";

function counting(db: D1Database): { db: D1Database; trips: () => number } {
  let trips = 0;
  const wrapStatement = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => wrapStatement(value.apply(target, args));
        if (["all", "run", "first", "raw"].includes(String(prop))) return (...args: unknown[]) => (trips++, value.apply(target, args));
        return value.bind(target);
      },
    });
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "prepare") return (sql: string) => wrapStatement(target.prepare(sql));
      // A batch's statements travel together: one trip, whatever they are.
      if (prop === "batch") return (stmts: D1PreparedStatement[]) => (trips++, target.batch(stmts.map((s) => Reflect.get(s, "__target") ?? s)));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: proxy, trips: () => trips };
}

async function tripsFor(from: string, to: string, raw: string): Promise<{ smtp: number; after: number }> {
  const { db, trips } = counting(env.DB);
  const message = fakeEmail({ from, to, raw });
  const ctx = createExecutionContext();
  let smtp: number | null = null;
  // The verdict's trips end where work is handed to waitUntil.
  const watched = new Proxy(ctx, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "waitUntil") return typeof value === "function" ? value.bind(target) : value;
      return (promise: Promise<unknown>) => {
        smtp ??= trips();
        return target.waitUntil(promise);
      };
    },
  });
  await worker.email(message, { ...env, DB: db }, watched);
  smtp ??= trips();
  await waitOnExecutionContext(ctx);
  expect(message.rejectedWith).toBeNull();
  return { smtp, after: trips() - smtp };
}

describe("D1 round trips", () => {
  beforeEach(resetDatabase);

  it("inbound: 2 before the verdict (read; create contacts and aliases + record + count + queue), 1 after (send states) — new contact or known, whatever the number of recipients", async () => {
    await setUpConversation();
    const fresh = `From: New <new@example.com>\r\nTo: ${PUBLIC}\r\nCc: ${Array.from({ length: 40 }, (_, i) => `c${i}@example.com`).join(", ")}\r\nSubject: s\r\nMessage-ID: <rt1@example.com>\r\n\r\nhi\r\n`;
    expect(await tripsFor("new@example.com", PUBLIC, fresh)).toEqual({ smtp: 2, after: 1 });
    const known = `From: Hanako <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: s\r\nMessage-ID: <rt2@example.com>\r\n\r\nhi\r\n`;
    expect(await tripsFor(HANAKO, PUBLIC, known)).toEqual({ smtp: 2, after: 1 });
  });

  it("reply: 2 before the verdict (read, record+queue), 1 after (send state)", async () => {
    const { alias } = await setUpConversation();
    const reply = authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <rt3@example.net>\r\n\r\nok\r\n`, STAFF_ONE);
    expect(await tripsFor(STAFF_ONE, alias, reply)).toEqual({ smtp: 2, after: 1 });
  });

  it("two first messages of one new contact at once: a loser's whole batch rolls back, its retry names the stored aliases", async () => {
    await setUpConversation();
    const raw = (id: string) => `From: New <new@example.com>\r\nTo: ${PUBLIC}\r\nSubject: s\r\nMessage-ID: <${id}@example.com>\r\n\r\nhi\r\n`;
    const deliver = async (id: string) => {
      const message = fakeEmail({ from: "new@example.com", to: PUBLIC, raw: raw(id) });
      const ctx = createExecutionContext();
      await worker.email(message, env, ctx);
      await waitOnExecutionContext(ctx);
      expect(message.rejectedWith).toBeNull();
    };
    const results = await Promise.allSettled([deliver("race1"), deliver("race2")]);
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
    // What the sending MTA does after a temporary failure: deliver again.
    for (const [i, r] of results.entries()) if (r.status === "rejected") await deliver(`race${i + 1}`);
    const copies = (await outbox()).filter((o) => o.kind === "relay" && o.envelopeFrom.startsWith("r-"));
    expect(copies).toHaveLength(6);
    const stored = new Set(((await env.DB.prepare("SELECT local_part || '@' || domain AS a FROM reverse_aliases").all<{ a: string }>()).results).map((r) => r.a));
    for (const copy of copies) expect(stored.has(copy.envelopeFrom)).toBe(true);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM contacts").first()).toEqual({ n: 2 });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE direction = 'inbound'").first()).toEqual({ n: 2 + 2 * 2 });
  });
});
