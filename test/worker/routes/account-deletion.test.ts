/**
 * Ending an account leaves nothing behind: every table is scanned — sealed columns opened with
 * the key — for any trace of the contact's address or name, and later mail to the account's
 * aliases is refused as "no longer exists".
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { keyring } from "../../../worker/crypto/sealed";
import { resetDatabase } from "../../helpers/factories";
import { api, authenticated, inject, outbox } from "../../helpers/relay";
import { followLatestLink } from "../../helpers/sign-in";

const CONTACT = "taro.suzuki@example.com";
const CONTACT_NAME = "Taro Suzuki";
const OFFICER = "officer@example.net";

/** Every row of every table, with each sealed value opened, lowercased. */
async function dumpOpened(): Promise<string> {
  const ring = await keyring(env.DATA_KEY!, "k1");
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'").all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables.results) {
    const rows = (await env.DB.prepare(`SELECT * FROM ${name}`).all<Record<string, unknown>>()).results;
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        parts.push(`${name}.${column}=${String(value)}`);
        if (column.endsWith("_enc") && typeof value === "string") parts.push(await ring.open(value).catch(() => ""));
      }
    }
  }
  return parts.join("\n").toLowerCase();
}

describe("account deletion", () => {
  beforeEach(resetDatabase);

  it("deletes contacts, aliases, messages, bodies, users and the rest in one go; later mail is refused", async () => {
    const created = await (await api("POST", "/api/accounts", { name: "Outsourced Desk", plan: "standard", ownerEmail: "lead@vendor.example.org" })).json();
    const owner = await followLatestLink("lead@vendor.example.org");
    const address = await (await api("POST", "/api/addresses", { address: "desk@relay.example.jp", displayName: "Desk" }, owner)).json();
    await api("POST", `/api/addresses/${address.id}/recipients`, { email: OFFICER }, owner);
    const link = (await outbox()).find((o) => o.kind === "verification")!.raw.match(/\/verify\/([a-z2-7]+)/)![1];
    await api("POST", `/verify/${link}`, undefined, { accept: "application/json" });
    await api("POST", `/api/addresses/${address.id}/forms`, { name: "Inquiry" }, owner);
    const { sent } = await inject({ from: CONTACT, to: "desk@relay.example.jp", raw: `From: ${CONTACT_NAME} <${CONTACT}>\r\nTo: desk@relay.example.jp\r\nSubject: Contract\r\nMessage-ID: <c1@example.com>\r\n\r\nPlease call me.\r\n` });
    const alias = sent[0].envelopeFrom;
    const reply = await inject({ from: OFFICER, to: alias, raw: authenticated(`From: ${OFFICER}\r\nTo: <${alias}>\r\nSubject: Re: Contract\r\nMessage-ID: <r1@example.net>\r\n\r\nSure.\r\n`, OFFICER) });
    expect(reply.rejected).toBeNull();
    // The trace is there before (in sealed form), which is what makes the scan below meaningful.
    expect(await dumpOpened()).toContain(CONTACT);

    const wrong = await api("DELETE", "/api/account", { confirm: "outsourced desk" }, owner);
    expect([wrong.status, (await wrong.json()).error.code]).toEqual([400, "confirmation_mismatch"]);
    expect((await api("DELETE", "/api/account", { confirm: "Outsourced Desk" }, owner)).status).toBe(204);

    const dump = await dumpOpened();
    for (const trace of [CONTACT, CONTACT_NAME.toLowerCase(), "please call me", "contract", OFFICER, "lead@vendor.example.org"]) expect(dump, trace).not.toContain(trace);
    for (const table of ["contacts", "reverse_aliases", "messages", "message_bodies", "recipients", "public_addresses", "forms", "users", "sessions", "domains", "usage"]) {
      const { n } = (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!;
      expect([table, n]).toEqual([table, 0]);
    }
    // Only the operator's audit trail still names the account's id (it created it), nothing else.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE id = ?").bind(created.id).first()).toEqual({ n: 0 });
    // The account's audit log went with it; the operator's records who ended it.
    const trail = (await (await api("GET", "/api/audit")).json()) as { action: string; target: string; actor: string }[];
    expect(trail.filter((e) => e.target === created.id).map((e) => [e.action, e.actor])).toEqual([
      ["account.delete", `user:${created.owner.id}`],
      ["account.create", "operator"],
    ]);
    // The owner's session died with the account.
    expect((await api("GET", "/api/session/me", undefined, owner)).status).toBe(401);
    const late = await inject({ from: OFFICER, to: alias, raw: authenticated(`From: ${OFFICER}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <r2@example.net>\r\n\r\nx\r\n`, OFFICER) });
    expect(late.rejected).toBe("550 5.1.1 This address no longer exists");
    expect((await inject({ from: CONTACT, to: "desk@relay.example.jp", raw: `From: ${CONTACT}\r\nTo: desk@relay.example.jp\r\nSubject: x\r\nMessage-ID: <c2@example.com>\r\n\r\nx\r\n` })).rejected).toMatch(/^550 /);
  });

  it("lets the operator delete an account but never its own", async () => {
    const created = await (await api("POST", "/api/accounts", { name: "Short Trial", ownerEmail: "t@trial.example.org" })).json();
    expect((await api("DELETE", `/api/accounts/${created.id}`)).status).toBe(204);
    expect((await api("DELETE", `/api/accounts/${created.id}`)).status).toBe(404);
    const own = await api("DELETE", "/api/accounts/acct_default");
    expect([own.status, (await own.json()).error.code]).toEqual([409, "operator_account"]);
  });
});
