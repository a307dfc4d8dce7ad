/** Web forms: both encodings, submitter confirmation, CORS, and refused bad input (case-27). */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../../worker/index";
import { MAX_SUBMISSION_BYTES } from "../../../worker/routes/forms";
import { PUBLIC, STAFF_ONE, STAFF_TWO } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fixtureText, sharedMissing } from "../../helpers/fixtures";
import { findLeaks } from "../../helpers/leak-check";
import { api, authenticated, header, inject, outbox, rawBytes } from "../../helpers/relay";

async function makeForm(options: Record<string, unknown> = {}) {
  const { id } = await makeAddress();
  const res = await api("POST", `/api/addresses/${id}/forms`, { name: "お問い合わせ", allowedOrigins: ["https://www.example.com"], ...options });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
}

function post(formId: string, body: string, contentType: string, origin?: string) {
  return api("POST", `/f/${formId}`, body, { "content-type": contentType, ...(origin ? { origin } : {}) });
}

/** Ken posts an HTML form (confirmation on): the form, and the token his confirmation mail carries. */
async function kensPendingInquiry(): Promise<{ formId: string; token: string }> {
  const formId = await makeForm();
  await post(formId, "name=Ken&email=ken%40example.com&message=hello", "application/x-www-form-urlencoded");
  const token = (await outbox()).find((o) => o.envelopeTo === "ken@example.com")!.raw.match(/\/f\/confirm\/([a-z2-7]+)/)![1];
  return { formId, token };
}

describe("forms", () => {
  beforeEach(resetDatabase);

  it.skipIf(sharedMissing)("case-27: CR/LF in form fields is refused with 400 and nothing is sent", async () => {
    const formId = await makeForm({ confirmSubmitter: false });
    const before = (await outbox()).length;
    const res = await post(formId, fixtureText("cases/case-27-form-header-injection.json"), "application/json", "https://www.example.com");
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("invalid_field");
    expect((await outbox()).length).toBe(before);
  });

  it("lists an address's forms and deletes one: later posts get 404 and its pending submissions go with it", async () => {
    const { id } = await makeAddress();
    const made = await (await api("POST", `/api/addresses/${id}/forms`, { name: "Survey", allowedOrigins: ["https://www.example.com/path"] })).json();
    const listed = await (await api("GET", `/api/addresses/${id}/forms`)).json();
    expect(listed).toEqual([{ id: made.id, name: "Survey", postUrl: `http://relay.test/f/${made.id}`, allowedOrigins: ["https://www.example.com"], thankYouUrl: null, confirmSubmitter: true, createdAt: expect.any(Number) }]);
    // The creation answer is the form as stored and listed: origins, not the URLs they came from.
    expect(made).toEqual(listed[0]);
    const pending = await post(made.id, JSON.stringify({ name: "Yui", email: "yui@example.com", message: "Hi" }), "application/json", "https://www.example.com");
    expect(pending.status).toBe(202);
    const { env } = await import("cloudflare:workers");
    const count = async () => (await env.DB.prepare("SELECT count(*) AS n FROM pending_submissions").first<{ n: number }>())!.n;
    expect(await count()).toBe(1);
    expect((await api("DELETE", `/api/addresses/${id}/forms/${made.id}`)).status).toBe(204);
    expect(await count()).toBe(0);
    expect(await (await api("GET", `/api/addresses/${id}/forms`)).json()).toEqual([]);
    expect((await post(made.id, JSON.stringify({ name: "Yui", email: "yui@example.com" }), "application/json", "https://www.example.com")).status).toBe(404);
    const again = await api("DELETE", `/api/addresses/${id}/forms/${made.id}`);
    expect([again.status, (await again.json()).error.code]).toEqual([404, "not_found"]);
  });

  it("refuses injection in every single-line field, and honeypot hits", async () => {
    const formId = await makeForm({ confirmSubmitter: false });
    const good = { name: "Yui", email: "yui@example.com", subject: "Hello", message: "Hi" };
    for (const bad of [{ name: "Yui\r\nBcc: x@example.org" }, { email: "yui@example.com\nX-Injected: yes" }, { subject: "a\r\n\r\nbody" }, { reference: "<t@example.com>\r\nBcc: y@example.org" }]) {
      const res = await post(formId, JSON.stringify({ ...good, ...bad }), "application/json");
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await post(formId, JSON.stringify({ ...good, website: "http://spam.example" }), "application/json")).status).toBe(400);
    expect((await post(formId, "{nope", "application/json")).status).toBe(400);
    expect((await post(formId, "x", "text/plain")).status).toBe(415);
    // A multipart body without its boundary, or cut short, cannot be read: a 400 that says so, not a 500.
    for (const [body, type] of [["name=Yui", "multipart/form-data"], ["--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nYui", "multipart/form-data; boundary=b"]]) {
      const scripted = await api("POST", `/f/${formId}`, body, { "content-type": type, accept: "application/json" });
      expect([type, scripted.status, (await scripted.json()).error.code]).toEqual([type, 400, "invalid_request"]);
      // A person's browser gets the same refusal as a page.
      const res = await post(formId, body, type);
      expect([type, res.status, res.headers.get("content-type")]).toEqual([type, 400, "text/html; charset=UTF-8"]);
      expect(await res.text()).toContain("Your message was not sent: The request body is not valid form data.");
    }
    expect((await post(formId, JSON.stringify(good), "application/json", "https://evil.example")).status).toBe(403);
  });

  it("a confirmed JSON submission reaches the recipients behind a reverse alias, with survey answers", async () => {
    const formId = await makeForm();
    const res = await post(formId, JSON.stringify({ name: "Yui Nakamura", email: "yui@example.com", subject: "配送について", message: "北海道へ配送できますか？", 満足度: "5", plan: "basic" }), "application/json", "https://www.example.com");
    expect(res.status).toBe(202);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://www.example.com");
    expect(await res.json()).toEqual({ status: "pending-confirmation" });
    const items = await outbox();
    expect(items.filter((o) => o.kind === "relay")).toEqual([]);
    const confirmation = items.find((o) => o.envelopeTo === "yui@example.com")!;
    const token = confirmation.raw.match(/\/f\/confirm\/([a-z2-7]+)/)![1];
    const confirmed = await api("POST", `/f/confirm/${token}`, undefined, {});
    expect(confirmed.status).toBe(303);
    const copies = (await outbox()).filter((o) => o.kind === "relay");
    expect(copies.map((c) => c.envelopeTo).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
    for (const copy of copies) {
      expect(header(copy.raw, "from")).toMatch(/^Yui Nakamura <r-[a-z2-7]{34}@relay\.example\.jp>$/);
      expect(await findLeaks(rawBytes(copy), ["yui@example.com"])).toEqual([]);
    }
    const { default: PostalMime } = await import("postal-mime");
    const email = await PostalMime.parse(rawBytes(copies[0]));
    expect(email.subject).toBe("配送について");
    expect(email.text).toContain("満足度: 5");
    expect((await api("POST", `/f/confirm/${token}`, undefined, {})).status).toBe(404);

    // The recipient's reply reaches the submitter like any reply.
    const alias = copies.find((c) => c.envelopeTo === STAFF_ONE)!.envelopeFrom;
    const reply = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <f1@example.net>\r\n\r\nはい、可能です。\r\n`, STAFF_ONE) });
    expect(reply.sent.map((s) => [s.envelopeTo, s.envelopeFrom])).toEqual([["yui@example.com", PUBLIC]]);
  });

  it("an unconfirmed submitter gets nothing delivered; a urlencoded post redirects to the thank-you page", async () => {
    const formId = await makeForm({ thankYouUrl: "https://www.example.com/thanks" });
    const res = await post(formId, "name=Ken&email=ken%40example.com&message=hello", "application/x-www-form-urlencoded");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://www.example.com/thanks");
    expect((await outbox()).filter((o) => o.kind === "relay")).toEqual([]);
    expect((await api("GET", "/f/nope-form", undefined, {})).status).toBe(404);
  });
});

describe("form abuse guards", () => {
  beforeEach(resetDatabase);

  it("reads no more of a body than a submission may be, whatever Content-Length says", async () => {
    const formId = await makeForm({ confirmSubmitter: false });
    const huge = JSON.stringify({ name: "Yui", email: "yui@example.com", message: "x".repeat(MAX_SUBMISSION_BYTES) });
    const tooLarge = { error: { code: "too_large", message: "A submission may be at most 256 KiB" } };
    const declared = await post(formId, huge, "application/json");
    expect([declared.status, await declared.json()]).toEqual([413, tooLarge]);
    // Streamed without a length: the read stops at the limit.
    const stream = new Blob([huge]).stream();
    const ctx = createExecutionContext();
    const streamed = await worker.fetch(new Request(`http://relay.test/f/${formId}`, { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit) as never, env, ctx);
    await waitOnExecutionContext(ctx);
    expect([streamed.status, await streamed.json()]).toEqual([413, tooLarge]);
    // A browser's post that is too large is told on a page.
    const page = await post(formId, `name=Yui&email=yui%40example.com&message=${"x".repeat(MAX_SUBMISSION_BYTES)}`, "application/x-www-form-urlencoded");
    expect([page.status, await page.text()]).toEqual([413, expect.stringContaining("Your message was not sent: A submission may be at most 256 KiB.")]);
    expect((await outbox()).filter((o) => o.kind === "relay")).toEqual([]);
  });

  it("opening the confirmation link only shows a button; one confirmation mail per address and hour, later posts refused (not dropped unsaid)", async () => {
    const formId = await makeForm();
    const answers: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(formId, JSON.stringify({ name: "Anyone", email: "victim@example.org", message: `spam ${i}` }), "application/json");
      answers.push([res.status, (await res.json()) as unknown]);
    }
    const pending = { error: { code: "confirmation_pending", message: "A confirmation mail for this address and form was sent less than an hour ago: open its link first, or try again later" } };
    expect(answers).toEqual([[202, { status: "pending-confirmation" }], ...Array.from({ length: 4 }, () => [429, pending])]);
    const mails = (await outbox()).filter((o) => o.envelopeTo === "victim@example.org");
    expect(mails).toHaveLength(1);
    const token = mails[0].raw.match(/\/f\/confirm\/([a-z2-7]+)/)![1];
    const page = await api("GET", `/f/confirm/${token}`, undefined, {});
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<form method="post" action="/f/confirm/${token}">`);
    expect((await outbox()).filter((o) => o.kind === "relay")).toEqual([]);
    expect((await api("POST", `/f/confirm/${token}`, undefined, {})).status).toBe(303);
    expect((await outbox()).filter((o) => o.kind === "relay")).toHaveLength(2);
  });

  it("two presses of the confirmation button at once deliver the inquiry once", async () => {
    const { token } = await kensPendingInquiry();
    const presses = await Promise.all([1, 2, 3].map(() => api("POST", `/f/confirm/${token}`, undefined, {})));
    expect(presses.map((p) => p.status).sort()).toEqual([303, 404, 404]);
    expect((await outbox()).filter((o) => o.kind === "relay").map((o) => o.envelopeTo).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
  });

  it("a confirmation that cannot be delivered leaves the link usable", async () => {
    const { token } = await kensPendingInquiry();
    const [pa] = await (await api("GET", "/api/addresses")).json();
    expect((await api("PATCH", `/api/addresses/${pa.id}`, { status: "disabled" })).status).toBe(200);
    const refused = await api("POST", `/f/confirm/${token}`, undefined, { accept: "application/json" });
    expect([refused.status, (await refused.json()).error.code]).toEqual([422, "not_delivered"]);
    expect((await outbox()).filter((o) => o.kind === "relay")).toEqual([]);
    expect((await api("PATCH", `/api/addresses/${pa.id}`, { status: "active" })).status).toBe(200);
    expect((await api("POST", `/f/confirm/${token}`, undefined, {})).status).toBe(303);
    expect((await outbox()).filter((o) => o.kind === "relay")).toHaveLength(2);
  });

  it("a confirmed submitter is told it was delivered; a used link is a page saying so, not a button or JSON", async () => {
    const { formId, token } = await kensPendingInquiry();
    const confirmed = await api("POST", `/f/confirm/${token}`, undefined, {});
    expect([confirmed.status, confirmed.headers.get("location")]).toEqual([303, `/f/${formId}/thanks?status=delivered`]);
    const thanks = await (await api("GET", `/f/${formId}/thanks?status=delivered`, undefined, {})).text();
    expect(thanks).toContain("Your message was delivered.");
    expect(thanks).not.toContain("confirmation mail");
    expect(await (await api("GET", `/f/${formId}/thanks`, undefined, {})).text()).toContain("If a confirmation mail arrives");

    for (const method of ["GET", "POST"]) {
      const used = await api(method, `/f/confirm/${token}`, undefined, { accept: "text/html" });
      expect(used.status).toBe(404);
      expect(used.headers.get("content-type")).toMatch(/^text\/html/);
      const page = await used.text();
      expect(page).toContain("Link not valid / リンクが無効です");
      expect(page).not.toContain("<form");
    }
    const scripted = await api("POST", `/f/confirm/${token}`, undefined, { accept: "application/json" });
    expect([scripted.status, (await scripted.json()).error.code]).toEqual([404, "invalid_token"]);

    // Without confirmation, a browser post lands on the "delivered" page at once.
    const [{ id: addressId }] = await (await api("GET", "/api/addresses")).json();
    const direct = (await (await api("POST", `/api/addresses/${addressId}/forms`, { name: "Direct", confirmSubmitter: false })).json()).id as string;
    const res = await post(direct, "name=Ken&email=ken%40example.com&message=hello", "application/x-www-form-urlencoded");
    expect(res.headers.get("location")).toBe(`/f/${direct}/thanks?status=delivered`);
  });
});
