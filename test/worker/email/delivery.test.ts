/**
 * Delivery end to end: the worker's own email(), cron (runScheduled) and queue() handlers with
 * real adapters; only the providers' servers are fake — Resend at the HTTP boundary (its
 * documented POST /emails), SMTP as a real smtp-server in Node.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import worker from "../../../worker/index";
import type { Env } from "../../../worker/env";
import { runScheduled } from "../../../worker/scheduled";
import { NOTICES_PER_PASS } from "../../../worker/mail/failure-notice";
import { HANAKO, PUBLIC, STAFF_ONE, setUpConversation } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fakeEmail } from "../../helpers/fake-email";
import { findLeaks } from "../../helpers/leak-check";
import { api, authenticated, inject as injectMail, outbox, rawBytes } from "../../helpers/relay";

const smtp = inject("smtp");
const MINUTE = 60_000;

interface Row {
  id: string;
  kind: string;
  state: string;
  attempts: number;
  via: string | null;
  last_error: string | null;
}

async function rows(where = "1 = 1"): Promise<Row[]> {
  return (await env.DB.prepare(`SELECT id, kind, state, attempts, via, last_error FROM outbox WHERE ${where} ORDER BY created_at`).all<Row>()).results;
}

async function email(raw: string, from: string, to: string, workerEnv: Env) {
  const ctx = createExecutionContext();
  const message = fakeEmail({ from, to, raw });
  await worker.email(message, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return message;
}

/** Resend's servers: POST /emails with a Bearer key and JSON; `answer` decides per request. */
function fakeResend(answer: (to: string) => number) {
  const delivered: string[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    expect([request.method, request.url, request.headers.get("authorization")]).toEqual(["POST", "https://api.resend.com/emails", "Bearer re_test"]);
    const to = ((await request.json()) as { to: string[] }).to[0];
    const status = answer(to);
    if (status === 200) delivered.push(to);
    return new Response(status === 200 ? '{"id":"x"}' : '{"message":"nope"}', { status });
  });
  return delivered;
}

const resendEnv = () => ({ ...env, MAILER: "resend", MAIL_API_KEY: "re_test" }) as Env;

afterEach(async () => {
  vi.restoreAllMocks();
  await fetch(smtp.control, { method: "DELETE" });
});

describe("fault injection", () => {
  beforeEach(resetDatabase);

  it("a provider answering 503 to the first 4 attempts ends with exactly one delivery", async () => {
    await makeAddress({ recipients: [STAFF_ONE] });
    let calls = 0;
    const delivered = fakeResend(() => (++calls <= 4 ? 503 : 200));
    const workerEnv = resendEnv();
    await email(`From: Hanako <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: s\r\nMessage-ID: <flaky-503@example.com>\r\n\r\nx\r\n`, HANAKO, PUBLIC, workerEnv);
    expect(await rows("kind = 'relay'")).toMatchObject([{ state: "failed-temporary", attempts: 1, last_error: "503 the provider failed temporarily" }]);
    // The cron every 5 minutes for 3 hours, then 3 more passes after the last success.
    const start = Date.now();
    for (let t = 5; t <= 200; t += 5) await runScheduled(workerEnv, start + t * MINUTE);
    expect(delivered).toEqual([STAFF_ONE]);
    expect(calls).toBe(5);
    expect(await rows("kind = 'relay'")).toMatchObject([{ state: "sent", attempts: 5, last_error: null }]);
  });

  it("a provider answering 400 leaves the reply failed-permanent at once, and its recipient gets one notice", async () => {
    const { alias } = await setUpConversation();
    const delivered = fakeResend((to) => (to === HANAKO ? 400 : 200));
    const workerEnv = resendEnv();
    await email(authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re: Quote\r\nMessage-ID: <r400@example.net>\r\n\r\nHere it is.\r\n`, STAFF_ONE), STAFF_ONE, alias, workerEnv);
    const [reply] = await rows("kind = 'relay' AND message_id IN (SELECT id FROM messages WHERE direction = 'outbound')");
    expect(reply).toMatchObject({ state: "failed-permanent", attempts: 1, last_error: "400 the provider refused the message" });
    for (let t = 5; t <= 30; t += 5) await runScheduled(workerEnv, Date.now() + t * MINUTE);
    expect((await rows(`id = '${reply.id}'`))[0].attempts).toBe(1);
    expect(delivered).toEqual([STAFF_ONE]);
    const notice = (await outbox()).filter((o) => o.kind === "notice");
    expect(notice.map((n) => [n.envelopeTo, n.state])).toEqual([[STAFF_ONE, "sent"]]);
    expect(notice[0].raw).toContain(alias);
    expect(notice[0].raw).toContain("400 the provider refused the message");
    expect(await findLeaks(rawBytes(notice[0]), [HANAKO])).toEqual([]);

    // The recipient sees it in the web UI's thread: state, attempts and the failure's code.
    vi.restoreAllMocks();
    await api("POST", "/api/session/request", { email: STAFF_ONE }, {});
    const token = (await outbox()).find((o) => o.kind === "sign-in")!.raw.match(/token=([a-z2-7]+)/)![1];
    const cookie = (await api("GET", `/auth/callback?token=${token}`, undefined, {})).headers.get("set-cookie")!.split(";")[0];
    const [conversation] = (await (await api("GET", "/api/conversations", undefined, { cookie })).json()).items;
    const thread = await (await api("GET", `/api/conversations/${conversation.id}`, undefined, { cookie })).json();
    expect(thread.messages.map((m: { direction: string; state: string; attempts: number; lastError: string | null }) => [m.direction, m.state, m.attempts, m.lastError])).toEqual([
      ["inbound", "sent", 1, null],
      ["outbound", "failed-permanent", 1, "400 the provider refused the message"],
    ]);
  });

  it("failures whose recipient cannot be read yet never keep a newer failure's notice waiting", async () => {
    const { alias } = await setUpConversation();
    fakeResend((to) => (to === HANAKO ? 400 : 200));
    const workerEnv = resendEnv();
    const replyFrom = async (id: string) => email(authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re: Quote ${id}\r\nMessage-ID: <${id}@example.net>\r\n\r\nHere it is.\r\n`, STAFF_ONE), STAFF_ONE, alias, workerEnv);
    await replyFrom("first");
    // More failed replies than one pass notices, for a recipient sealed under a key this relay no
    // longer has (the row stays, its notice waits for the key), all older than the next failure.
    const [first] = await rows("kind = 'relay' AND state = 'failed-permanent'");
    const other = await (await api("POST", "/api/addresses", { address: "other@relay.example.jp" })).json();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO recipients (id, public_address_id, email_hash, email_enc, verified_at) VALUES ('unreadable', ?, 'hash-x', 'gone:AAAA', 1)").bind(other.id),
      ...Array.from({ length: NOTICES_PER_PASS + 10 }, (_, i) =>
        env.DB.prepare(
          `INSERT INTO outbox (id, idempotency_key, kind, public_address_id, recipient_id, message_id, envelope_from, envelope_to_enc, raw_enc, state, attempts, last_error, created_at, updated_at)
           SELECT ?1, ?1, kind, public_address_id, 'unreadable', message_id, envelope_from, envelope_to_enc, raw_enc, state, attempts, last_error, created_at, updated_at - 1000 FROM outbox WHERE id = ?2`,
        ).bind(`stuck-${String(i).padStart(3, "0")}`, first.id),
      ),
      env.DB.prepare("UPDATE outbox SET notified_at = 1 WHERE id = ?").bind(first.id),
    ]);
    await replyFrom("second");
    vi.spyOn(console, "error").mockImplementation(() => {});

    await runScheduled(workerEnv, Date.now() + 5 * MINUTE);
    await runScheduled(workerEnv, Date.now() + 10 * MINUTE);
    const notices = (await outbox()).filter((o) => o.kind === "notice");
    expect(notices.map((n) => [n.envelopeTo, n.raw.includes("Re: Quote second")])).toEqual([[STAFF_ONE, true]]);
    expect((await rows("recipient_id = 'unreadable' AND notified_at IS NULL")).length).toBe(NOTICES_PER_PASS + 10);
  });
});

describe("own SMTP server per public address", () => {
  beforeEach(resetDatabase);

  async function useSmtp(id: string, port = smtp.port) {
    const res = await api("PUT", `/api/addresses/${id}/sender`, { mailer: "smtp", smtp: { host: "127.0.0.1", port, secure: false, username: smtp.user, password: smtp.password } });
    expect(res.status).toBe(200);
  }

  it("replies go through the address's SMTP server, byte for byte; forwarded copies keep the default", async () => {
    const { alias } = await setUpConversation();
    const pa = (await (await api("GET", "/api/addresses")).json())[0];
    await useSmtp(pa.id);
    const raw = authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re: Quote\r\nMessage-ID: <own-1@example.net>\r\n\r\nAttached.\r\n`, STAFF_ONE);
    const { rejected, sent } = await injectMail({ from: STAFF_ONE, to: alias, raw });
    expect(rejected).toBeNull();
    expect(sent.map((s) => [s.envelopeFrom, s.envelopeTo, s.state])).toEqual([[PUBLIC, HANAKO, "sent"]]);
    const received = (await (await fetch(smtp.control)).json()) as { from: string; to: string[]; user: string; rawBase64: string }[];
    expect(received.map((r) => [r.from, r.to, r.user])).toEqual([[PUBLIC, [HANAKO], smtp.user]]);
    expect(Uint8Array.from(atob(received[0].rawBase64), (c) => c.charCodeAt(0))).toEqual(rawBytes(sent[0]));
    expect((await rows(`id = '${sent[0].id}'`))[0].via).toBe("smtp");
    expect((await outbox()).find((o) => o.id === sent[0].id)).toMatchObject({ via: "smtp", attempts: 1, lastError: null });
    expect((await rows("kind = 'relay' AND via IS NULL")).length).toBe(2);
  });

  it("a retry goes through the same per-row sender, with the address's settings as corrected since", async () => {
    const { alias } = await setUpConversation();
    const pa = (await (await api("GET", "/api/addresses")).json())[0];
    await useSmtp(pa.id, 1); // nothing listens on port 1: unreachable, temporary
    const { sent } = await injectMail({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <own-2@example.net>\r\n\r\nok\r\n`, STAFF_ONE) });
    expect(await rows(`id = '${sent[0].id}'`)).toMatchObject([{ state: "failed-temporary", via: "smtp", attempts: 1, last_error: "the provider could not be reached" }]);
    await useSmtp(pa.id);
    // MAILER=outbox would "send" without a trace: only the SMTP server's copy proves the route.
    await runScheduled(env, Date.now() + 5 * MINUTE);
    expect(await rows(`id = '${sent[0].id}'`)).toMatchObject([{ state: "sent", via: "smtp", attempts: 2 }]);
    const received = (await (await fetch(smtp.control)).json()) as { to: string[] }[];
    expect(received.map((r) => r.to)).toEqual([[HANAKO]]);
  });

  it("a refusal from the SMTP server (550) is permanent; no log line names the contact", async () => {
    const contact = "perm-fail@example.com";
    await makeAddress({ recipients: [STAFF_ONE] });
    await injectMail({ from: contact, to: PUBLIC, raw: `From: <${contact}>\r\nTo: ${PUBLIC}\r\nSubject: q\r\nMessage-ID: <pf-1@example.com>\r\n\r\nq\r\n` });
    const alias = (await outbox()).find((o) => o.kind === "relay")!.envelopeFrom;
    const pa = (await (await api("GET", "/api/addresses")).json())[0];
    await useSmtp(pa.id);
    const logs: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(" ")));
    const { sent } = await injectMail({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <own-3@example.net>\r\n\r\nno\r\n`, STAFF_ONE) });
    expect(await rows(`id = '${sent[0].id}'`)).toMatchObject([{ state: "failed-permanent", via: "smtp", last_error: "550 the provider refused the message" }]);
    expect(logs.join("\n")).not.toContain(contact);
  });
});
