import { beforeEach, describe, expect, it } from "vitest";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api } from "../../helpers/relay";

async function error(res: Response) {
  return { status: res.status, body: await res.json() };
}

describe("admin API", () => {
  beforeEach(resetDatabase);

  it("requires the bearer token", async () => {
    expect(await error(await api("GET", "/api/addresses", undefined, {}))).toEqual({ status: 401, body: { error: { code: "unauthorized", message: "Sign in or send a valid bearer token" } } });
    expect((await api("GET", "/api/addresses", undefined, { authorization: "Bearer wrong" })).status).toBe(401);
  });

  it("gives each kind of bad input its own code", async () => {
    expect(await error(await api("POST", "/api/addresses", "{not json"))).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
    expect(await error(await api("POST", "/api/addresses", { address: "a@relay.example.jp", colour: "red" }))).toMatchObject({ status: 400, body: { error: { code: "unknown_field", message: "Unknown field: colour" } } });
    expect(await error(await api("POST", "/api/addresses", { address: "not-an-address" }))).toMatchObject({ status: 400, body: { error: { code: "invalid_address" } } });
    expect(await error(await api("POST", "/api/addresses", { address: "a@x.jp\r\nBcc: b@y.jp" }))).toMatchObject({ status: 400, body: { error: { code: "invalid_address" } } });
    expect(await error(await api("POST", "/api/addresses", { address: "info+tag@relay.example.jp" }))).toMatchObject({ status: 400, body: { error: { code: "invalid_address" } } });
    expect(await error(await api("POST", "/api/addresses", { address: 42 }))).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    // Addresses are taken as written or refused: header-parsing leniency (white space, comments,
    // route syntax) would turn a mistyped address into somebody else's mailbox.
    const { id } = await makeAddress({ recipients: [] });
    for (const email of ["staff one@example.net", "staff(one)@example.net", "old:staff.one@example.net", '"staff one"@example.net']) {
      expect([email, await error(await api("POST", `/api/addresses/${id}/recipients`, { email }))]).toMatchObject([email, { status: 400, body: { error: { code: "invalid_address" } } }]);
    }
    expect(await (await api("GET", `/api/addresses/${id}/recipients`)).json()).toEqual([]);
    // Letter case and surrounding white space are not mistakes.
    expect((await api("POST", `/api/addresses/${id}/recipients`, { email: "  Staff.One@Example.NET " })).status).toBe(201);
    expect(await error(await api("POST", "/api/addresses", { address: "a@relay.example.jp", displayName: "x\r\nBcc: y" }))).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
  });

  it("refuses duplicates with their own codes", async () => {
    const { id } = await makeAddress({ recipients: ["staff.one@example.net"] });
    expect(await error(await api("POST", "/api/addresses", { address: "INFO@relay.example.jp" }))).toMatchObject({ status: 409, body: { error: { code: "address_exists" } } });
    expect(await error(await api("POST", `/api/addresses/${id}/recipients`, { email: "Staff.One@example.net" }))).toMatchObject({ status: 409, body: { error: { code: "recipient_exists" } } });
  });

  // Concurrent requests both pass a route's "does it exist?" check; the unique index refuses the
  // later write, which must get the check's own 409 rather than a 500.
  it.each([
    ["address", async () => "/api/addresses", { address: "race@relay.example.jp" }, "address_exists", "This public address already exists"],
    ["recipient", async () => `/api/addresses/${(await makeAddress({ recipients: [] })).id}/recipients`, { email: "race@example.net" }, "recipient_exists", "This recipient is already on the address"],
    ["webhook", async () => `/api/addresses/${(await makeAddress({ recipients: [] })).id}/recipients`, { kind: "webhook", url: "https://hooks.example.com/race" }, "recipient_exists", "This webhook is already on the address"],
    ["user", async () => "/api/users", { email: "race@example.net", role: "member" }, "user_exists", "This person is already a user of the account"],
    ["domain", async () => "/api/domains", { name: "race.example.com" }, "domain_exists", "This domain is already on the account"],
  ])("answers concurrent creations of one %s with one 201 and 409s, never a 500", async (_kind, path, body, code, message) => {
    const url = await path();
    const results = await Promise.all(Array.from({ length: 6 }, () => api("POST", url, body).then(error)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 201)).toEqual(Array.from({ length: 5 }, () => ({ status: 409, body: { error: { code, message } } })));
  });

  it("lists addresses and recipients, and 404s unknown ones", async () => {
    const { id } = await makeAddress();
    const list = (await (await api("GET", "/api/addresses")).json()) as { address: string; recipientCount: number }[];
    expect(list).toMatchObject([{ address: "info@relay.example.jp", displayName: "Example Support Desk", status: "active", recipientCount: 2 }]);
    const recipients = (await (await api("GET", `/api/addresses/${id}/recipients`)).json()) as { email: string; verified: boolean }[];
    expect(recipients.map((r) => [r.email, r.verified])).toEqual([
      ["staff.one@example.net", true],
      ["staff.two@example.net", true],
    ]);
    expect(await error(await api("DELETE", "/api/addresses/nope"))).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(await error(await api("GET", "/api/nothing"))).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
  });

  // A GET confirmed until the link scanners of mail providers (Safe Links…) made that a way to
  // sign anyone up: opening the link now shows a button, and only its POST confirms.
  it("does not forward to a recipient until it presses the button behind its confirmation link, and a link works once", async () => {
    const { id } = await makeAddress({ recipients: ["staff.one@example.net"], verify: false });
    const { inject, outbox } = await import("../../helpers/relay");
    const mail = (n: number) => inject({ from: "a@example.com", to: "info@relay.example.jp", raw: `From: a@example.com\r\nSubject: x\r\nMessage-ID: <q${n}@example.com>\r\n\r\nhi\r\n` });
    const verified = async () => ((await (await api("GET", `/api/addresses/${id}/recipients`)).json()) as { verified: boolean }[]).map((r) => r.verified);
    expect((await mail(1)).rejected).toBe("550 5.2.1 This address has no active recipients");
    const link = (await outbox())[0].raw.match(/\/verify\/([a-z2-7]+)/)![1];
    // Opened twice, as a scanner and then the person would: a page with a button, nothing changed.
    for (const accept of ["text/html", "application/json"]) {
      const page = await api("GET", `/verify/${link}`, undefined, { accept });
      expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=UTF-8"]);
      expect(await page.text()).toContain(`<form method="post" action="/verify/${link}"><button type="submit" style="font:inherit;padding:.5rem 1rem">Confirm / 確認する</button></form>`);
      // The button posts back to the relay itself, which the page's CSP allows and nothing else.
      expect(page.headers.get("content-security-policy")).toContain("form-action 'self'");
    }
    expect(await verified()).toEqual([false]);
    expect((await mail(2)).rejected).toBe("550 5.2.1 This address has no active recipients");

    const confirmed = await api("POST", `/verify/${link}`, undefined, { accept: "text/html" });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("<h1>Confirmed / 確認しました</h1>");
    expect(await verified()).toEqual([true]);
    const forwarded = await mail(3);
    expect([forwarded.rejected, forwarded.sent.map((s) => s.envelopeTo)]).toEqual([null, ["staff.one@example.net"]]);

    // Used: the page, a second press and JSON clients all answer 404 invalid_token.
    expect(await error(await api("POST", `/verify/${link}`, undefined, { accept: "application/json" }))).toMatchObject({ status: 404, body: { error: { code: "invalid_token" } } });
    expect(await error(await api("GET", `/verify/${link}`, undefined, { accept: "application/json" }))).toMatchObject({ status: 404, body: { error: { code: "invalid_token" } } });
    for (const method of ["GET", "POST"]) {
      const used = await api(method, `/verify/${link}`, undefined, { accept: "text/html" });
      expect([method, used.status]).toEqual([method, 404]);
      expect(await used.text()).toContain("この確認リンクは無効か、既に使用されています。");
    }
    expect(await verified()).toEqual([true]);
  });

  it("answers a JSON client's confirmation with JSON, and refuses what is no token", async () => {
    const { id } = await makeAddress({ recipients: ["staff.one@example.net"], verify: false });
    const { outbox } = await import("../../helpers/relay");
    const link = (await outbox())[0].raw.match(/\/verify\/([a-z2-7]+)/)![1];
    for (const token of ["nope", "a".repeat(32), `${link}x`]) {
      for (const method of ["GET", "POST"]) expect([token, method, await error(await api(method, `/verify/${token}`, undefined, { accept: "application/json" }))]).toMatchObject([token, method, { status: 404, body: { error: { code: "invalid_token" } } }]);
    }
    const confirmed = await api("POST", `/verify/${link}`, undefined, { accept: "application/json" });
    expect([confirmed.status, await confirmed.json()]).toEqual([200, { verified: true }]);
    expect(((await (await api("GET", `/api/addresses/${id}/recipients`)).json()) as { verified: boolean }[]).map((r) => r.verified)).toEqual([true]);
  });
});
