import { describe, expect, it, vi } from "vitest";
import { ApiFailure, type Account, type Domain, type Me, type Role, type User } from "../../web/src/lib/api";
import { AccountState, usageBars } from "../../web/src/lib/state/account.svelte";
import { AuditState } from "../../web/src/lib/state/audit.svelte";
import { DomainsState } from "../../web/src/lib/state/domains.svelte";
import { SessionState } from "../../web/src/lib/state/session.svelte";
import { UsersState } from "../../web/src/lib/state/users.svelte";

const refused = (status: number, code: string, message: string) => Promise.reject(new ApiFailure(status, code, message));

const FREE = { id: "free", name: "Free", maxAddresses: 5, maxRecipients: 20, maxDomains: 1, monthlyMessages: 1000 };

function account(usage: Partial<Account["usage"]> = {}, plan = FREE): Account {
  return { id: "acct_1", name: "PTA", plan, usage: { addresses: 1, recipients: 0, domains: 0, messages: 0, month: "2026-12", ...usage } };
}

describe("AccountState", () => {
  it("sets usage against the plan, capped, with unlimited limits left without a bar", () => {
    expect(usageBars(account({ addresses: 1, recipients: 19, domains: 2, messages: 10 }))).toEqual([
      { key: "addresses", used: 1, limit: 5, fraction: 0.2, nearLimit: false },
      { key: "recipients", used: 19, limit: 20, fraction: 0.95, nearLimit: true },
      { key: "domains", used: 2, limit: 1, fraction: 1, nearLimit: true },
      { key: "messages", used: 10, limit: 1000, fraction: 0.01, nearLimit: false },
    ]);
    const operator = usageBars(account({ addresses: 7 }, { ...FREE, maxAddresses: null as unknown as number }));
    expect(operator[0]).toEqual({ key: "addresses", used: 7, limit: null, fraction: null, nearLimit: false });
  });

  it("offers deletion for every account but the operator's own, which the server refuses to delete", async () => {
    const state = new AccountState({ account: vi.fn(async () => account()), renameAccount: vi.fn(), deleteAccount: vi.fn() });
    expect(state.deletable).toBe(false);
    await state.load();
    expect(state.deletable).toBe(true);
    const operator = new AccountState({ account: vi.fn(async () => account({}, { id: "operator", name: "Operator", maxAddresses: null, maxRecipients: null, maxDomains: null, monthlyMessages: null } as unknown as typeof FREE)), renameAccount: vi.fn(), deleteAccount: vi.fn() });
    await operator.load();
    expect(operator.deletable).toBe(false);
  });

  it("loads, renames and refuses a deletion whose name does not match", async () => {
    const api = {
      account: vi.fn(async () => account()),
      renameAccount: vi.fn(async (name: string) => ({ ...account(), name })),
      deleteAccount: vi.fn(async (confirm: string) => (confirm === "PTA 2027" ? undefined : refused(400, "confirmation_mismatch", "Type the account's name exactly to confirm"))),
    };
    const state = new AccountState(api);
    await state.load();
    expect(state.bars.map((b) => `${b.key} ${b.used}/${b.limit}`)).toEqual(["addresses 1/5", "recipients 0/20", "domains 0/1", "messages 0/1000"]);
    expect(await state.rename("  PTA 2027 ")).toBe(true);
    expect(api.renameAccount).toHaveBeenCalledWith("PTA 2027");
    expect(state.account?.name).toBe("PTA 2027");
    expect(await state.remove("PTA")).toBe(false);
    expect(state.deleting.error?.code).toBe("confirmation_mismatch");
    expect(await state.remove("PTA 2027")).toBe(true);
  });
});

describe("UsersState", () => {
  it("invites with a role, changes roles, and shows 409 last_owner on the row", async () => {
    let rows: User[] = [{ id: "u1", email: "owner@example.net", role: "owner", createdAt: 1 }];
    const api = {
      users: vi.fn(async () => rows),
      inviteUser: vi.fn(async (email: string, role: Role) => {
        const user = { id: `u${rows.length + 1}`, email, role, createdAt: 2 };
        rows = [...rows, user];
        return user;
      }),
      changeRole: vi.fn(async (id: string, role: Role) => (id === "u1" && role !== "owner" ? refused(409, "last_owner", "An account needs at least one owner; make someone else owner first") : { id, email: "", role, createdAt: 0 })),
      removeUser: vi.fn(async (id: string) => (id === "u1" ? refused(409, "last_owner", "An account needs at least one owner") : undefined)),
    };
    const users = new UsersState(api);
    await users.load();
    expect(await users.invite(" admin@example.net ", "admin")).toBe(true);
    expect(api.inviteUser).toHaveBeenCalledWith("admin@example.net", "admin");
    expect(users.items.map((u) => `${u.email}:${u.role}`)).toEqual(["owner@example.net:owner", "admin@example.net:admin"]);
    expect(await users.changeRole("u1", "admin")).toBe(false);
    expect(users.row.errorFor("u1")?.code).toBe("last_owner");
    expect(users.items[0].role).toBe("owner");
    expect(await users.changeRole("u2", "member")).toBe(true);
    expect(users.items[1].role).toBe("member");
    expect(users.row.errorFor("u1")).toBeNull();
    expect(await users.remove("u1")).toBe(false);
    expect(await users.remove("u2")).toBe(true);
    expect(users.items.map((u) => u.id)).toEqual(["u1"]);
  });
});

describe("DomainsState", () => {
  const claimed = (verified: boolean): Domain => ({
    id: "d1",
    name: "acme.example.org",
    verified,
    verifiedAt: verified ? 5 : null,
    lastCheckedAt: 5,
    records: [{ type: "TXT", name: "_kakuremino.acme.example.org", value: "kakuremino-verify=abc" }],
  });

  it("claims a domain, shows verification_failed on its row, then verifies and deletes", async () => {
    let dnsReady = false;
    const api = {
      domains: vi.fn(async () => ({ serviceDomains: ["relay.example.jp"], domains: [] })),
      addDomain: vi.fn(async () => claimed(false)),
      verifyDomain: vi.fn(async () => (dnsReady ? claimed(true) : refused(422, "verification_failed", 'No TXT record "kakuremino-verify=abc" at _kakuremino.acme.example.org yet'))),
      deleteDomain: vi.fn(async () => undefined),
    };
    const domains = new DomainsState(api);
    await domains.load();
    expect(domains.usable).toEqual(["relay.example.jp"]);
    expect(await domains.add(" ACME.example.org. ")).toBe(true);
    expect(api.addDomain).toHaveBeenCalledWith("acme.example.org");
    expect(await domains.verify("d1")).toBe(false);
    expect(domains.verifying.errorFor("d1")).toEqual({ status: 422, code: "verification_failed", message: 'No TXT record "kakuremino-verify=abc" at _kakuremino.acme.example.org yet' });
    dnsReady = true;
    expect(await domains.verify("d1")).toBe(true);
    expect(domains.usable).toEqual(["relay.example.jp", "acme.example.org"]);
    await domains.remove("d1");
    expect(domains.items).toEqual([]);
  });
});

describe("AuditState and SessionState", () => {
  it("lists audit entries and shows a 403 as an error", async () => {
    const entry = { id: "a1", actor: "user:u1", actorEmail: "owner@example.net", action: "address.create", target: "pa1", ip: "203.0.113.5", createdAt: 1 };
    const audit = new AuditState({ audit: vi.fn(async () => [entry]) });
    await audit.load();
    expect(audit.items).toEqual([entry]);
    const refusedAudit = new AuditState({ audit: vi.fn(async () => refused(403, "forbidden", "This needs the admin role")) });
    await refusedAudit.load();
    expect([refusedAudit.items, refusedAudit.loading.error?.code]).toEqual([[], "forbidden"]);
  });

  it("a member removes itself from one address and sees the rest", async () => {
    let me: Me = {
      email: "staff@example.net",
      role: "member",
      addresses: [],
      recipients: [
        { id: "r1", address: "info@relay.example.jp", displayName: "Desk" },
        { id: "r2", address: "pta@relay.example.jp", displayName: "PTA" },
      ],
    };
    const api = {
      me: vi.fn(async () => me),
      requestLink: vi.fn(),
      signOut: vi.fn(),
      removeMe: vi.fn(async (rid: string) => {
        if (rid === "gone") return refused(404, "not_found", "No such recipient of yours");
        me = { ...me, recipients: me.recipients!.filter((r) => r.id !== rid) };
      }),
    };
    const session = new SessionState(api);
    await session.load();
    expect(await session.removeMe("r1")).toBe(true);
    expect(api.removeMe).toHaveBeenCalledWith("r1");
    expect(session.me?.recipients?.map((r) => r.address)).toEqual(["pta@relay.example.jp"]);
    expect(await session.removeMe("gone")).toBe(false);
    expect(session.leaving.errorFor("gone")?.code).toBe("not_found");
  });
});
