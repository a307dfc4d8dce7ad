/**
 * Every API route, table-driven: who may call it. A route missing from the table fails the test,
 * so a new route cannot ship without its policy. For each route: nobody signed in → 401; a role
 * below the route's → 403; someone of another account (or another recipient) aimed at this
 * account's ids → 404, and nothing changes.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../../../worker/app";
import { resetDatabase } from "../../helpers/factories";
import { api, inject, outbox } from "../../helpers/relay";
import { followLatestLink, signIn, type Headers } from "../../helpers/sign-in";

type Policy = "public" | "correspondent" | "member" | "admin" | "owner" | "operator";

/** The minimum caller per route ("correspondent" = a signed-in recipient or a system's API key). */
const POLICY: Record<string, Policy> = {
  "POST /api/session/request": "public",
  "GET /api/openapi.json": "public",
  "POST /api/session/sign-out": "member",
  "GET /api/session/me": "member",
  "DELETE /api/session/me/recipients/:rid": "member",
  "GET /api/conversations": "correspondent",
  "GET /api/conversations/:id": "correspondent",
  "POST /api/conversations/:id/messages": "correspondent",
  "GET /api/plans": "member",
  "GET /api/account": "admin",
  "PATCH /api/account": "owner",
  "DELETE /api/account": "owner",
  "GET /api/accounts": "operator",
  "POST /api/accounts": "operator",
  "PATCH /api/accounts/:accountId": "operator",
  "DELETE /api/accounts/:accountId": "operator",
  "GET /api/users": "admin",
  "POST /api/users": "owner",
  "PATCH /api/users/:userId": "owner",
  "DELETE /api/users/:userId": "owner",
  "GET /api/domains": "admin",
  "POST /api/domains": "admin",
  "POST /api/domains/:domainId/verify": "admin",
  "DELETE /api/domains/:domainId": "admin",
  "GET /api/addresses": "admin",
  "POST /api/addresses": "admin",
  "PATCH /api/addresses/:id": "admin",
  "DELETE /api/addresses/:id": "admin",
  "GET /api/addresses/:id/recipients": "admin",
  "POST /api/addresses/:id/recipients": "admin",
  "PUT /api/addresses/:id/recipients": "admin",
  "DELETE /api/addresses/:id/recipients/:rid": "admin",
  "POST /api/addresses/:id/recipients/:rid/resend": "admin",
  "POST /api/addresses/:id/recipients/:rid/keys": "admin",
  "GET /api/addresses/:id/recipients/:rid/keys": "admin",
  "DELETE /api/addresses/:id/recipients/:rid/keys/:keyId": "admin",
  "POST /api/addresses/:id/forms": "admin",
  "GET /api/addresses/:id/forms": "admin",
  "DELETE /api/addresses/:id/forms/:formId": "admin",
  "GET /api/addresses/:id/forms/:formId/embed": "member",
  "GET /api/forms": "member",
  "POST /api/addresses/:id/recipients/:rid/webhook-secret": "admin",
  "GET /api/addresses/:id/sender-rules": "admin",
  "POST /api/addresses/:id/sender-rules": "admin",
  "DELETE /api/addresses/:id/sender-rules/:ruleId": "admin",
  "GET /api/addresses/:id/sender": "admin",
  "PUT /api/addresses/:id/sender": "admin",
  "DELETE /api/addresses/:id/sender": "admin",
  "GET /api/audit": "admin",
  "GET /api/audit.csv": "admin",
  "GET /api/outbox": "operator",
  "POST /api/keys/reseal": "operator",
};

/** Valid bodies, so that a refusal below is about who calls, not about the input. */
const BODY: Record<string, unknown> = {
  "POST /api/conversations/:id/messages": { text: "hello" },
  "PATCH /api/account": { name: "Taken over" },
  "DELETE /api/account": { confirm: "Sakura PTA" },
  "POST /api/accounts": { name: "X", plan: "free", ownerEmail: "x@example.org" },
  "PATCH /api/accounts/:accountId": { plan: "business" },
  "POST /api/users": { email: "intruder@example.org", role: "owner" },
  "PATCH /api/users/:userId": { role: "owner" },
  "POST /api/domains": { name: "intruder.example.org" },
  "POST /api/addresses": { address: "intruder@relay.example.jp" },
  "PATCH /api/addresses/:id": { displayName: "Taken over" },
  "POST /api/addresses/:id/recipients": { email: "intruder@example.org" },
  "PUT /api/addresses/:id/recipients": { emails: ["intruder@example.org"] },
  "POST /api/addresses/:id/recipients/:rid/keys": { label: "intruder" },
  "POST /api/addresses/:id/forms": { name: "intruder" },
  "POST /api/addresses/:id/sender-rules": { kind: "block", pattern: "@example.com" },
  "PUT /api/addresses/:id/sender": { mailer: "smtp", smtp: { host: "mail.intruder.example", port: 587, username: "u", password: "p" } },
};

const RANK: Record<Policy, number> = { public: -1, correspondent: 0, member: 0, admin: 1, owner: 2, operator: 3 };

/** Hono's route table, as "METHOD path", for the JSON API (middleware entries left out). */
function apiRoutes(): string[] {
  return [...new Set(app.routes.filter((r) => r.path.startsWith("/api/") && r.method !== "ALL").map((r) => `${r.method} ${r.path}`))].sort();
}

interface World {
  ids: Record<string, string>;
  ownerA: Headers;
  adminA: Headers;
  memberA: Headers;
  ownerB: Headers;
  memberB: Headers;
  systemB: Headers;
}

async function verifyNewest(): Promise<void> {
  const link = (await outbox()).find((o) => o.kind === "verification")!.raw.match(/\/verify\/([a-z2-7]+)/)![1];
  expect((await api("POST", `/verify/${link}`, undefined, { accept: "application/json" })).status).toBe(200);
}

/** Account A with an owner, an admin and a member who has a conversation; account B likewise. */
async function world(): Promise<World> {
  const a = await (await api("POST", "/api/accounts", { name: "Sakura PTA", plan: "business", ownerEmail: "owner@a.example.org" })).json();
  const ownerA = await followLatestLink("owner@a.example.org");
  await api("POST", "/api/users", { email: "admin@a.example.org", role: "admin" }, ownerA);
  const adminA = await followLatestLink("admin@a.example.org");
  const address = await (await api("POST", "/api/addresses", { address: "window@relay.example.jp" }, ownerA)).json();
  const recipient = await (await api("POST", `/api/addresses/${address.id}/recipients`, { email: "member@a.example.org" }, ownerA)).json();
  await verifyNewest();
  const { sent } = await inject({ from: "parent@example.com", to: "window@relay.example.jp", raw: "From: parent@example.com\r\nTo: window@relay.example.jp\r\nSubject: Field trip\r\nMessage-ID: <p1@example.com>\r\n\r\nhello\r\n" });
  expect(sent).toHaveLength(1);
  const memberA = await signIn("member@a.example.org");
  const [conversation] = (await (await api("GET", "/api/conversations", undefined, memberA)).json()).items;
  const key = await (await api("POST", `/api/addresses/${address.id}/recipients/${recipient.id}/keys`, { label: "epro" }, ownerA)).json();
  const form = await (await api("POST", `/api/addresses/${address.id}/forms`, { name: "Inquiry" }, ownerA)).json();
  const domain = await (await api("POST", "/api/domains", { name: "sakura.example.org" }, ownerA)).json();
  const rule = await (await api("POST", `/api/addresses/${address.id}/sender-rules`, { kind: "block", pattern: "@spam.example" }, ownerA)).json();
  const users = await (await api("GET", "/api/users", undefined, ownerA)).json();
  const memberUser = users.find((u: { email: string }) => u.email === "member@a.example.org");

  await api("POST", "/api/accounts", { name: "Momiji PTA", plan: "business", ownerEmail: "owner@b.example.org" });
  const ownerB = await followLatestLink("owner@b.example.org");
  const addressB = await (await api("POST", "/api/addresses", { address: "momiji@relay.example.jp" }, ownerB)).json();
  const recipientB = await (await api("POST", `/api/addresses/${addressB.id}/recipients`, { email: "member@b.example.org" }, ownerB)).json();
  await verifyNewest();
  const memberB = await signIn("member@b.example.org");
  const keyB = await (await api("POST", `/api/addresses/${addressB.id}/recipients/${recipientB.id}/keys`, { label: "b" }, ownerB)).json();

  return {
    ids: { accountId: a.id, id: address.id, rid: recipient.id, keyId: key.id, formId: form.id, domainId: domain.id, ruleId: rule.id, userId: memberUser.id, conversation: conversation.id },
    ownerA,
    adminA,
    memberA,
    ownerB,
    memberB,
    systemB: { authorization: `Bearer ${keyB.key}` },
  };
}

function fill(route: string, ids: Record<string, string>): string {
  const path = route.split(" ")[1];
  if (path.startsWith("/api/conversations/")) return path.replace(":id", ids.conversation);
  return path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? `missing-${name}`);
}

async function call(route: string, ids: Record<string, string>, headers: Headers): Promise<number> {
  const method = route.split(" ")[0];
  const res = await api(method, fill(route, ids), method === "GET" ? undefined : (BODY[route] ?? {}), headers);
  return res.status;
}

/** What account A looks like through its owner's eyes: must be the same after every refusal. */
async function snapshotA(w: World): Promise<string> {
  const parts = await Promise.all(["/api/addresses", `/api/addresses/${w.ids.id}/recipients`, `/api/addresses/${w.ids.id}/sender`, `/api/addresses/${w.ids.id}/sender-rules`, `/api/addresses/${w.ids.id}/forms`, "/api/users", "/api/domains", "/api/account"].map(async (p) => JSON.stringify(await (await api("GET", p, undefined, w.ownerA)).json())));
  const conversation = JSON.stringify(await (await api("GET", `/api/conversations/${w.ids.conversation}`, undefined, w.memberA)).json());
  return [...parts, conversation].join("\n").replace(/"lastCheckedAt":\d+/g, "").replace(/"readAt":\d+/g, "")
    // Reading the conversation for the snapshot itself marks it read.
    .replace(/"unread":(true|false)/g, "");
}

describe("authorization over every route", () => {
  beforeEach(resetDatabase);

  it("has a policy for every API route and no stale entry", () => {
    const routes = apiRoutes();
    const missing = routes.filter((r) => !(r in POLICY));
    const stale = Object.keys(POLICY).filter((r) => !routes.includes(r));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it("refuses the anonymous, the too-low roles and other accounts, and changes nothing", async () => {
    const w = await world();
    const before = await snapshotA(w);
    const outcomes: string[] = [];
    const expectStatus = async (route: string, who: string, headers: Headers, want: number) => {
      const got = await call(route, w.ids, headers);
      if (got !== want) outcomes.push(`${route} as ${who}: ${got}, want ${want}`);
    };
    for (const route of apiRoutes()) {
      const policy = POLICY[route];
      if (policy === "public") continue;
      await expectStatus(route, "nobody", {}, 401);
      if (RANK[policy] > RANK.member) await expectStatus(route, "member of A", w.memberA, 403);
      if (RANK[policy] > RANK.admin) await expectStatus(route, "admin of A", w.adminA, 403);
      if (RANK[policy] > RANK.owner) await expectStatus(route, "owner of A", w.ownerA, 403);
      const aimedAtA = /:\w+/.test(route.split(" ")[1]);
      if (!aimedAtA) continue;
      if (policy === "member" || policy === "admin" || policy === "owner") await expectStatus(route, "owner of B", w.ownerB, 404);
      if (policy === "correspondent" || route.startsWith("DELETE /api/session/me/")) {
        await expectStatus(route, "member of B", w.memberB, 404);
        if (policy === "correspondent") await expectStatus(route, "system of B", w.systemB, 404);
      }
    }
    expect(outcomes).toEqual([]);
    const after = await snapshotA(w);
    expect(after.split("\n")).toEqual(before.split("\n"));
  });
});
