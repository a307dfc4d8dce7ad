/** Issue #5 inbound policies: notice banner, sender allow/block rules, monthly usage cap, idle-alias purge. */
import { env } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { beforeEach, describe, expect, it } from "vitest";
import { REFUSED_CAP, REFUSED_SENDER } from "../../../worker/email/sender-policy";
import { purgeExpired } from "../../../worker/scheduled";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO, setUpConversation } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api, authenticated, inject, rawBytes } from "../../helpers/relay";

const DAY = 24 * 60 * 60 * 1000;

function mail(from: string, id: string, extra = "", body = "Hello there.\r\n"): string {
  return `From: Sender <${from}>\r\nTo: ${PUBLIC}\r\nSubject: test\r\nMessage-ID: <${id}@example.com>\r\n${extra}\r\n${body}`;
}

async function usageCount(): Promise<number | null> {
  const row = await env.DB.prepare("SELECT messages FROM usage WHERE account_id = 'acct_default' AND month = ?").bind(new Date().toISOString().slice(0, 7)).first<{ messages: number }>();
  return row?.messages ?? null;
}

describe("inbound policies", () => {
  beforeEach(async () => {
    await resetDatabase();
    await env.DB.prepare("UPDATE accounts SET plan = 'operator' WHERE id = 'acct_default'").run();
  });

  describe("notice banner", () => {
    it("appears on top of the text and the HTML of every copy, escaped in HTML", async () => {
      const { id } = await makeAddress();
      const banner = "PTA窓口経由のメールです <返信は窓口へ> & ありがとう";
      expect((await api("PATCH", `/api/addresses/${id}`, { noticeBanner: banner })).status).toBe(200);
      const raw = mail(HANAKO, "b1", 'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="alt"\r\n', "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain body.\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><body class=3D\"x\"><p>HTML body.</p></body></html>\r\n--alt--\r\n");
      const { rejected, sent } = await inject({ from: HANAKO, to: PUBLIC, raw });
      expect(rejected).toBeNull();
      expect(sent.map((s) => s.envelopeTo).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
      for (const copy of sent) {
        const parsed = await PostalMime.parse(rawBytes(copy));
        expect(parsed.text).toBe(`${banner}\r\n\r\nPlain body.\r\n`.replace(/\r\n/g, "\n"));
        expect(parsed.html).toContain('<body class="x"><div style=');
        expect(parsed.html).toContain(">PTA窓口経由のメールです &lt;返信は窓口へ&gt; &amp; ありがとう</div><p>HTML body.</p>");
      }
    });

    it("an ISO-2022-JP part keeps its charset with the banner encoded in it", async () => {
      const { id } = await makeAddress({ recipients: [STAFF_ONE] });
      await api("PATCH", `/api/addresses/${id}`, { noticeBanner: "受付窓口からの転送です" });
      const jis = "\x1b$B$*@$OC$K$J$C$F$*$j$^$9!#\x1b(B\r\n";
      const { sent } = await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "b2", "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n", jis) });
      const parsed = await PostalMime.parse(rawBytes(sent[0]));
      expect(parsed.text).toBe("受付窓口からの転送です\n\nお世話になっております。\n");
      expect(sent[0].raw).toMatch(/Content-Type: text\/plain; charset=ISO-2022-JP/i);
      expect(sent[0].raw).not.toMatch(/[\x80-\xff]/);
    });

    it("PATCH validates the banner and the idle days; null clears the banner", async () => {
      const { id } = await makeAddress({ recipients: [STAFF_ONE] });
      expect((await api("PATCH", `/api/addresses/${id}`, { noticeBanner: "two\r\nlines" })).status).toBe(400);
      expect((await api("PATCH", `/api/addresses/${id}`, { noticeBanner: "x".repeat(201) })).status).toBe(400);
      expect((await api("PATCH", `/api/addresses/${id}`, { noticeBanner: "  " })).status).toBe(400);
      expect((await api("PATCH", `/api/addresses/${id}`, { aliasIdleDays: 0 })).status).toBe(400);
      expect((await api("PATCH", `/api/addresses/${id}`, { aliasIdleDays: 3651 })).status).toBe(400);
      expect((await api("PATCH", `/api/addresses/${id}`, { noticeBanner: "Banner", aliasIdleDays: 90 })).status).toBe(200);
      expect(await env.DB.prepare("SELECT notice_banner, alias_idle_days FROM public_addresses WHERE id = ?").bind(id).first()).toEqual({ notice_banner: "Banner", alias_idle_days: 90 });
      expect((await api("PATCH", `/api/addresses/${id}`, { noticeBanner: null, aliasIdleDays: null })).status).toBe(200);
      expect(await env.DB.prepare("SELECT notice_banner, alias_idle_days FROM public_addresses WHERE id = ?").bind(id).first()).toEqual({ notice_banner: null, alias_idle_days: null });
      const { sent } = await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "b3") });
      expect((await PostalMime.parse(rawBytes(sent[0]))).text).toBe("Hello there.\n");
    });
  });

  describe("sender rules", () => {
    it("block: a whole address and an @domain refuse; other senders pass", async () => {
      const { id } = await makeAddress({ recipients: [STAFF_ONE] });
      expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "block", pattern: "Hanako.Yamada@Example.com" })).status).toBe(201);
      expect((await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "s1") })).rejected).toBe(REFUSED_SENDER);
      const tagged = "hanako.yamada+news@example.com";
      expect((await inject({ from: tagged, to: PUBLIC, raw: mail(tagged, "s1b") })).rejected).toBe(REFUSED_SENDER);
      expect((await inject({ from: "jiro@example.com", to: PUBLIC, raw: mail("jiro@example.com", "s2") })).rejected).toBeNull();
      expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "block", pattern: "@spam.example" })).status).toBe(201);
      expect((await inject({ from: "x@spam.example", to: PUBLIC, raw: mail("x@spam.example", "s3") })).rejected).toBe(REFUSED_SENDER);
      // The envelope sender counts too: a blocked domain cannot hide behind another From.
      expect((await inject({ from: "bounce@spam.example", to: PUBLIC, raw: mail("jiro@example.com", "s4") })).rejected).toBe(REFUSED_SENDER);
    });

    it("allow: once any allow rule exists only matching senders pass; block still wins", async () => {
      const { id } = await makeAddress({ recipients: [STAFF_ONE] });
      await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "allow", pattern: "@school.example" });
      await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "allow", pattern: HANAKO });
      await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "block", pattern: "troll@school.example" });
      expect((await inject({ from: "parent@school.example", to: PUBLIC, raw: mail("parent@school.example", "a1") })).rejected).toBeNull();
      expect((await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "a2") })).rejected).toBeNull();
      expect((await inject({ from: "jiro@example.com", to: PUBLIC, raw: mail("jiro@example.com", "a3") })).rejected).toBe(REFUSED_SENDER);
      expect((await inject({ from: "troll@school.example", to: PUBLIC, raw: mail("troll@school.example", "a4") })).rejected).toBe(REFUSED_SENDER);
    });

    it("the admin API lists decrypted patterns, stores them sealed, refuses bad input and deletes", async () => {
      const { id } = await makeAddress({ recipients: [STAFF_ONE] });
      const created = await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "block", pattern: HANAKO });
      const rule = await created.json();
      expect(rule).toMatchObject({ kind: "block", pattern: HANAKO });
      expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "allow", pattern: HANAKO })).status).toBe(409);
      expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "block", pattern: "not an address" })).status).toBe(400);
      expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "maybe", pattern: "@x.example" })).status).toBe(400);
      expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "block", pattern: "@x.example", extra: 1 })).status).toBe(400);
      expect((await api("GET", `/api/addresses/nope/sender-rules`)).status).toBe(404);
      expect((await (await api("GET", `/api/addresses/${id}/sender-rules`)).json()).map((r: { pattern: string }) => r.pattern)).toEqual([HANAKO]);
      const stored = JSON.stringify(await env.DB.prepare("SELECT * FROM sender_rules").all()).toLowerCase();
      expect(stored).not.toContain("hanako");
      expect((await api("DELETE", `/api/addresses/${id}/sender-rules/${rule.id}`)).status).toBe(204);
      expect((await api("DELETE", `/api/addresses/${id}/sender-rules/${rule.id}`)).status).toBe(404);
      expect((await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "d1") })).rejected).toBeNull();
    });
  });

  describe("monthly usage", () => {
    it("counts one per relayed message (not per copy, not a retried delivery) and refuses at the plan's cap", async () => {
      await makeAddress();
      await env.DB.prepare("INSERT INTO plans (id, name, monthly_messages) VALUES ('tiny', 'Tiny', 2)").run();
      await env.DB.prepare("UPDATE accounts SET plan = 'tiny' WHERE id = 'acct_default'").run();
      expect(await usageCount()).toBeNull();
      expect((await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "u1") })).sent).toHaveLength(2);
      expect(await usageCount()).toBe(1);
      // The MTA retries the same message: de-duplicated, not counted again.
      expect((await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "u1") })).sent).toHaveLength(0);
      expect(await usageCount()).toBe(1);
      expect((await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "u2") })).rejected).toBeNull();
      expect(await usageCount()).toBe(2);
      const refused = await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "u3") });
      expect(refused.rejected).toBe(REFUSED_CAP);
      expect(refused.sent).toEqual([]);
      expect(await usageCount()).toBe(2);
    });
  });

  describe("idle-alias purge", () => {
    it("purges aliases idle longer than alias_idle_days; later mail to one is refused as no longer existing", async () => {
      const { alias } = await setUpConversation();
      const { id } = (await env.DB.prepare("SELECT id FROM public_addresses").first<{ id: string }>())!;
      const reply = () => authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <${Math.random()}@example.net>\r\n\r\nok\r\n`, STAFF_ONE);
      // Without a setting nothing goes, however old.
      await purgeExpired(env, Date.now() + 400 * DAY);
      expect((await inject({ from: STAFF_ONE, to: alias, raw: reply() })).rejected).toBeNull();
      await api("PATCH", `/api/addresses/${id}`, { aliasIdleDays: 30, retentionDays: 3650 });
      await purgeExpired(env, Date.now() + 29 * DAY);
      expect((await inject({ from: STAFF_ONE, to: alias, raw: reply() })).rejected).toBeNull();
      await purgeExpired(env, Date.now() + 31 * DAY);
      expect((await inject({ from: STAFF_ONE, to: alias, raw: reply() })).rejected).toBe("550 5.1.1 This address no longer exists");
      expect(await env.DB.prepare("SELECT count(*) AS n FROM reverse_aliases").first()).toEqual({ n: 0 });
      expect(await env.DB.prepare("SELECT count(*) AS n FROM contacts").first()).toEqual({ n: 0 });
      // The contact writing again starts afresh, with new aliases.
      const again = await inject({ from: HANAKO, to: PUBLIC, raw: mail(HANAKO, "p1") });
      expect(again.rejected).toBeNull();
      expect(again.sent.find((s) => s.envelopeTo === STAFF_ONE)!.envelopeFrom).not.toBe(alias);
    });
  });
});
