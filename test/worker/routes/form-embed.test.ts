/** Embed snippets: the HTML form really posts, the fetch() call really works, and who may see them. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../../worker/index";
import { STAFF_ONE, STAFF_TWO } from "../../helpers/cases";
import { parseEmbedForm } from "../../helpers/embed-form";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { api, outbox, rawBytes } from "../../helpers/relay";
import { signIn } from "../../helpers/session";

const SHOP = "https://shop.example.com";

async function makeForm(addressId: string, options: Record<string, unknown> = {}): Promise<string> {
  const res = await api("POST", `/api/addresses/${addressId}/forms`, { name: "お問い合わせ", allowedOrigins: [SHOP], confirmSubmitter: false, ...options });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

describe("form embed snippets", () => {
  beforeEach(resetDatabase);

  it("the HTML snippet, filled in and submitted as a browser would, delivers the inquiry", async () => {
    const { id } = await makeAddress();
    const formId = await makeForm(id);
    const res = await api("GET", `/api/addresses/${id}/forms/${formId}/embed`);
    expect(res.status).toBe(200);
    const embed = await res.json();
    expect(embed).toMatchObject({ id: formId, name: "お問い合わせ", postUrl: `http://relay.test/f/${formId}`, allowedOrigins: [SHOP], turnstile: false });

    const form = await parseEmbedForm(embed.html);
    expect([form.action, form.method]).toEqual([`http://relay.test/f/${formId}`, "post"]);
    expect(form.controls).toEqual([
      { name: "name", type: "text", required: true },
      { name: "email", type: "email", required: true },
      { name: "subject", type: "text", required: false },
      { name: "message", type: "textarea", required: false },
      { name: "website", type: "text", required: false },
    ]);
    expect([form.turnstileSiteKey, form.scripts]).toEqual([null, []]);

    // What a person types; the honeypot stays empty, as it does for people.
    const typed: Record<string, string> = { name: "山田 花子", email: "hanako.yamada@example.com", subject: "見積もり", message: "見積もりをお願いします。", website: "" };
    const body = new URLSearchParams(form.controls.map((c): [string, string] => [c.name, typed[c.name]]));
    const posted = await api("POST", new URL(form.action).pathname, body.toString(), { "content-type": "application/x-www-form-urlencoded" });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe(`/f/${formId}/thanks?status=delivered`);
    const copies = (await outbox()).filter((o) => o.kind === "relay");
    expect(copies.map((c) => c.envelopeTo).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
    const email = await PostalMime.parse(rawBytes(copies[0]));
    expect([email.subject, email.from?.name, email.text?.trim()]).toEqual(["見積もり", "山田 花子", "見積もりをお願いします。"]);
    for (const copy of copies) expect(await findLeaks(rawBytes(copy), [typed.email])).toEqual([]);

    // A bot that fills every field is refused.
    const bot = new URLSearchParams(form.controls.map((c): [string, string] => [c.name, c.name === "email" ? "bot@example.org" : "x"]));
    expect((await api("POST", `/f/${formId}`, bot.toString(), { "content-type": "application/x-www-form-urlencoded" })).status).toBe(400);
  });

  it("the fetch() snippet posts JSON to the same URL with the fields it names, from the allowed origin", async () => {
    const { id } = await makeAddress();
    const formId = await makeForm(id);
    const { fetch: snippet } = await (await api("GET", `/api/addresses/${id}/forms/${formId}/embed`)).json();
    expect(snippet).toContain(`// From a page on an allowed origin (${SHOP}).`);
    const url = snippet.match(/fetch\("([^"]+)"/)[1];
    expect(url).toBe(`http://relay.test/f/${formId}`);
    expect(snippet).toContain(`headers: { "content-type": "application/json" }`);
    expect(snippet).toContain("body: JSON.stringify({ name, email, subject, message }),");
    const res = await api("POST", new URL(url).pathname, { name: "Ken", email: "ken@example.com", subject: "Hi", message: "Hello" }, { "content-type": "application/json", origin: SHOP });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "delivered" });
  });

  it("with Turnstile configured, both snippets carry the widget and its token", async () => {
    const { id } = await makeAddress();
    const formId = await makeForm(id, { allowedOrigins: [] });
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`http://relay.test/api/addresses/${id}/forms/${formId}/embed`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }) as never, { ...env, TURNSTILE_SITE_KEY: "0x4AAAAAAAtest" }, ctx);
    await waitOnExecutionContext(ctx);
    const embed = (await (res as unknown as Response).json()) as { html: string; fetch: string; turnstile: boolean };
    expect(embed.turnstile).toBe(true);
    const form = await parseEmbedForm(embed.html);
    expect([form.turnstileSiteKey, form.scripts]).toEqual(["0x4AAAAAAAtest", ["https://challenges.cloudflare.com/turnstile/v0/api.js"]]);
    expect(embed.fetch).toContain(`"cf-turnstile-response": turnstile.getResponse()`);
    expect(embed.fetch).toContain("none yet — add your site's origin to the form's allowedOrigins");
  });

  it("recipients see the forms of the addresses they answer, nobody else's; strangers see none", async () => {
    const desk = await makeAddress();
    const other = await makeAddress({ address: "jobs@relay.example.jp", recipients: ["hr@example.net"] });
    const deskForm = await makeForm(desk.id);
    const otherForm = await makeForm(other.id, { name: "Apply" });
    expect((await api("GET", "/api/forms", undefined, {})).status).toBe(401);
    expect((await api("GET", `/api/addresses/${desk.id}/forms/${deskForm}/embed`, undefined, {})).status).toBe(401);
    expect((await (await api("GET", "/api/forms")).json()).map((f: { id: string }) => f.id).sort()).toEqual([deskForm, otherForm].sort());

    const staff = await signIn(STAFF_ONE);
    const mine = await (await api("GET", "/api/forms", undefined, staff)).json();
    expect(mine.map((f: { id: string; publicAddress: string }) => [f.id, f.publicAddress])).toEqual([[deskForm, "info@relay.example.jp"]]);
    expect(mine[0].html).toContain(`action="http://relay.test/f/${deskForm}"`);
    expect((await api("GET", `/api/addresses/${desk.id}/forms/${deskForm}/embed`, undefined, staff)).status).toBe(200);
    expect((await api("GET", `/api/addresses/${other.id}/forms/${otherForm}/embed`, undefined, staff)).status).toBe(404);
    expect((await api("GET", `/api/addresses/${other.id}/forms/${deskForm}/embed`)).status).toBe(404);
  });
});
