/**
 * Accounts, users and roles: what an owner, an admin and a member may each do, and that
 * nothing of one account is reachable from another.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { resetDatabase } from "../../helpers/factories";
import { api, outbox } from "../../helpers/relay";
import { followLatestLink, type Headers } from "../../helpers/sign-in";

const CHAIR = "chair@pta.example.org";
const SECRETARY = "secretary@pta.example.org";
const PARENT = "parent@pta.example.org";

async function createAccount(name: string, ownerEmail: string, plan = "free"): Promise<{ id: string; owner: Headers }> {
  const res = await api("POST", "/api/accounts", { name, plan, ownerEmail });
  expect(res.status).toBe(201);
  const body = await res.json();
  expect(body).toMatchObject({ name, plan: { id: plan }, owner: { email: ownerEmail, role: "owner" } });
  return { id: body.id, owner: await followLatestLink(ownerEmail) };
}

async function invite(owner: Headers, email: string, role: string): Promise<Headers> {
  const res = await api("POST", "/api/users", { email, role }, owner);
  expect(res.status).toBe(201);
  const mail = (await outbox()).find((o) => o.kind === "sign-in" && o.envelopeTo === email)!;
  // The invitation names the role: a member is not told it may manage the account.
  const words: Record<string, string> = { owner: "as an owner", admin: "as an admin", member: "as a member (the conversations of the addresses you answer)" };
  expect(mail.raw).toContain(`You were invited to "Sakura PTA" on Kakuremino ${words[role]}`);
  expect(mail.raw).not.toContain("manage \"");
  return followLatestLink(email);
}

describe("accounts and roles", () => {
  beforeEach(resetDatabase);

  it("the operator creates an account; its owner is invited by mail and signs in as owner", async () => {
    const { id, owner } = await createAccount("Sakura PTA", CHAIR);
    const me = await (await api("GET", "/api/session/me", undefined, owner)).json();
    expect(me).toMatchObject({ email: CHAIR, role: "owner", accountId: id, accountName: "Sakura PTA", addresses: [], recipients: [] });
    const listed = await (await api("GET", "/api/accounts")).json();
    expect(listed.map((a: { name: string }) => a.name)).toEqual(["Default", "Sakura PTA"]);
    expect((await api("POST", "/api/accounts", { name: "X", plan: "gold", ownerEmail: "a@example.org" })).status).toBe(400);
  });

  it("lists every account with its usage in a fixed number of queries, however many accounts there are", async () => {
    const statementsFor = async () => {
      const prepare = vi.spyOn(env.DB, "prepare");
      const listed = await (await api("GET", "/api/accounts")).json();
      const n = prepare.mock.calls.length;
      prepare.mockRestore();
      return { n, listed };
    };
    const { id } = await createAccount("Sakura PTA", CHAIR);
    await api("POST", `/api/addresses`, { address: "desk@relay.example.jp" });
    const few = await statementsFor();
    for (let i = 0; i < 5; i++) await createAccount(`Club ${i}`, `lead${i}@club.example.org`);
    const many = await statementsFor();
    expect(many.listed).toHaveLength(7);
    expect(many.n).toBe(few.n);
    expect(many.listed.find((a: { id: string }) => a.id === id)).toMatchObject({ name: "Sakura PTA", plan: { id: "free" }, usage: { addresses: 0, recipients: 0, domains: 0, messages: 0 } });
    expect(many.listed.find((a: { id: string }) => a.id === "acct_default")).toMatchObject({ plan: { id: "operator" }, usage: { addresses: 1 } });
  });

  it("refuses an empty plan name like any unknown plan, leaving the account's plan as it was", async () => {
    const { id, owner } = await createAccount("Sakura PTA", CHAIR);
    const res = await api("PATCH", `/api/accounts/${id}`, { plan: "" });
    expect([res.status, (await res.json()).error.code]).toEqual([400, "unknown_plan"]);
    const own = await api("PATCH", "/api/accounts/acct_default", { plan: "" });
    expect([own.status, (await own.json()).error.code]).toEqual([409, "operator_account"]);
    expect(await (await api("GET", "/api/account", undefined, owner)).json()).toMatchObject({ id, plan: { id: "free" } });
    expect(await (await api("GET", "/api/account")).json()).toMatchObject({ id: "acct_default", plan: { id: "operator" } });
  });

  it("keeps the operator plan, which skips domain verification, to the operator's own account", async () => {
    const refused = await api("POST", "/api/accounts", { name: "X", plan: "operator", ownerEmail: "a@example.org" });
    expect([refused.status, (await refused.json()).error.code]).toEqual([409, "operator_account"]);
    expect((await (await api("GET", "/api/accounts")).json()).map((a: { name: string }) => a.name)).toEqual(["Default"]);
    const { id, owner } = await createAccount("Sakura PTA", CHAIR);
    const upgraded = await api("PATCH", `/api/accounts/${id}`, { plan: "operator" });
    expect([upgraded.status, (await upgraded.json()).error.code]).toEqual([409, "operator_account"]);
    const demoted = await api("PATCH", "/api/accounts/acct_default", { plan: "free" });
    expect([demoted.status, (await demoted.json()).error.code]).toEqual([409, "operator_account"]);
    expect((await api("PATCH", "/api/accounts/acct_default", { plan: "operator" })).status).toBe(200);
    // So a tenant still needs a verified domain for addresses off the service domains.
    const res = await api("POST", "/api/addresses", { address: "desk@other.example.org" }, owner);
    expect([res.status, (await res.json()).error.code]).toEqual([403, "domain_not_verified"]);
  });

  it("gives each role exactly its rights", async () => {
    const { owner } = await createAccount("Sakura PTA", CHAIR);
    const admin = await invite(owner, SECRETARY, "admin");
    const member = await invite(owner, PARENT, "member");

    // Admin: manages addresses, recipients and domains; sees users and the audit log; not users' roles.
    const created = await api("POST", "/api/addresses", { address: "window@relay.example.jp", displayName: "PTA window" }, admin);
    expect(created.status).toBe(201);
    const addressId = (await created.json()).id;
    expect((await api("POST", `/api/addresses/${addressId}/recipients`, { email: "officer@example.net" }, admin)).status).toBe(201);
    expect((await api("GET", "/api/users", undefined, admin)).status).toBe(200);
    expect((await api("GET", "/api/audit", undefined, admin)).status).toBe(200);
    expect((await api("GET", "/api/account", undefined, admin)).status).toBe(200);
    for (const [method, path, body] of [
      ["POST", "/api/users", { email: "x@example.org", role: "admin" }],
      ["PATCH", "/api/account", { name: "Mine now" }],
      ["DELETE", "/api/account", { confirm: "Sakura PTA" }],
    ] as const) {
      const res = await api(method, path, body, admin);
      expect([path, res.status, (await res.json()).error.code]).toEqual([path, 403, "forbidden"]);
    }

    // Member: its own conversations only.
    expect((await api("GET", "/api/conversations", undefined, member)).status).toBe(200);
    for (const [method, path] of [
      ["GET", "/api/addresses"],
      ["POST", "/api/addresses"],
      ["GET", `/api/addresses/${addressId}/recipients`],
      ["DELETE", `/api/addresses/${addressId}`],
      ["GET", "/api/users"],
      ["GET", "/api/domains"],
      ["GET", "/api/audit"],
      ["GET", "/api/audit.csv"],
      ["GET", "/api/account"],
    ] as const) {
      expect([method, path, (await api(method, path, method === "POST" ? { address: "a@relay.example.jp" } : undefined, member)).status]).toEqual([method, path, 403]);
    }

    // Owner: users and roles; the operator's routes stay closed to it.
    const users = await (await api("GET", "/api/users", undefined, owner)).json();
    expect(users.map((u: { email: string; role: string }) => [u.email, u.role])).toEqual([
      [CHAIR, "owner"],
      [SECRETARY, "admin"],
      [PARENT, "member"],
    ]);
    const parentId = users[2].id;
    expect((await api("PATCH", `/api/users/${parentId}`, { role: "admin" }, owner)).status).toBe(200);
    expect((await api("GET", "/api/addresses", undefined, member)).status).toBe(200);
    expect((await api("GET", "/api/accounts", undefined, owner)).status).toBe(403);
    expect((await api("GET", "/api/outbox", undefined, owner)).status).toBe(403);

    // Cookie changes need the CSRF header.
    expect((await api("POST", "/api/addresses", { address: "b@relay.example.jp" }, { cookie: owner.cookie })).status).toBe(403);

    // The audit log names the acting user and its address, never a recipient's.
    const audit = await (await api("GET", "/api/audit", undefined, owner)).json();
    const create = audit.find((e: { action: string }) => e.action === "address.create");
    expect(create).toMatchObject({ actorEmail: SECRETARY, target: addressId });
    expect(create.actor).toMatch(/^user:/);
  });

  it("keeps at least one owner", async () => {
    const { owner } = await createAccount("Sakura PTA", CHAIR);
    const [me] = await (await api("GET", "/api/users", undefined, owner)).json();
    const demote = await api("PATCH", `/api/users/${me.id}`, { role: "admin" }, owner);
    expect([demote.status, (await demote.json()).error.code]).toEqual([409, "last_owner"]);
    expect((await api("DELETE", `/api/users/${me.id}`, undefined, owner)).status).toBe(409);
    await invite(owner, SECRETARY, "owner");
    expect((await api("PATCH", `/api/users/${me.id}`, { role: "admin" }, owner)).status).toBe(200);
    // Now an admin: user management is closed to it at once (roles are read per request).
    expect((await api("GET", "/api/users", undefined, owner)).status).toBe(200);
    expect((await api("POST", "/api/users", { email: PARENT, role: "member" }, owner)).status).toBe(403);
  });

  it("keeps an owner when two owners demote or remove each other at the same moment", async () => {
    for (const change of [{ method: "PATCH", body: { role: "admin" } }, { method: "DELETE", body: undefined }]) {
      await resetDatabase();
      const { id: accountId, owner: chair } = await createAccount("Sakura PTA", CHAIR);
      const secretary = await invite(chair, SECRETARY, "owner");
      const [chairUser, secretaryUser] = await (await api("GET", "/api/users", undefined, chair)).json();
      const results = await Promise.all([
        api(change.method, `/api/users/${secretaryUser.id}`, change.body, chair),
        api(change.method, `/api/users/${chairUser.id}`, change.body, secretary),
      ]);
      const outcomes = await Promise.all(results.map(async (r) => (r.status === 409 ? (await r.json()).error.code : r.status)));
      expect(outcomes.sort()).toEqual([change.method === "PATCH" ? 200 : 204, "last_owner"].sort());
      const owners = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE role = 'owner' AND account_id = ?").bind(accountId).first<{ n: number }>();
      expect(owners?.n).toBe(1);
    }
  });

  it("refuses every cross-account access as if the thing did not exist", async () => {
    const a = await createAccount("Sakura PTA", CHAIR);
    const b = await createAccount("Momiji PTA", "chair@momiji.example.org");
    const address = await (await api("POST", "/api/addresses", { address: "window@relay.example.jp" }, a.owner)).json();
    const recipient = await (await api("POST", `/api/addresses/${address.id}/recipients`, { email: "officer@example.net" }, a.owner)).json();
    const domain = await (await api("POST", "/api/domains", { name: "sakura.example.org" }, a.owner)).json();
    const [userA] = await (await api("GET", "/api/users", undefined, a.owner)).json();

    expect(await (await api("GET", "/api/addresses", undefined, b.owner)).json()).toEqual([]);
    expect((await (await api("GET", "/api/domains", undefined, b.owner)).json()).domains).toEqual([]);
    for (const [method, path, body] of [
      ["PATCH", `/api/addresses/${address.id}`, { displayName: "mine" }],
      ["DELETE", `/api/addresses/${address.id}`, undefined],
      ["GET", `/api/addresses/${address.id}/recipients`, undefined],
      ["POST", `/api/addresses/${address.id}/recipients`, { email: "spy@example.net" }],
      ["PUT", `/api/addresses/${address.id}/recipients`, { emails: ["spy@example.net"] }],
      ["DELETE", `/api/addresses/${address.id}/recipients/${recipient.id}`, undefined],
      ["POST", `/api/addresses/${address.id}/recipients/${recipient.id}/resend`, undefined],
      ["POST", `/api/addresses/${address.id}/recipients/${recipient.id}/keys`, { label: "x" }],
      ["POST", `/api/addresses/${address.id}/forms`, { name: "x" }],
      ["POST", `/api/domains/${domain.id}/verify`, undefined],
      ["DELETE", `/api/domains/${domain.id}`, undefined],
      ["PATCH", `/api/users/${userA.id}`, { role: "member" }],
      ["DELETE", `/api/users/${userA.id}`, undefined],
    ] as const) {
      expect([method, path, (await api(method, path, body, b.owner)).status]).toEqual([method, path, 404]);
    }
    // Nothing changed in account A.
    expect((await (await api("GET", "/api/addresses", undefined, a.owner)).json())[0]).toMatchObject({ displayName: "", recipientCount: 1 });
    // B's trail holds only the operator creating it: none of the refused attempts.
    expect((await (await api("GET", "/api/audit", undefined, b.owner)).json()).map((e: { action: string }) => e.action)).toEqual(["account.create"]);
  });

  it("shows an account's owners what the operator did to it, without the operator's network address", async () => {
    const { id, owner } = await createAccount("Sakura PTA", CHAIR);
    expect((await api("PATCH", `/api/accounts/${id}`, { plan: "standard" }, { authorization: "Bearer test-admin-token", "cf-connecting-ip": "198.51.100.7" })).status).toBe(200);
    const trail = await (await api("GET", "/api/audit", undefined, owner)).json();
    expect(trail.map((e: { action: string; actor: string; actorEmail: string | null; target: string; ip: string }) => [e.action, e.actor, e.actorEmail, e.target, e.ip])).toEqual([
      ["account.update:plan", "operator", null, id, ""],
      ["account.create", "operator", null, id, ""],
    ]);
    // The operator's own trail keeps both, with where the change came from.
    const operatorTrail = await (await api("GET", "/api/audit")).json();
    expect(operatorTrail.filter((e: { target: string }) => e.target === id).map((e: { action: string; ip: string }) => [e.action, e.ip])).toEqual([
      ["account.update:plan", "198.51.100.7"],
      ["account.create", ""],
    ]);
  });

  it("refuses an update with nothing to change (it used to fail inside the database)", async () => {
    const { id, owner } = await createAccount("Sakura PTA", CHAIR);
    const address = await (await api("POST", "/api/addresses", { address: "window@relay.example.jp" }, owner)).json();
    for (const [path, headers] of [
      [`/api/addresses/${address.id}`, owner],
      [`/api/accounts/${id}`, undefined],
    ] as const) {
      const res = await api("PATCH", path, {}, headers);
      expect([path, res.status, await res.json()]).toEqual([path, 400, { error: { code: "empty_update", message: "Send at least one field to change" } }]);
    }
  });
});
