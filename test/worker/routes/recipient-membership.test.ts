/**
 * A recipient who signs in becomes a member user of the account (routes/session.ts); removing the
 * recipient, however it happens, must end that membership and its sessions, or an officer rotated
 * out would go on signing in and stay on the Users page with its sealed address.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { STAFF_ONE, STAFF_TWO } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api, outbox } from "../../helpers/relay";
import { signIn, type Headers } from "../../helpers/sign-in";

interface SignedIn {
  headers: Headers;
  userId: string;
  emailHash: string;
}

async function usersOfAccount(): Promise<{ id: string; email: string; role: string }[]> {
  return (await api("GET", "/api/users")).json();
}

async function signedIn(email: string): Promise<SignedIn> {
  const headers = await signIn(email);
  expect((await api("GET", "/api/session/me", undefined, headers)).status).toBe(200);
  const user = (await usersOfAccount()).find((u) => u.email === email)!;
  const row = await env.DB.prepare("SELECT email_hash FROM users WHERE id = ?").bind(user.id).first<{ email_hash: string }>();
  return { headers, userId: user.id, emailHash: row!.email_hash };
}

async function recipientId(addressId: string, email: string): Promise<string> {
  const rows: { id: string; email: string }[] = await (await api("GET", `/api/addresses/${addressId}/recipients`)).json();
  return rows.find((r) => r.email === email)!.id;
}

const count = async (query: string, ...values: string[]) => (await env.DB.prepare(query).bind(...values).first<{ n: number }>())!.n;

async function expectNoLongerMember(email: string, who: SignedIn) {
  expect((await api("GET", "/api/session/me", undefined, who.headers)).status).toBe(401);
  expect((await api("GET", "/api/conversations", undefined, who.headers)).status).toBe(401);
  expect((await usersOfAccount()).map((u) => u.email)).not.toContain(email);
  // Nothing of the person is left among users, nor any session of its user.
  expect(await count("SELECT count(*) AS n FROM users WHERE email_hash = ?", who.emailHash)).toBe(0);
  expect(await count("SELECT count(*) AS n FROM sessions WHERE user_id = ?", who.userId)).toBe(0);
}

describe("a removed recipient stops being a member of the account", () => {
  beforeEach(resetDatabase);

  it.each([
    ["by an admin", async (addressId: string) => api("DELETE", `/api/addresses/${addressId}/recipients/${await recipientId(addressId, STAFF_ONE)}`), 204],
    ["by a rotation that leaves it out", async (addressId: string) => api("PUT", `/api/addresses/${addressId}/recipients`, { emails: [STAFF_TWO] }), 200],
    ["with its public address", async (addressId: string) => api("DELETE", `/api/addresses/${addressId}`), 204],
    ["by itself", async (addressId: string, one: SignedIn) => api("DELETE", `/api/session/me/recipients/${await recipientId(addressId, STAFF_ONE)}`, undefined, one.headers), 204],
  ] as const)("removed %s: its user and sessions go", async (how, remove, status) => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE, STAFF_TWO] });
    const one = await signedIn(STAFF_ONE);
    const two = await signedIn(STAFF_TWO);
    expect((await usersOfAccount()).filter((u) => u.role === "member").map((u) => u.email).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
    expect((await remove(id, one)).status).toBe(status);
    await expectNoLongerMember(STAFF_ONE, one);
    // A recipient left on the address keeps its membership.
    const stays = (await api("GET", "/api/session/me", undefined, two.headers)).status;
    expect(stays).toBe(how === "with its public address" ? 401 : 200);
    // Asking again for a link mails nothing: nothing in the account lets the person sign in.
    const signInMails = async () => (await outbox()).filter((o) => o.kind === "sign-in" && o.envelopeTo === STAFF_ONE).length;
    const before = await signInMails();
    expect((await api("POST", "/api/session/request", { email: STAFF_ONE }, {})).status).toBe(202);
    expect(await signInMails()).toBe(before);
    expect(await count("SELECT count(*) AS n FROM users WHERE email_hash = ?", one.emailHash)).toBe(0);
  });

  it("ends the session of a recipient that removes itself, and clears its cookie", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const one = await signedIn(STAFF_ONE);
    const removed = await api("DELETE", `/api/session/me/recipients/${await recipientId(id, STAFF_ONE)}`, undefined, one.headers);
    expect(removed.status).toBe(204);
    expect(removed.headers.get("set-cookie")).toMatch(/^km_session=; Max-Age=0; Path=\/; Secure/);
    await expectNoLongerMember(STAFF_ONE, one);
  });

  it("keeps a member who still receives another public address of the account, until the last one goes", async () => {
    const first = await makeAddress({ address: "first@relay.example.jp", recipients: [STAFF_ONE] });
    const second = await makeAddress({ address: "second@relay.example.jp", recipients: [STAFF_ONE] });
    const one = await signedIn(STAFF_ONE);
    expect((await api("DELETE", `/api/addresses/${first.id}/recipients/${await recipientId(first.id, STAFF_ONE)}`)).status).toBe(204);
    const me = await api("GET", "/api/session/me", undefined, one.headers);
    expect([me.status, (await me.json()).addresses]).toEqual([200, [{ address: "second@relay.example.jp", displayName: "Example Support Desk" }]]);
    expect(await usersOfAccount()).toEqual([{ id: one.userId, email: STAFF_ONE, role: "member", createdAt: expect.any(Number) }]);
    const removed = await api("DELETE", `/api/session/me/recipients/${await recipientId(second.id, STAFF_ONE)}`, undefined, one.headers);
    expect([removed.status, removed.headers.get("set-cookie")]).toEqual([204, expect.stringMatching(/^km_session=;/)]);
    await expectNoLongerMember(STAFF_ONE, one);
  });

  it.each(["admin", "owner"] as const)("keeps an %s who is also a recipient: it was made a user in its own right", async (role) => {
    expect((await api("POST", "/api/users", { email: STAFF_ONE, role })).status).toBe(201);
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const one = await signedIn(STAFF_ONE);
    const removed = await api("DELETE", `/api/session/me/recipients/${await recipientId(id, STAFF_ONE)}`, undefined, one.headers);
    expect([removed.status, removed.headers.get("set-cookie")]).toEqual([204, null]);
    const me = await api("GET", "/api/session/me", undefined, one.headers);
    expect([me.status, (await me.json()).role]).toEqual([200, role]);
    expect((await usersOfAccount()).find((u) => u.email === STAFF_ONE)).toMatchObject({ id: one.userId, role });
    expect(await count("SELECT count(*) AS n FROM sessions WHERE user_id = ?", one.userId)).toBe(1);
  });

  it("keeps members who are no recipient of the address, and the person's membership of other accounts", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const one = await signedIn(STAFF_ONE);
    // Invited by the owner as a member, not as a recipient.
    expect((await api("POST", "/api/users", { email: "invited.member@example.org", role: "member" })).status).toBe(201);
    const other = await (await api("POST", "/api/accounts", { name: "Other PTA", plan: "free", ownerEmail: "owner@other.example.org" })).json();
    await env.DB.prepare("INSERT INTO users (id, account_id, email_hash, email_enc, role) SELECT 'elsewhere', ?, email_hash, email_enc, 'member' FROM users WHERE id = ?").bind(other.id, one.userId).run();
    expect((await api("DELETE", `/api/addresses/${id}`)).status).toBe(204);
    await expect(usersOfAccount()).resolves.toEqual([{ id: expect.any(String), email: "invited.member@example.org", role: "member", createdAt: expect.any(Number) }]);
    expect(await count("SELECT count(*) AS n FROM users WHERE email_hash = ? AND account_id = 'acct_default'", one.emailHash)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM users WHERE email_hash = ? AND id = 'elsewhere'", one.emailHash)).toBe(1);
  });

  it("removes every member of an address with more recipients than D1 binds in one statement", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const one = await signedIn(STAFF_ONE);
    const hashes = Array.from({ length: 150 }, (_, i) => `bulk-hash-${i}`);
    await env.DB.batch(
      hashes.flatMap((hash, i) => [
        env.DB.prepare("INSERT INTO recipients (id, public_address_id, email_hash, email_enc, verified_at) VALUES (?, ?, ?, 'sealed', 1)").bind(`bulk-r-${i}`, id, hash),
        env.DB.prepare("INSERT INTO users (id, account_id, email_hash, email_enc) VALUES (?, 'acct_default', ?, 'sealed')").bind(`bulk-u-${i}`, hash),
      ]),
    );
    expect(await count("SELECT count(*) AS n FROM users WHERE role = 'member'")).toBe(151);
    expect((await api("DELETE", `/api/addresses/${id}`)).status).toBe(204);
    expect(await count("SELECT count(*) AS n FROM users")).toBe(0);
    await expectNoLongerMember(STAFF_ONE, one);
  });
});
