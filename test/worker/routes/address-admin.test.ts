/** Managing public addresses over years: rename, disable, retention, rotation, and the audit trail. */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO, setUpConversation } from "../../helpers/cases";
import { resetDatabase } from "../../helpers/factories";
import { api, authenticated, inject, outbox } from "../../helpers/relay";

async function addressId(): Promise<string> {
  return (await (await api("GET", "/api/addresses")).json())[0].id;
}

describe("address administration", () => {
  beforeEach(resetDatabase);

  it("renames, disables (mail refused with a clear reason both ways) and re-enables", async () => {
    const { alias } = await setUpConversation();
    const id = await addressId();
    const patched = await api("PATCH", `/api/addresses/${id}`, { displayName: "PTA 窓口", status: "disabled", retentionDays: 90 });
    expect(await patched.json()).toMatchObject({ displayName: "PTA 窓口", status: "disabled", retentionDays: 90 });
    const inbound = await inject({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: s\r\nMessage-ID: <d1@example.com>\r\n\r\nx\r\n` });
    expect(inbound.rejected).toBe("550 5.2.1 This address is not accepting mail at the moment");
    const reply = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <d2@example.net>\r\n\r\nx\r\n`, STAFF_ONE) });
    expect(reply.rejected).toBe("550 5.2.1 This address is not sending mail at the moment");
    await api("PATCH", `/api/addresses/${id}`, { status: "active" });
    const again = await inject({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: s\r\nMessage-ID: <d3@example.com>\r\n\r\nx\r\n` });
    expect(again.sent[0].raw).toMatch(/^To: =\?UTF-8\?B\?[^?]+\?= <info@relay\.example\.jp>$/m);
    expect((await api("PATCH", `/api/addresses/${id}`, { status: "gone" })).status).toBe(400);
    expect((await api("PATCH", "/api/addresses/nope", { status: "active" })).status).toBe(404);
  });

  it("answers a change with the same recipient count as the list", async () => {
    await setUpConversation();
    const [listed] = await (await api("GET", "/api/addresses")).json();
    expect(listed.recipientCount).toBeGreaterThan(0);
    const patched = await (await api("PATCH", `/api/addresses/${listed.id}`, { retentionDays: 7 })).json();
    expect(patched).toEqual({ ...listed, retentionDays: 7 });
  });

  it("rotates the recipient set at once: new ones invited, old ones removed with their conversations", async () => {
    const { alias } = await setUpConversation();
    const id = await addressId();
    const res = await api("PUT", `/api/addresses/${id}/recipients`, { emails: [STAFF_TWO, "new.officer@example.net"] });
    expect(await res.json()).toEqual({ added: 1, removed: 1, kept: 1 });
    const list = (await (await api("GET", `/api/addresses/${id}/recipients`)).json()) as { email: string; verified: boolean }[];
    expect(list.map((r) => [r.email, r.verified]).sort()).toEqual([
      ["new.officer@example.net", false],
      [STAFF_TWO, true],
    ]);
    expect((await outbox()).some((o) => o.kind === "verification" && o.envelopeTo === "new.officer@example.net")).toBe(true);
    const old = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <o1@example.net>\r\n\r\nx\r\n`, STAFF_ONE) });
    expect(old.rejected).toBe("550 5.1.1 This address no longer exists");
  });

  it("refuses a rotation naming an address on the relay's own domain before removing anyone", async () => {
    const { alias } = await setUpConversation();
    const id = await addressId();
    const res = await api("PUT", `/api/addresses/${id}/recipients`, { emails: [STAFF_TWO, "new.officer@example.net", "desk@relay.example.jp"] });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("invalid_address");
    // Nothing changed: STAFF_ONE is still a recipient, nobody new was invited, the alias still works.
    const list = (await (await api("GET", `/api/addresses/${id}/recipients`)).json()) as { email: string; verified: boolean }[];
    expect(list.map((r) => [r.email, r.verified]).sort()).toEqual([
      [STAFF_ONE, true],
      [STAFF_TWO, true],
    ]);
    expect((await outbox()).some((o) => o.kind === "verification" && o.envelopeTo === "new.officer@example.net")).toBe(false);
    const reply = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <r1@example.net>\r\n\r\nx\r\n`, STAFF_ONE) });
    expect(reply.rejected).toBeNull();
  });

  it("records every admin action and exports it as CSV", async () => {
    await setUpConversation();
    const id = await addressId();
    await api("PATCH", `/api/addresses/${id}`, { displayName: "=HYPERLINK(1)" });
    const entries = (await (await api("GET", "/api/audit")).json()) as { action: string; target: string; actor: string }[];
    expect(entries.map((e) => e.action).sort()).toEqual(["address.create", "address.update:displayName", "recipient.invite", "recipient.invite"]);
    expect(entries.every((e) => e.actor === "operator" && !e.target.includes("@"))).toBe(true);
    const csv = await api("GET", "/api/audit.csv");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("time,actor,actor_email,action,target,ip");
    expect(text).toContain(",address.update:displayName,");
    expect((await api("GET", "/api/audit", undefined, {})).status).toBe(401);
  });
});
