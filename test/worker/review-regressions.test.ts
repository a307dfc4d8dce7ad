/** Regression tests from a code review: each once failed on the input it names. */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { HANAKO, PUBLIC, STAFF_ONE, setUpConversation } from "../helpers/cases";
import { makeAddress, resetDatabase } from "../helpers/factories";
import { fakeEmail } from "../helpers/fake-email";
import { fixture } from "../helpers/fixtures";
import { findLeaks } from "../helpers/leak-check";
import { api, authenticated, inject, outbox, rawBytes } from "../helpers/relay";

async function count(sql: string): Promise<number> {
  return (await env.DB.prepare(sql).first<{ n: number }>())!.n;
}

describe("review regressions", () => {
  beforeEach(resetDatabase);

  it("a retried delivery of the same message sends nothing twice (forward and reply)", async () => {
    const { alias } = await setUpConversation();
    const mail = `From: Hanako <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: again\r\nMessage-ID: <dup-1@example.com>\r\n\r\nhello\r\n`;
    expect((await inject({ from: HANAKO, to: PUBLIC, raw: mail })).sent).toHaveLength(2);
    const messages = await count("SELECT count(*) AS n FROM messages");
    expect(await inject({ from: HANAKO, to: PUBLIC, raw: mail })).toEqual({ rejected: null, sent: [] });
    expect(await count("SELECT count(*) AS n FROM messages")).toBe(messages);
    const reply = authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <dup-r@example.net>\r\n\r\nok\r\n`, STAFF_ONE);
    expect((await inject({ from: STAFF_ONE, to: alias, raw: reply })).sent).toHaveLength(1);
    expect((await inject({ from: STAFF_ONE, to: alias, raw: reply })).sent).toEqual([]);
  });

  it("temporary send failures are retried by the cron until sent, once; permanent ones stop at once", async () => {
    await makeAddress();
    let calls = 0;
    const sends: string[] = [];
    const flaky = {
      async send(message: { to: string }) {
        calls++;
        if (calls <= 3) throw new Error("503 service temporarily unavailable");
        sends.push(message.to);
      },
    };
    const cloudflareEnv = { ...env, MAILER: "cloudflare", SEND_EMAIL: flaky as unknown as SendEmail };
    const message = fakeEmail({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: s\r\nMessage-ID: <flaky@example.com>\r\n\r\nx\r\n` });
    let ctx = createExecutionContext();
    await worker.email(message, cloudflareEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(await count("SELECT count(*) AS n FROM outbox WHERE state = 'failed-temporary'")).toBe(2);
    for (let minutes = 2; minutes < 60 && (await count("SELECT count(*) AS n FROM outbox WHERE state != 'sent' AND kind = 'relay'")) > 0; minutes *= 2) {
      ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now() + minutes * 60_000, cron: "*/5 * * * *" }), cloudflareEnv, ctx);
      await waitOnExecutionContext(ctx);
    }
    expect(sends.sort()).toEqual(["staff.one@example.net", "staff.two@example.net"]);
    const states = await env.DB.prepare("SELECT state, attempts FROM outbox WHERE kind = 'relay'").all<{ state: string; attempts: number }>();
    expect(states.results.every((r) => r.state === "sent" && r.attempts >= 2)).toBe(true);

    const refusing = { async send() { throw new Error("destination address is not verified"); } };
    const m2 = fakeEmail({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: s\r\nMessage-ID: <perm@example.com>\r\n\r\nx\r\n` });
    ctx = createExecutionContext();
    await worker.email(m2, { ...env, MAILER: "cloudflare", SEND_EMAIL: refusing as unknown as SendEmail }, ctx);
    await waitOnExecutionContext(ctx);
    expect(await count("SELECT count(*) AS n FROM outbox WHERE state = 'failed-permanent'")).toBe(2);
  });

  it("a display name that is an address never reaches the web UI", async () => {
    await makeAddress();
    await inject({ from: "kenji.ito@example.com", to: PUBLIC, raw: fixture("own/display-name-is-address.eml") });
    await api("POST", "/api/session/request", { email: STAFF_ONE }, {});
    const token = (await outbox()).find((o) => o.kind === "sign-in")!.raw.match(/token=([a-z2-7]+)/)![1];
    const cookie = (await api("GET", `/auth/callback?token=${token}`, undefined, {})).headers.get("set-cookie")!.split(";")[0];
    const list = await (await api("GET", "/api/conversations", undefined, { cookie })).text();
    expect(list.toLowerCase()).not.toContain("kenji.ito@example.com");
  });

  it("a boundary line padded with more than 200 spaces still separates parts", async () => {
    const { alias } = await setUpConversation();
    const raw = authenticated(
      [`From: ${STAFF_ONE}`, `To: <${alias}>`, "Subject: Re", "Message-ID: <pad@example.net>", 'Content-Type: multipart/mixed; boundary="B"', "", "--B", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "", btoa("bin"), `--B${" ".repeat(300)}`, "Content-Type: text/plain", "", `Signed, ${STAFF_ONE}`, "--B--", ""].join("\r\n"),
      STAFF_ONE,
    );
    const { sent } = await inject({ from: STAFF_ONE, to: alias, raw });
    expect(await findLeaks(rawBytes(sent[0]), [STAFF_ONE])).toEqual([]);
  });

  it("a failed form confirmation leaves the link usable; HTML forms from any site may post", async () => {
    const { id } = await makeAddress({ recipients: ["staff.one@example.net"], verify: false });
    const form = (await (await api("POST", `/api/addresses/${id}/forms`, { name: "Contact", allowedOrigins: ["https://www.example.com"] })).json()).id;
    const posted = await api("POST", `/f/${form}`, "name=Ken&email=ken%40example.com&message=hi", { "content-type": "application/x-www-form-urlencoded", origin: "https://elsewhere.example" });
    expect(posted.status).toBe(303);
    const token = (await outbox()).find((o) => o.envelopeTo === "ken@example.com")!.raw.match(/\/f\/confirm\/([a-z2-7]+)/)![1];
    expect((await api("POST", `/f/confirm/${token}`, undefined, {})).status).toBe(422);
    expect((await api("POST", `/f/confirm/${token}`, undefined, {})).status).toBe(422);
  });
});

describe("permanent failures", () => {
  beforeEach(resetDatabase);

  it("a reply that fails for good is reported once to its recipient, without the contact's address", async () => {
    const { alias } = await setUpConversation();
    const binding = {
      async send(message: { to: string }) {
        if (message.to === HANAKO) throw new Error(`550 destination address ${HANAKO} is not verified`);
      },
    };
    const cfEnv = { ...env, MAILER: "cloudflare", SEND_EMAIL: binding as unknown as SendEmail };
    const reply = fakeEmail({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re: Quote\r\nMessage-ID: <pf@example.net>\r\n\r\nx\r\n`, STAFF_ONE) });
    let ctx = createExecutionContext();
    await worker.email(reply, cfEnv, ctx);
    await waitOnExecutionContext(ctx);
    const failed = await env.DB.prepare("SELECT state, last_error FROM outbox WHERE kind = 'relay' AND message_id IS NOT NULL ORDER BY created_at DESC LIMIT 1").first<{ state: string; last_error: string }>();
    expect(failed).toEqual({ state: "failed-permanent", last_error: "550 the provider refused the message" });
    for (let i = 0; i < 2; i++) {
      ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), cfEnv, ctx);
      await waitOnExecutionContext(ctx);
    }
    const notices = (await outbox()).filter((o) => o.kind === "notice");
    expect(notices).toHaveLength(1);
    expect(notices[0].envelopeTo).toBe(STAFF_ONE);
    expect(notices[0].state).toBe("sent");
    expect(notices[0].raw).toContain(alias);
    expect(await findLeaks(rawBytes(notices[0]), [HANAKO])).toEqual([]);
  });
});

describe("failure reasons", () => {
  it("keep codes and a fixed phrase, never the provider's text (which may quote the address)", async () => {
    const { failureCategory } = await import("../../worker/mail/deliver");
    expect(failureCategory({ permanent: true, error: `550 5.1.1 <"hanako yamada"@example.com>: invalid ${"x".repeat(180)} hanako.yamada@example.com` })).toBe("550 5.1.1 the provider refused the message");
    expect(failureCategory({ permanent: false, error: "provider timed out" })).toBe("the provider did not answer in time");
    expect(failureCategory({ permanent: false, error: "HTTP 503 busy" })).toBe("503 the provider failed temporarily");
  });

  it("an unreadable queued row fails alone and does not stop the retention purge", async () => {
    await resetDatabase();
    await setUpConversation();
    await env.DB.prepare("UPDATE outbox SET state = 'failed-temporary', next_attempt_at = 0, raw_enc = 'AAAA' WHERE kind = 'relay'").run();
    await env.DB.prepare("UPDATE messages SET created_at = created_at - 40 * 86400000").run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await count("SELECT count(*) AS n FROM messages")).toBe(0);
  });
});
