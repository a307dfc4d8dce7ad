/**
 * Webhook recipients: signed JSON to a real receiver (Node, verifying with the README's snippet),
 * retried by the cron until acknowledged, answered by API key; and the SSRF guard on their URLs.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { runScheduled } from "../../../worker/scheduled";
import { HANAKO, PUBLIC, STAFF_ONE } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fixture } from "../../helpers/fixtures";
import { findLeaks } from "../../helpers/leak-check";
import { api, inject, outbox, rawBytes } from "../../helpers/relay";
import { addWebhook, deliveries, routeHooksToReceiver, scriptReceiver } from "../../helpers/webhooks";

const COLLEAGUE = "kenji.sato@example.org";

beforeAll(routeHooksToReceiver);
afterAll(() => vi.restoreAllMocks());

function inquiry(id: string): string {
  return [
    `From: "Hanako Yamada" <${HANAKO}>`,
    `To: Example Support Desk <${PUBLIC}>`,
    `Cc: Kenji Sato <${COLLEAGUE}>`,
    "Subject: =?UTF-8?B?5pel6KiY44Gr44Gk44GE44Gm?=",
    `Message-ID: <${id}@mail.example.com>`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    'Content-Type: multipart/alternative; boundary="b2"',
    "",
    "--b2",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `日記について質問です。返信は ${HANAKO} か ${COLLEAGUE} へ。`,
    "--b2",
    "Content-Type: text/html; charset=utf-8",
    "",
    `<p>日記について質問です。<a href="mailto:hanako.yamada&#64;example.com">連絡先</a></p>`,
    "--b2--",
    "--b1",
    'Content-Type: application/pdf; name="diary.pdf"',
    'Content-Disposition: attachment; filename="diary.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK",
    "--b1--",
    "",
  ].join("\r\n");
}

async function webhookRows() {
  return (await env.DB.prepare("SELECT id, state, attempts, via, next_attempt_at AS nextAttemptAt, last_error AS lastError FROM outbox WHERE kind = 'webhook'").all<{ id: string; state: string; attempts: number; via: string; nextAttemptAt: number | null; lastError: string | null }>()).results;
}

async function cron(minutesAhead: number) {
  await runScheduled(env, Date.now() + minutesAhead * 60_000);
}

describe("webhook recipients", () => {
  beforeEach(resetDatabase);

  it("an inbound message is posted signed; a 500 is retried by the cron until exactly one 200", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const hook = await addWebhook(id, "epro");
    expect(hook.secret).toMatch(/^whsec_[a-z2-7]{32}$/);
    await scriptReceiver("epro", hook.secret, [500]);

    const { rejected, sent } = await inject({ from: HANAKO, to: PUBLIC, raw: inquiry("hy-1") });
    expect(rejected).toBeNull();
    expect(sent.map((s) => s.kind).sort()).toEqual(["relay", "webhook"]);
    const first = await deliveries("epro");
    expect(first.map((d) => [d.method, d.signatureValid, d.status])).toEqual([["POST", true, 500]]);
    let [row] = await webhookRows();
    // The failure names who answered: the webhook's endpoint, not a mail provider.
    expect([row.state, row.attempts, row.via, row.lastError]).toEqual(["failed-temporary", 1, "webhook", "500 the endpoint failed temporarily"]);

    await cron(0); // not due yet: the first retry waits a minute
    expect(await deliveries("epro")).toHaveLength(1);
    await cron(2);
    await cron(10);
    const all = await deliveries("epro");
    expect(all.map((d) => [d.signatureValid, d.status])).toEqual([[true, 500], [true, 200]]);
    [row] = await webhookRows();
    expect([row.state, row.attempts]).toEqual(["sent", 2]);

    // The request at the boundary: JSON, signed over timestamp + "." + body, one delivery id throughout.
    const [a, b] = all;
    expect(a.headers["content-type"]).toBe("application/json");
    expect(a.headers["x-kakuremino-delivery"]).toBe(row.id);
    expect(b.headers["x-kakuremino-delivery"]).toBe(row.id);
    expect(a.body).toBe(b.body);
    expect(b.headers["x-kakuremino-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);

    const payload = JSON.parse(b.body);
    const alias = sent.find((s) => s.kind === "webhook")!.envelopeFrom;
    expect(alias).toMatch(/^r-[a-z2-7]{34}@relay\.example\.jp$/);
    expect(alias).not.toBe(sent.find((s) => s.kind === "relay")!.envelopeFrom);
    expect(Object.keys(payload).sort()).toEqual(["attachments", "conversationId", "displayName", "html", "messageId", "receivedAt", "reverseAlias", "subject", "text"]);
    expect(payload.reverseAlias).toBe(alias);
    expect(payload.displayName).toBe("Hanako Yamada");
    expect(payload.subject).toBe("日記について");
    expect(payload.text).toBe(`日記について質問です。返信は ${alias} か ${payload.text.match(/か (r-[a-z2-7]{34}@relay\.example\.jp) へ/)[1]} へ。`);
    expect(payload.html).toContain(`mailto:${alias}`);
    // 64 base64 characters are 48 bytes; the size is estimated from the encoded length (mime/summary.ts).
    expect(payload.attachments).toEqual([{ filename: "diary.pdf", mimeType: "application/pdf", size: expect.any(Number) }]);
    expect(Math.abs(payload.attachments[0].size - 48)).toBeLessThanOrEqual(2);
    expect(payload.messageId).toMatch(/^<[^@>]+@relay\.example\.jp>$/);
    expect(Date.parse(payload.receivedAt)).toBeGreaterThan(Date.now() - 60_000);

    // The privacy invariant over everything the endpoint received.
    for (const d of all) {
      expect(await findLeaks(d.body, [HANAKO, COLLEAGUE, STAFF_ONE])).toEqual([]);
      expect(await findLeaks(JSON.stringify(d.headers), [HANAKO, COLLEAGUE, STAFF_ONE])).toEqual([]);
      for (const field of [payload.text, payload.html]) expect(await findLeaks(field, [HANAKO, COLLEAGUE])).toEqual([]);
    }
    // The outbox's local view shows the sealed body as sent, and the same copy again is not re-sent.
    expect(JSON.parse(sent.find((s) => s.kind === "webhook")!.raw).reverseAlias).toBe(alias);
    const again = await inject({ from: HANAKO, to: PUBLIC, raw: inquiry("hy-1") });
    expect(again.sent).toEqual([]);
    await cron(60);
    expect(await deliveries("epro")).toHaveLength(2);
  });

  it("other 4xx are permanent at once; 408 and 429 are retried", async () => {
    const { id } = await makeAddress({ recipients: [] });
    const gone = await addWebhook(id, "gone");
    const busy = await addWebhook(id, "busy");
    await scriptReceiver("gone", gone.secret, [410]);
    await scriptReceiver("busy", busy.secret, [429, 408]);
    const { sent } = await inject({ from: HANAKO, to: PUBLIC, raw: inquiry("hy-2") });
    expect(sent).toHaveLength(2);
    const states = async () => Object.fromEntries((await env.DB.prepare("SELECT r.id, o.state FROM outbox o JOIN recipients r ON r.id = o.recipient_id").all<{ id: string; state: string }>()).results.map((r) => [r.id, r.state]));
    expect(await states()).toEqual({ [gone.id]: "failed-permanent", [busy.id]: "failed-temporary" });
    expect((await webhookRows()).map((r) => r.lastError).sort()).toEqual(["410 the endpoint refused the message", "429 the endpoint failed temporarily"]);
    await cron(2);
    // A retry's failure (from the cron, not the first attempt) is worded the same.
    expect((await webhookRows()).map((r) => r.lastError).sort()).toEqual(["408 the endpoint failed temporarily", "410 the endpoint refused the message"]);
    await cron(5);
    expect(await states()).toEqual({ [gone.id]: "failed-permanent", [busy.id]: "sent" });
    expect((await deliveries("gone")).map((d) => d.status)).toEqual([410]);
    expect((await deliveries("busy")).map((d) => d.status)).toEqual([429, 408, 200]);
    // No failure notice goes anywhere for a webhook: only replies are noticed.
    expect((await outbox()).filter((o) => o.kind === "notice")).toEqual([]);
  });

  it("a delivery signed with the wrong secret is refused by the receiver; a rotated secret signs the retry", async () => {
    const { id } = await makeAddress({ recipients: [] });
    const hook = await addWebhook(id, "rotating");
    await scriptReceiver("rotating", "whsec_not_the_one");
    await inject({ from: HANAKO, to: PUBLIC, raw: inquiry("hy-3") });
    expect((await deliveries("rotating")).map((d) => [d.signatureValid, d.status])).toEqual([[false, 401]]);
    expect((await webhookRows())[0].state).toBe("failed-permanent");
    const rotated = await api("POST", `/api/addresses/${id}/recipients/${hook.id}/webhook-secret`);
    expect(rotated.status).toBe(200);
    const { secret } = await rotated.json();
    expect(secret).not.toBe(hook.secret);
    await scriptReceiver("rotating", secret);
    await inject({ from: HANAKO, to: PUBLIC, raw: inquiry("hy-4") });
    expect((await deliveries("rotating")).map((d) => [d.signatureValid, d.status])).toEqual([[true, 200]]);
  });

  it("a bounce reaches a webhook with no alias and every outside address hidden", async () => {
    const { id } = await makeAddress({ recipients: [] });
    const hook = await addWebhook(id, "bounces");
    await scriptReceiver("bounces", hook.secret);
    const { rejected } = await inject({ from: "", to: PUBLIC, raw: fixture("own/dsn-bounce.eml") });
    expect(rejected).toBeNull();
    const [delivery] = await deliveries("bounces");
    expect([delivery.signatureValid, delivery.status]).toEqual([true, 200]);
    const payload = JSON.parse(delivery.body);
    expect([payload.reverseAlias, payload.conversationId, payload.displayName]).toEqual([null, null, "Mail Delivery System"]);
    expect(delivery.body).toContain("hidden@address.invalid");
    expect(await findLeaks(delivery.body, [HANAKO, "mailer-daemon@mx.example.com"])).toEqual([]);
  });

  it("the system behind a webhook answers by API key, and only through it", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const hook = await addWebhook(id, "answering");
    await scriptReceiver("answering", hook.secret);
    await inject({ from: HANAKO, to: PUBLIC, raw: inquiry("hy-5") });
    const payload = JSON.parse((await deliveries("answering"))[0].body);
    const keyRes = await api("POST", `/api/addresses/${id}/recipients/${hook.id}/keys`, { label: "ePRO" });
    expect(keyRes.status).toBe(201);
    const auth = { authorization: `Bearer ${(await keyRes.json()).key}` };
    const list = await (await api("GET", "/api/conversations", undefined, auth)).json();
    expect(list.items.map((i: { id: string; alias: string }) => [i.id, i.alias])).toEqual([[payload.conversationId, payload.reverseAlias]]);

    const before = new Set((await outbox()).map((o) => o.id));
    const res = await api("POST", `/api/conversations/${payload.conversationId}/messages`, { text: "日記の入力方法をご案内します。" }, auth);
    expect(res.status).toBe(201);
    const reply = (await outbox()).filter((o) => !before.has(o.id));
    expect(reply.map((o) => [o.kind, o.envelopeFrom, o.envelopeTo])).toEqual([["relay", PUBLIC, HANAKO]]);
    expect(await findLeaks(rawBytes(reply[0]), [STAFF_ONE, payload.reverseAlias, "hooks.example.com", hook.url])).toEqual([]);
    // Had the reply failed for good, there is no mailbox to notify: no notice is mailed to the URL.
    await env.DB.prepare("UPDATE outbox SET state = 'failed-permanent' WHERE id = ?").bind(reply[0].id).run();
    await cron(1);
    expect((await outbox()).filter((o) => o.kind === "notice")).toEqual([]);
    // Mail to the webhook's alias from anyone is refused: a webhook has no mailbox to answer from.
    const mailed = await inject({ from: STAFF_ONE, to: payload.reverseAlias, raw: `From: ${STAFF_ONE}\r\nTo: ${payload.reverseAlias}\r\nSubject: x\r\nMessage-ID: <w1@example.net>\r\n\r\nx\r\n` });
    expect(mailed.rejected).toMatch(/^550 5\.7\.1/);
  });
});

describe("adding webhook recipients", () => {
  beforeEach(resetDatabase);

  it("refuses http, local names, private IP literals and credentials with 400; lists, rotates around and deletes webhooks", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const refused = [
      "http://hooks.example.com/x",
      "https://localhost/x",
      "https://api.localhost/x",
      "https://intranet/x",
      "https://printer.local/x",
      "https://127.0.0.1/x",
      "https://2130706433/x",
      "https://0x7f.1/x",
      "https://10.1.2.3/x",
      "https://172.20.0.1/x",
      "https://192.168.1.10/x",
      "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/x",
      "https://[::1]/x",
      "https://[fd00::1]/x",
      "https://[fe80::1]/x",
      "https://[::ffff:127.0.0.1]/x",
      "https://[2002:c0a8:101::1]/x",
      "https://user:pass@hooks.example.com/x",
      "not a url",
      "ftp://hooks.example.com/x",
    ];
    for (const url of refused) {
      const res = await api("POST", `/api/addresses/${id}/recipients`, { kind: "webhook", url });
      expect(res.status, url).toBe(400);
      expect((await res.json()).error.code, url).toBe("invalid_url");
    }
    const bad = [{ kind: "webhook" }, { kind: "webhook", url: "https://hooks.example.com/x", email: STAFF_ONE }, { kind: "webhook", url: 5 }];
    // A body that is not JSON still gets the mailbox route's answer.
    const notJson = await api("POST", `/api/addresses/${id}/recipients`, "{nope");
    expect([notJson.status, (await notJson.json()).error.code]).toEqual([400, "invalid_json"]);
    for (const body of bad) expect((await api("POST", `/api/addresses/${id}/recipients`, body)).status, JSON.stringify(body)).toBe(400);
    expect((await api("POST", `/api/addresses/${id}/recipients`, { kind: "webhook", url: "https://hooks.example.com/x" }, {})).status).toBe(401);
    expect((await api("POST", `/api/addresses/nope/recipients`, { kind: "webhook", url: "https://hooks.example.com/x" })).status).toBe(404);

    const ok = await api("POST", `/api/addresses/${id}/recipients`, { kind: "webhook", url: "https://93.184.215.14:8443/hook#frag" });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ kind: "webhook", url: "https://93.184.215.14:8443/hook", verified: true });
    const v6 = await api("POST", `/api/addresses/${id}/recipients`, { kind: "webhook", url: "https://[2606:4700:4700::1111]/hook" });
    expect([v6.status, (await v6.json()).url]).toEqual([201, "https://[2606:4700:4700::1111]/hook"]);
    const hook = await addWebhook(id, "listed");
    expect((await api("POST", `/api/addresses/${id}/recipients`, { kind: "webhook", url: hook.url })).status).toBe(409);
    // Mailbox recipients are added as before, through the same route.
    expect((await api("POST", `/api/addresses/${id}/recipients`, { email: "staff.three@example.net" })).status).toBe(201);

    const listed = await (await api("GET", `/api/addresses/${id}/recipients`)).json();
    expect(listed.find((r: { id: string }) => r.id === hook.id)).toMatchObject({ kind: "webhook", email: hook.url, verified: true });
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
    // Rotation names mailboxes only: webhooks stay.
    expect(await (await api("PUT", `/api/addresses/${id}/recipients`, { emails: [STAFF_ONE] })).json()).toEqual({ added: 0, removed: 1, kept: 1 });
    expect((await (await api("GET", `/api/addresses/${id}/recipients`)).json()).map((r: { kind: string }) => r.kind).sort()).toEqual(["mailbox", "webhook", "webhook", "webhook"]);
    expect((await api("POST", `/api/addresses/${id}/recipients/nope/webhook-secret`)).status).toBe(404);
    // A webhook has no confirmation mail to resend: said so, not "already confirmed".
    const resend = await api("POST", `/api/addresses/${id}/recipients/${hook.id}/resend`);
    expect([resend.status, (await resend.json()).error.code]).toEqual([409, "not_a_mailbox"]);
    expect((await api("DELETE", `/api/addresses/${id}/recipients/${hook.id}`)).status).toBe(204);
  });
});
