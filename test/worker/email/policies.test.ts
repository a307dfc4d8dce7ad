/** Relay policies: size, loops, reply-all, deletion, and what reaches the logs. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../../worker/index";
import { HANAKO, PUBLIC, STAFF_ONE, setUpConversation } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fakeEmail } from "../../helpers/fake-email";
import { api, authenticated, header, inject, outbox } from "../../helpers/relay";

function mail(from: string, to: string, body = "hello", extra = ""): string {
  return `From: <${from}>\r\nTo: <${to}>\r\nSubject: test\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@example.com>\r\n${extra}\r\n${body}\r\n`;
}

async function dumpDatabase(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'").all<{ name: string }>();
  const rows = await Promise.all(tables.results.map(async (t) => JSON.stringify(await env.DB.prepare(`SELECT * FROM ${t.name}`).all())));
  return rows.join("\n").toLowerCase();
}

describe("relay policies", () => {
  beforeEach(resetDatabase);

  it("refuses mail over the size limit before reading it (552)", async () => {
    await makeAddress();
    const message = fakeEmail({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, PUBLIC) });
    Object.defineProperty(message, "rawSize", { value: 26 * 1024 * 1024 });
    const read = vi.spyOn(message.raw, "getReader");
    const ctx = createExecutionContext();
    await worker.email(message, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(message.rejectedWith).toBe("552 5.3.4 Message too large: the limit is 26214400 bytes");
    expect(read).not.toHaveBeenCalled();
  });

  it("refuses mail from its own reverse aliases (loop)", async () => {
    const { alias } = await setUpConversation();
    const result = await inject({ from: alias, to: PUBLIC, raw: mail(alias, PUBLIC) });
    expect(result.rejected).toBe("554 5.4.6 Mail from the relay's own reverse aliases is not accepted (loop)");
    expect(result.sent).toEqual([]);
  });

  it("refuses a reply carrying more than 100 References", async () => {
    const { alias } = await setUpConversation();
    const refs = Array.from({ length: 101 }, (_, i) => `<l${i}@example.com>`).join("\r\n ");
    const result = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(mail(STAFF_ONE, alias, "x", `References: ${refs}\r\n`), STAFF_ONE) });
    expect(result.rejected).toBe("554 5.4.6 Refused: more than 100 References (mail loop)");
  });

  it("reply-all: both contacts appear in the headers; each alias's delivery goes to its own contact", async () => {
    await makeAddress();
    const first = `From: Hanako <${HANAKO}>\r\nTo: ${PUBLIC}\r\nCc: Jiro <jiro@example.com>\r\nSubject: joint\r\nMessage-ID: <j1@example.com>\r\n\r\nhello\r\n`;
    const { sent } = await inject({ from: HANAKO, to: PUBLIC, raw: first });
    const copy = sent.find((s) => s.envelopeTo === STAFF_ONE)!;
    const hanakoAlias = copy.envelopeFrom;
    const jiroAlias = header(copy.raw, "cc")!.match(/<(r-[^>]+)>/)![1];
    const reply = authenticated(`From: ${STAFF_ONE}\r\nTo: Hanako <${hanakoAlias}>\r\nCc: Jiro <${jiroAlias}>\r\nSubject: Re: joint\r\nMessage-ID: <ra@example.net>\r\n\r\nTo you both.\r\n`, STAFF_ONE);
    const toHanako = await inject({ from: STAFF_ONE, to: hanakoAlias, raw: reply });
    const toJiro = await inject({ from: STAFF_ONE, to: jiroAlias, raw: reply });
    expect(toHanako.sent.map((s) => s.envelopeTo)).toEqual([HANAKO]);
    expect(toJiro.sent.map((s) => s.envelopeTo)).toEqual(["jiro@example.com"]);
    for (const out of [...toHanako.sent, ...toJiro.sent]) {
      expect(header(out.raw, "to")).toBe(`Hanako <${HANAKO}>`);
      expect(header(out.raw, "cc")).toBe("Jiro <jiro@example.com>");
    }
  });

  it("reply-all to a hundred contacts restores every one of them, not the first 90", async () => {
    await makeAddress();
    const cc = Array.from({ length: 100 }, (_, i) => `guest${String(i).padStart(3, "0")}@example.com`);
    const first = `From: Hanako <${HANAKO}>\r\nTo: ${PUBLIC}\r\nCc: ${cc.join(", ")}\r\nSubject: class party\r\nMessage-ID: <party1@example.com>\r\n\r\nhello\r\n`;
    const copy = (await inject({ from: HANAKO, to: PUBLIC, raw: first })).sent.find((s) => s.envelopeTo === STAFF_ONE)!;
    const ccAliases = [...header(copy.raw, "cc")!.matchAll(/<(r-[^>]+)>/g)].map((m) => m[1]);
    expect(ccAliases).toHaveLength(100);
    const reply = authenticated(`From: ${STAFF_ONE}\r\nTo: <${copy.envelopeFrom}>\r\nCc: ${ccAliases.map((a) => `<${a}>`).join(", ")}\r\nSubject: Re: class party\r\nMessage-ID: <party-reply@example.net>\r\n\r\nSee you all.\r\n`, STAFF_ONE);
    const [out] = (await inject({ from: STAFF_ONE, to: copy.envelopeFrom, raw: reply })).sent;
    expect([...header(out.raw, "cc")!.matchAll(/guest\d{3}@example\.com/g)].map((m) => m[0]).sort()).toEqual(cc);
  });

  it("deleting a recipient leaves no trace of its contacts and refuses its aliases as gone", async () => {
    const { alias } = await setUpConversation();
    const [pa] = (await (await api("GET", "/api/addresses")).json()) as { id: string }[];
    const recipients = (await (await api("GET", `/api/addresses/${pa.id}/recipients`)).json()) as { id: string; email: string }[];
    for (const r of recipients) expect((await api("DELETE", `/api/addresses/${pa.id}/recipients/${r.id}`)).status).toBe(204);
    const dump = await dumpDatabase();
    for (const trace of [HANAKO, "hanako yamada", alias.split("@")[0], "hy-20250303-0001"]) expect(dump).not.toContain(trace);
    const again = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(mail(STAFF_ONE, alias), STAFF_ONE) });
    expect(again.rejected).toBe("550 5.1.1 This address no longer exists");
  });

  it("deleting a public address removes everything under it", async () => {
    const { alias } = await setUpConversation();
    const [pa] = (await (await api("GET", "/api/addresses")).json()) as { id: string }[];
    expect((await api("DELETE", `/api/addresses/${pa.id}`)).status).toBe(204);
    for (const table of ["public_addresses", "recipients", "contacts", "reverse_aliases", "messages", "outbox"]) {
      expect((await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n).toBe(0);
    }
    expect((await inject({ from: STAFF_ONE, to: alias, raw: mail(STAFF_ONE, alias) })).rejected).toBe("550 5.1.1 This address no longer exists");
    expect((await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, PUBLIC) })).rejected).toBe("550 5.1.1 No such address here");
  });

  it("stores no address or name in clear", async () => {
    await setUpConversation();
    const dump = await dumpDatabase();
    for (const secret of [HANAKO, STAFF_ONE, "staff.two@example.net", "hanako yamada"]) expect(dump).not.toContain(secret);
  });

  it("stores no private address in clear from a reply's subject; the contact gets the public address there", async () => {
    const { alias } = await setUpConversation();
    const subject = `Re: quote - write to ${STAFF_ONE} or staff.one+desk@example.net`;
    const { sent } = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: ${subject}\r\nMessage-ID: <subj@example.net>\r\n\r\nok\r\n`, STAFF_ONE) });
    expect(header(sent[0].raw, "subject")).toBe(`Re: quote - write to ${PUBLIC} or ${PUBLIC}`);
    expect(await dumpDatabase()).not.toContain("staff.one");
    const stored = await env.DB.prepare("SELECT subject FROM messages WHERE direction = 'outbound'").first<{ subject: string }>();
    expect(stored?.subject).toBe(`Re: quote - write to ${PUBLIC} or ${PUBLIC}`);
  });

  it("writes no real address to the logs, whatever happens", async () => {
    const lines: string[] = [];
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
    const { alias } = await setUpConversation();
    await inject({ from: "mallory@example.org", to: alias, raw: mail("mallory@example.org", alias) });
    await inject({ from: STAFF_ONE, to: alias, raw: mail(STAFF_ONE, alias) });
    await inject({ from: HANAKO, to: "nobody@relay.example.jp", raw: mail(HANAKO, "nobody@relay.example.jp") });
    vi.restoreAllMocks();
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [HANAKO, STAFF_ONE, "mallory@example.org", alias]) expect(lines.join("\n").toLowerCase()).not.toContain(secret);
    expect((await outbox()).every((o) => o.state === "sent")).toBe(true);
  });
});
