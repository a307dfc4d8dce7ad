/**
 * Attack: an address split by tags or comments ("hanako<span>@</span>example.com") is one
 * address to the browser that shows the HTML. The mailed copy reads HTML as HTML; the web UI's
 * stored copy (shown in an iframe) and the webhook payload must read it the same way.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api, inject } from "../../helpers/relay";
import { signIn } from "../../helpers/sign-in";
import { addWebhook, deliveries, routeHooksToReceiver, scriptReceiver } from "../../helpers/webhooks";

beforeAll(routeHooksToReceiver);
afterAll(() => vi.restoreAllMocks());

const [L, D] = HANAKO.split("@");
const HTML = `<p>Write to ${L}<span>@</span>${D}, or ${L}<!-- x -->&#64;<b>${D}</b></p>`;
const raw = [`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: split", "Message-ID: <split-1@example.com>", "MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8", "", HTML, ""].join("\r\n");

/** What a browser shows: tags and comments gone, entities decoded. */
function shown(html: string): string {
  return html.replace(/<!--[\s\S]*?-->/g, "").replace(/<[^>]*>/g, "").replace(/&#64;/g, "@").toLowerCase();
}

describe("HTML addresses split by tags, outside the mailed copy", () => {
  beforeEach(resetDatabase);

  it("the web UI's stored HTML shows no contact address", async () => {
    await makeAddress();
    expect((await inject({ from: HANAKO, to: PUBLIC, raw })).rejected).toBeNull();
    const headers = await signIn(STAFF_ONE);
    const [conversation] = (await (await api("GET", "/api/conversations", undefined, headers)).json()).items;
    const thread = await (await api("GET", `/api/conversations/${conversation.id}`, undefined, headers)).json();
    expect(thread.messages[0].html).toContain("Write to");
    expect(shown(thread.messages[0].html)).not.toContain(HANAKO);
  });

  it("the webhook payload's HTML shows no contact address", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const hook = await addWebhook(id, "split");
    await scriptReceiver("split", hook.secret);
    expect((await inject({ from: HANAKO, to: PUBLIC, raw })).rejected).toBeNull();
    const [delivery] = await deliveries("split");
    const payload = JSON.parse(delivery.body);
    expect(payload.html).toContain("Write to");
    expect(shown(payload.html)).not.toContain(HANAKO);
  });
});
