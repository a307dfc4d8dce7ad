/** The web UI's API: magic-link sign-in, conversations, and replies through the relay path. */
import PostalMime from "postal-mime";
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO, setUpConversation } from "../../helpers/cases";
import { resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { api, header, inject, outbox, rawBytes } from "../../helpers/relay";

async function signIn(email: string): Promise<Record<string, string>> {
  const before = (await outbox()).length;
  const res = await api("POST", "/api/session/request", { email }, {});
  expect(res.status).toBe(202);
  const mail = (await outbox()).slice(0, (await outbox()).length - before).find((o) => o.kind === "sign-in" && o.envelopeTo === email)!;
  const token = mail.raw.match(/\/auth\/callback\?token=([a-z2-7]+)/)![1];
  const callback = await api("GET", `/auth/callback?token=${token}`, undefined, {});
  expect(callback.status).toBe(302);
  const cookie = callback.headers.get("set-cookie")!;
  expect(cookie).toMatch(/km_session=[a-z2-7]+; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Lax/);
  // The link works once.
  expect((await api("GET", `/auth/callback?token=${token}`, undefined, {})).headers.get("location")).toBe("/?signin=invalid");
  return { cookie: cookie.split(";")[0], "x-kakuremino": "1" };
}

describe("web API", () => {
  beforeEach(resetDatabase);

  it("declares what the relay writes truthfully: UTF-8 text is 8bit, a line over 998 octets quoted-printable", async () => {
    await setUpConversation();
    const headers = await signIn(STAFF_ONE);
    // The sign-in mail's body has Japanese in it: "7bit" would promise ASCII.
    const signInMail = (await outbox()).find((o) => o.kind === "sign-in" && o.envelopeTo === STAFF_ONE)!;
    expect(header(signInMail.raw, "content-transfer-encoding")).toBe("8bit");
    const [{ id }] = (await (await api("GET", "/api/conversations", undefined, headers)).json()).items;
    const cases: [string, string][] = [
      ["Thanks, see you.", "7bit"],
      ["ありがとうございます。", "8bit"],
      ["長".repeat(400), "quoted-printable"],
    ];
    for (const [text, encoding] of cases) {
      const before = (await outbox()).length;
      expect((await api("POST", `/api/conversations/${id}/messages`, { text }, headers)).status).toBe(201);
      const [reply] = (await outbox()).slice(0, (await outbox()).length - before);
      expect(header(reply.raw, "content-transfer-encoding"), text.slice(0, 10)).toBe(encoding);
      expect(rawBytes(reply).some((b) => b > 0x7f), text.slice(0, 10)).toBe(encoding === "8bit");
      expect((await PostalMime.parse(rawBytes(reply))).text?.trim()).toBe(text);
    }
  });

  it("answers a sign-in request the same way for anyone, and mails only known recipients", async () => {
    await setUpConversation();
    const before = (await outbox()).length;
    const known = await api("POST", "/api/session/request", { email: STAFF_ONE }, {});
    const unknown = await api("POST", "/api/session/request", { email: "stranger@example.org" }, {});
    expect([known.status, await known.json()]).toEqual([unknown.status, await unknown.json()]);
    const mails = (await outbox()).slice(0, (await outbox()).length - before);
    expect(mails.map((m) => m.envelopeTo)).toEqual([STAFF_ONE]);
    expect((await api("POST", "/api/session/request", { email: "bad" }, {})).status).toBe(400);
  });

  it("signs in, lists conversations without real addresses, opens one, and replies with an attachment", async () => {
    const { alias } = await setUpConversation();
    const headers = await signIn(STAFF_ONE);
    const me = await (await api("GET", "/api/session/me", undefined, headers)).json();
    expect(me).toEqual({
      email: STAFF_ONE,
      role: "member",
      accountId: "acct_default",
      accountName: "Default",
      addresses: [{ address: PUBLIC, displayName: "Example Support Desk" }],
      recipients: [{ id: expect.any(String), address: PUBLIC, displayName: "Example Support Desk" }],
    });

    const listRes = await api("GET", "/api/conversations", undefined, headers);
    const listText = await listRes.clone().text();
    expect(listText.toLowerCase()).not.toContain(HANAKO);
    const list = (await listRes.json()) as { total: number; items: { id: string; contactName: string; alias: string; subject: string; unread: number }[] };
    expect(list.total).toBe(1);
    expect(list.items[0]).toMatchObject({ contactName: "Hanako Yamada", alias, subject: "Quote request", unread: 1 });
    expect((await (await api("GET", "/api/conversations?q=nothing-like-this", undefined, headers)).json()).total).toBe(0);
    expect((await (await api("GET", "/api/conversations?q=hanako", undefined, headers)).json()).total).toBe(1);
    expect((await (await api("GET", `/api/conversations?address=${PUBLIC}`, undefined, headers)).json()).total).toBe(1);
    expect((await (await api("GET", "/api/conversations?address=other@relay.example.jp", undefined, headers)).json()).total).toBe(0);

    const threadRes = await api("GET", `/api/conversations/${list.items[0].id}`, undefined, headers);
    const threadText = await threadRes.clone().text();
    expect(threadText.toLowerCase()).not.toContain(HANAKO);
    const thread = await threadRes.json();
    expect(thread.messages).toHaveLength(1);
    expect(thread.messages[0]).toMatchObject({ direction: "inbound", fromName: "Hanako Yamada", text: "Could you send the revised quote?\r\n", unread: true });
    expect((await (await api("GET", "/api/conversations", undefined, headers)).json()).items[0].unread).toBe(0);

    const pdf = btoa("%PDF-1.4 quote");
    const before = (await outbox()).length;
    const sent = await api("POST", `/api/conversations/${list.items[0].id}/messages`, { text: `Here it is. Reach me at ${STAFF_ONE}.`, attachments: [{ filename: "見積書.pdf", contentType: "application/pdf", contentBase64: pdf }] }, headers);
    expect(sent.status).toBe(201);
    const out = (await outbox()).slice(0, (await outbox()).length - before);
    expect(out).toHaveLength(1);
    expect(out[0].envelopeTo).toBe(HANAKO);
    expect(out[0].envelopeFrom).toBe(PUBLIC);
    const email = await PostalMime.parse(rawBytes(out[0]));
    expect(email.from).toMatchObject({ address: PUBLIC });
    expect(email.to).toEqual([{ name: "Hanako Yamada", address: HANAKO }]);
    expect(email.inReplyTo).toBe("<hy-20250303-0001@mail.example.com>");
    expect(email.text).toContain(`Reach me at ${PUBLIC}.`);
    expect(email.attachments[0].filename).toBe("見積書.pdf");
    expect(new TextDecoder().decode(email.attachments[0].content as ArrayBuffer)).toBe("%PDF-1.4 quote");
    expect(await findLeaks(rawBytes(out[0]), [STAFF_ONE, STAFF_TWO, alias])).toEqual([]);

    const after = await (await api("GET", `/api/conversations/${list.items[0].id}`, undefined, headers)).json();
    expect(after.messages.map((m: { direction: string; state: string }) => [m.direction, m.state])).toEqual([
      ["inbound", "sent"],
      ["outbound", "sent"],
    ]);
  });

  it("refuses other users' conversations, cookie changes without the CSRF header, and oversized uploads", async () => {
    await setUpConversation();
    const one = await signIn(STAFF_ONE);
    const two = await signIn(STAFF_TWO);
    const [conversation] = (await (await api("GET", "/api/conversations", undefined, one)).json()).items;
    expect((await api("GET", `/api/conversations/${conversation.id}`, undefined, two)).status).toBe(404);
    expect((await api("POST", `/api/conversations/${conversation.id}/messages`, { text: "hi" }, two)).status).toBe(404);
    expect((await api("POST", `/api/conversations/${conversation.id}/messages`, { text: "hi" }, { cookie: one.cookie })).status).toBe(403);
    const big = "A".repeat(Math.ceil((10 * 1024 * 1024 + 10) / 3) * 4);
    const res = await api("POST", `/api/conversations/${conversation.id}/messages`, { text: "big", attachments: [{ filename: "a.bin", contentType: "application/octet-stream", contentBase64: big }] }, one);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("attachments_too_large");
    expect((await api("GET", "/api/conversations", undefined, {})).status).toBe(401);
    // Signed in, but a member: the admin API is forbidden, not merely unauthenticated.
    expect((await api("GET", "/api/addresses", undefined, one)).status).toBe(403);
  });

  it("signs out", async () => {
    await setUpConversation();
    const headers = await signIn(STAFF_ONE);
    expect((await api("POST", "/api/session/sign-out", undefined, headers)).status).toBe(204);
    expect((await api("GET", "/api/session/me", undefined, headers)).status).toBe(401);
  });

  it("a later contact message joins the same conversation", async () => {
    await setUpConversation();
    await inject({ from: HANAKO, to: PUBLIC, raw: `From: Hanako Yamada <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: Re: Quote request\r\nMessage-ID: <hy-2@mail.example.com>\r\n\r\nThanks\r\n` });
    const headers = await signIn(STAFF_ONE);
    const list = await (await api("GET", "/api/conversations", undefined, headers)).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ subject: "Re: Quote request", messageCount: 2, unread: 2 });
  });
});
