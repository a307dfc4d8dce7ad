/**
 * Issue #6, "done when": a page on another origin posts an inquiry (CORS preflight, then JSON);
 * a recipient answers it from the web UI's API; a system holding an API key answers another one
 * by API, having received it as a signed webhook. Nobody sees an address they should not.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import PostalMime from "postal-mime";
import { PUBLIC, STAFF_ONE } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { api, outbox, rawBytes } from "../../helpers/relay";
import { signIn } from "../../helpers/session";
import { addWebhook, deliveries, routeHooksToReceiver, scriptReceiver } from "../../helpers/webhooks";

const SHOP = "https://shop.example.com";
const YUI = "yui.nakamura@example.com";
const KEN = "ken.ito@example.org";

beforeAll(routeHooksToReceiver);
afterAll(() => vi.restoreAllMocks());

/** What the browser does for the fetch() snippet on SHOP: preflight, then the JSON post. */
async function postFromShop(formId: string, fields: Record<string, string>) {
  const preflight = await api("OPTIONS", `/f/${formId}`, undefined, { origin: SHOP, "access-control-request-method": "POST", "access-control-request-headers": "content-type" });
  expect(preflight.status).toBe(204);
  expect([preflight.headers.get("access-control-allow-origin"), preflight.headers.get("access-control-allow-methods"), preflight.headers.get("access-control-allow-headers")]).toEqual([SHOP, "POST", "content-type"]);
  const res = await api("POST", `/f/${formId}`, fields, { "content-type": "application/json", origin: SHOP });
  expect(res.status).toBe(202);
  expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
  return res.json();
}

/** The submitter opens the confirmation mail and presses the button. */
async function confirm(email: string) {
  const mail = (await outbox()).find((o) => o.kind === "verification" && o.envelopeTo === email)!;
  const token = mail.raw.match(/\/f\/confirm\/([a-z2-7]+)/)![1];
  expect((await api("POST", `/f/confirm/${token}`, undefined, {})).status).toBe(303);
}

describe("done when: cross-origin inquiries answered from the web UI and by API key", () => {
  beforeEach(resetDatabase);

  it("an inquiry posted from another origin is answered by a person in the web UI and another by a system's key", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const hook = await addWebhook(id, "helpdesk");
    await scriptReceiver("helpdesk", hook.secret);
    const formId = (await (await api("POST", `/api/addresses/${id}/forms`, { name: "Contact", allowedOrigins: [SHOP] })).json()).id;

    // Another origin may not even preflight.
    expect((await api("OPTIONS", `/f/${formId}`, undefined, { origin: "https://evil.example.net", "access-control-request-method": "POST" })).status).toBe(403);

    expect(await postFromShop(formId, { name: "Yui Nakamura", email: YUI, subject: "Delivery to Hokkaido?", message: "Can you ship to Hokkaido?" })).toEqual({ status: "pending-confirmation" });
    await confirm(YUI);
    expect((await outbox()).filter((o) => o.kind === "relay").map((o) => o.envelopeTo)).toEqual([STAFF_ONE]);

    // The person answers from the web UI.
    const staff = await signIn(STAFF_ONE);
    const [conversation] = (await (await api("GET", "/api/conversations", undefined, staff)).json()).items;
    expect(conversation).toMatchObject({ contactName: "Yui Nakamura", subject: "Delivery to Hokkaido?" });
    let before = new Set((await outbox()).map((o) => o.id));
    const answered = await api("POST", `/api/conversations/${conversation.id}/messages`, { text: "Yes, we ship to Hokkaido." }, staff);
    expect(answered.status).toBe(201);
    let reply = (await outbox()).filter((o) => !before.has(o.id));
    expect(reply.map((o) => [o.envelopeFrom, o.envelopeTo])).toEqual([[PUBLIC, YUI]]);
    expect((await PostalMime.parse(rawBytes(reply[0]))).text?.trim()).toBe("Yes, we ship to Hokkaido.");
    expect(await findLeaks(rawBytes(reply[0]), [STAFF_ONE, conversation.alias, hook.url])).toEqual([]);

    // The system got both inquiries as signed webhooks; it answers Ken's by API key.
    expect(await postFromShop(formId, { name: "Ken Ito", email: KEN, message: "Is the shop open on Sunday?" })).toEqual({ status: "pending-confirmation" });
    await confirm(KEN);
    const received = (await deliveries("helpdesk")).map((d) => ({ ...d, payload: JSON.parse(d.body) }));
    expect(received.map((d) => [d.signatureValid, d.status, d.payload.displayName])).toEqual([[true, 200, "Yui Nakamura"], [true, 200, "Ken Ito"]]);
    for (const d of received) expect(await findLeaks(d.body, [YUI, KEN, STAFF_ONE])).toEqual([]);
    const key = (await (await api("POST", `/api/addresses/${id}/recipients/${hook.id}/keys`, { label: "helpdesk" })).json()).key;
    before = new Set((await outbox()).map((o) => o.id));
    const byApi = await api("POST", `/api/conversations/${received[1].payload.conversationId}/messages`, { subject: "Opening hours", text: "We are open on Sundays from 10:00." }, { authorization: `Bearer ${key}` });
    expect(byApi.status).toBe(201);
    reply = (await outbox()).filter((o) => !before.has(o.id));
    expect(reply.map((o) => [o.envelopeFrom, o.envelopeTo])).toEqual([[PUBLIC, KEN]]);
    const email = await PostalMime.parse(rawBytes(reply[0]));
    expect([email.subject, email.text?.trim()]).toEqual(["Opening hours", "We are open on Sundays from 10:00."]);
    expect(await findLeaks(rawBytes(reply[0]), [STAFF_ONE, received[1].payload.reverseAlias, hook.url, YUI])).toEqual([]);
  });
});
