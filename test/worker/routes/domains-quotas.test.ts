/**
 * Customer domains (TXT verification over DNS-over-HTTPS, the resolver faked at the HTTP boundary
 * with the JSON shape Cloudflare's 1.1.1.1 documents) and each plan limit.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetDatabase } from "../../helpers/factories";
import { api } from "../../helpers/relay";
import { followLatestLink, type Headers } from "../../helpers/sign-in";

const DOH = "https://cloudflare-dns.com/dns-query";

async function owner(plan = "free"): Promise<{ id: string; headers: Headers }> {
  const res = await api("POST", "/api/accounts", { name: "Acme Recruiting", plan, ownerEmail: "boss@acme.example.org" });
  expect(res.status).toBe(201);
  return { id: (await res.json()).id, headers: await followLatestLink("boss@acme.example.org") };
}

/** A DoH server holding `txt` at `_kakuremino.acme.example.org`; records every request it gets. */
function fakeDoh(answer: (name: string) => Response) {
  const requests: { url: string; method: string; accept: string | null }[] = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    if (!request.url.startsWith(DOH)) return realFetch(input, init);
    requests.push({ url: request.url, method: request.method, accept: request.headers.get("accept") });
    return answer(new URL(request.url).searchParams.get("name")!);
  });
  return requests;
}

function dnsJson(name: string, data: string[]): Response {
  return Response.json({ Status: 0, TC: false, RD: true, RA: true, AD: false, CD: false, Question: [{ name: `${name}.`, type: 16 }], Answer: data.map((d) => ({ name: `${name}.`, type: 16, TTL: 300, data: d })) }, { headers: { "content-type": "application/dns-json" } });
}

async function errorOf(res: Response) {
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}

describe("domains", () => {
  beforeEach(resetDatabase);
  afterEach(() => vi.restoreAllMocks());

  it("shows the records to set, and allows addresses on a domain only once its TXT record is seen", async () => {
    const { headers } = await owner();
    const added = await api("POST", "/api/domains", { name: " Acme.Example.ORG " }, headers);
    expect(added.status).toBe(201);
    const domain = await added.json();
    expect(domain).toMatchObject({ name: "acme.example.org", verified: false, verifiedAt: null });
    const token = domain.records[0].value.replace("kakuremino-verify=", "");
    expect(domain.records).toEqual([
      { type: "TXT", name: "_kakuremino.acme.example.org", value: `kakuremino-verify=${token}` },
      { type: "MX", name: "acme.example.org", value: "route1.mx.cloudflare.net" },
      { type: "MX", name: "acme.example.org", value: "route2.mx.cloudflare.net" },
      { type: "MX", name: "acme.example.org", value: "route3.mx.cloudflare.net" },
      { type: "TXT", name: "acme.example.org", value: "v=spf1 include:_spf.mx.cloudflare.net ~all" },
    ]);
    expect(await errorOf(await api("POST", "/api/addresses", { address: "jobs@acme.example.org" }, headers))).toEqual([403, "domain_not_verified"]);
    // The service's own domain needs nothing.
    expect((await api("POST", "/api/addresses", { address: "jobs@relay.example.jp" }, headers)).status).toBe(201);

    let published: string[] = ['"v=spf1 -all"'];
    const requests = fakeDoh((name) => dnsJson(name, published));
    expect(await errorOf(await api("POST", `/api/domains/${domain.id}/verify`, undefined, headers))).toEqual([422, "verification_failed"]);
    // Long TXT values may come as several <character-string>s; they are joined (RFC 1035 §3.3.14).
    published = ['"v=spf1 -all"', `"kakuremino-verify=${token.slice(0, 10)}" "${token.slice(10)}"`];
    const verified = await api("POST", `/api/domains/${domain.id}/verify`, undefined, headers);
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ verified: true, verifiedAt: expect.any(Number) });
    expect(requests).toEqual([
      { url: `${DOH}?name=_kakuremino.acme.example.org&type=TXT`, method: "GET", accept: "application/dns-json" },
      { url: `${DOH}?name=_kakuremino.acme.example.org&type=TXT`, method: "GET", accept: "application/dns-json" },
    ]);
    expect((await api("POST", "/api/addresses", { address: "jobs@acme.example.org" }, headers)).status).toBe(201);
    expect(await errorOf(await api("DELETE", `/api/domains/${domain.id}`, undefined, headers))).toEqual([409, "domain_in_use"]);
  });

  it("reports an unreachable or failing resolver, NXDOMAIN and bad names clearly", async () => {
    const { headers } = await owner();
    expect(await errorOf(await api("POST", "/api/domains", { name: "not a domain" }, headers))).toEqual([400, "invalid_request"]);
    expect(await errorOf(await api("POST", "/api/domains", { name: "relay.example.jp" }, headers))).toEqual([409, "service_domain"]);
    const domain = await (await api("POST", "/api/domains", { name: "acme.example.org" }, headers)).json();
    let answer = () => new Response("busy", { status: 502 });
    fakeDoh(() => answer());
    expect(await errorOf(await api("POST", `/api/domains/${domain.id}/verify`, undefined, headers))).toEqual([503, "dns_unavailable"]);
    answer = () => Response.json({ Status: 3, Question: [] });
    expect(await errorOf(await api("POST", `/api/domains/${domain.id}/verify`, undefined, headers))).toEqual([422, "verification_failed"]);
    answer = () => new Response("<html>", { status: 200 });
    expect(await errorOf(await api("POST", `/api/domains/${domain.id}/verify`, undefined, headers))).toEqual([503, "dns_unavailable"]);
    // DNS JSON in the wrong shape (Answer not a list, data not a string) is the resolver's fault too, not a 500.
    for (const body of [{ Status: 0, Answer: { data: "x" } }, { Status: 0, Answer: [{ type: 16, data: 7 }] }, { Status: 0, Answer: [null] }]) {
      answer = () => Response.json(body);
      expect([body, await errorOf(await api("POST", `/api/domains/${domain.id}/verify`, undefined, headers))]).toEqual([body, [503, "dns_unavailable"]]);
    }
    const [listed] = (await (await api("GET", "/api/domains", undefined, headers)).json()).domains;
    expect(listed).toMatchObject({ verified: false, lastCheckedAt: expect.any(Number) });
  });

  it("lets only one account hold a domain verified; an unverified claim blocks nobody", async () => {
    const squatter = await owner();
    await api("POST", "/api/domains", { name: "acme.example.org" }, squatter.headers);
    const res = await api("POST", "/api/accounts", { name: "Real Acme", plan: "standard", ownerEmail: "it@acme.example.org" });
    const real = await followLatestLink("it@acme.example.org");
    expect(res.status).toBe(201);
    const domain = await (await api("POST", "/api/domains", { name: "acme.example.org" }, real)).json();
    fakeDoh((name) => dnsJson(name, [`"kakuremino-verify=${domain.records[0].value.split("=")[1]}"`]));
    expect((await api("POST", `/api/domains/${domain.id}/verify`, undefined, real)).status).toBe(200);
    // Now the squatter can neither verify its claim nor add the name again.
    const [claim] = (await (await api("GET", "/api/domains", undefined, squatter.headers)).json()).domains;
    expect((await api("POST", `/api/domains/${claim.id}/verify`, undefined, squatter.headers)).status).toBe(422);
    await api("DELETE", `/api/domains/${claim.id}`, undefined, squatter.headers);
    expect(await errorOf(await api("POST", "/api/domains", { name: "acme.example.org" }, squatter.headers))).toEqual([409, "domain_taken"]);
  });
});

describe("plans and quotas", () => {
  beforeEach(resetDatabase);

  it("refuses the 6th address on the Free plan, and allows it after an upgrade", async () => {
    const { id, headers } = await owner("free");
    for (let i = 1; i <= 5; i++) expect((await api("POST", "/api/addresses", { address: `desk${i}@relay.example.jp` }, headers)).status).toBe(201);
    const refused = await api("POST", "/api/addresses", { address: "desk6@relay.example.jp" }, headers);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: "quota_addresses", message: "The Free plan allows 5 public addresses; this account has 5" } });
    const account = await (await api("GET", "/api/account", undefined, headers)).json();
    expect(account).toMatchObject({ plan: { id: "free", maxAddresses: 5, maxRecipients: 20, maxDomains: 1, monthlyMessages: 1000 }, usage: { addresses: 5, recipients: 0, domains: 0, messages: 0 } });
    expect(account.usage.month).toMatch(/^\d{4}-\d{2}$/);
    expect((await api("PATCH", `/api/accounts/${id}`, { plan: "standard" })).status).toBe(200);
    expect((await api("POST", "/api/addresses", { address: "desk6@relay.example.jp" }, headers)).status).toBe(201);
  });

  it("counts recipients across the account, for invitations and for rotations (all or nothing)", async () => {
    const { headers } = await owner("free");
    const a = await (await api("POST", "/api/addresses", { address: "a@relay.example.jp" }, headers)).json();
    const b = await (await api("POST", "/api/addresses", { address: "b@relay.example.jp" }, headers)).json();
    const emails = Array.from({ length: 15 }, (_, i) => `officer${i}@example.net`);
    expect(await (await api("PUT", `/api/addresses/${a.id}/recipients`, { emails }, headers)).json()).toEqual({ added: 15, removed: 0, kept: 0 });
    for (let i = 0; i < 5; i++) expect((await api("POST", `/api/addresses/${b.id}/recipients`, { email: `helper${i}@example.net` }, headers)).status).toBe(201);
    expect(await errorOf(await api("POST", `/api/addresses/${b.id}/recipients`, { email: "one.more@example.net" }, headers))).toEqual([403, "quota_recipients"]);
    // A webhook is a recipient too (the account's usage counts it): no way around the plan.
    expect(await errorOf(await api("POST", `/api/addresses/${b.id}/recipients`, { kind: "webhook", url: "https://hooks.example.com/desk" }, headers))).toEqual([403, "quota_recipients"]);
    // Replacing 15 by 16 would make 21: refused, and nothing changed.
    const more = [...emails.slice(1), "new1@example.net", "new2@example.net"];
    expect(await errorOf(await api("PUT", `/api/addresses/${a.id}/recipients`, { emails: more }, headers))).toEqual([403, "quota_recipients"]);
    expect(await (await api("GET", `/api/addresses/${a.id}/recipients`, undefined, headers)).json()).toHaveLength(15);
    // Replacing 15 by 15 others is fine at the limit.
    expect(await (await api("PUT", `/api/addresses/${a.id}/recipients`, { emails: [...emails.slice(1), "new1@example.net"] }, headers)).json()).toEqual({ added: 1, removed: 1, kept: 14 });
  });

  it("refuses a second domain on the Free plan", async () => {
    const { headers } = await owner("free");
    expect((await api("POST", "/api/domains", { name: "one.example.org" }, headers)).status).toBe(201);
    expect(await errorOf(await api("POST", "/api/domains", { name: "two.example.org" }, headers))).toEqual([403, "quota_domains"]);
  });

  it("lists the plans on sale", async () => {
    const { headers } = await owner();
    const plans = await (await api("GET", "/api/plans", undefined, headers)).json();
    expect(plans.map((p: { id: string; maxAddresses: number | null; maxRecipients: number | null }) => [p.id, p.maxAddresses, p.maxRecipients])).toEqual([
      ["business", 20, 200],
      ["domain", null, null],
      ["free", 5, 20],
      ["operator", null, null],
      ["standard", 10, 50],
    ]);
  });
});
