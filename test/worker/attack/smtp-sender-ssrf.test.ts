/**
 * Attack: an account's admin points its address's own SMTP sender at the relay's host or a
 * private network (the SSRF webhooks are guarded against), in any spelling of the address,
 * or at a public host's non-mail port. Refused with 400 when set; refused at send time when
 * such settings are already stored.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { getConfig } from "../../../worker/env";
import { keyringFor } from "../../../worker/crypto/sealed";
import { PUBLIC, STAFF_ONE, setUpConversation } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api, authenticated, inject } from "../../helpers/relay";

const SMTP = { username: "desk@customer.example.com", password: "s3cret-Passw0rd" };

describe("attack: own SMTP sender pointed inward", () => {
  beforeEach(resetDatabase);

  it("refuses private, loopback, metadata and local hosts in every spelling, and non-mail ports of public hosts", async () => {
    const { id } = await makeAddress();
    const refused: [string, number][] = [
      ["localhost", 25],
      ["LOCALHOST", 587],
      ["smtp.localhost", 587],
      ["mail.internal", 587],
      ["mailhog.local", 25],
      ["127.0.0.2", 25],
      ["2130706434", 25],
      ["0x7f.2", 587],
      ["127.2", 587],
      ["0177.0.0.2", 587],
      ["0", 25],
      ["0.0.0.0", 25],
      ["10.0.0.5", 25],
      ["172.16.1.1", 587],
      ["192.168.0.10", 465],
      ["169.254.169.254", 587],
      ["100.64.0.1", 587],
      ["intranet", 25],
      ["smtp.gmail.com", 22],
      ["smtp.gmail.com", 6379],
    ];
    for (const [host, port] of refused) {
      const res = await api("PUT", `/api/addresses/${id}/sender`, { mailer: "smtp", smtp: { ...SMTP, host, port } });
      const body = await res.json();
      expect([host, port, res.status, body.error.code]).toEqual([host, port, 400, "invalid_smtp_host"]);
      expect(JSON.stringify(body)).not.toContain(SMTP.password);
    }
    expect(await env.DB.prepare("SELECT mailer, smtp_enc FROM public_addresses WHERE id = ?").bind(id).first()).toEqual({ mailer: null, smtp_enc: null });

    for (const [host, port, shown] of [["SMTP.Gmail.com", 587, "smtp.gmail.com"], ["203.0.114.7", 465, "203.0.114.7"], ["mail.example.co.jp", 2525, "mail.example.co.jp"]] as const) {
      const res = await api("PUT", `/api/addresses/${id}/sender`, { mailer: "smtp", smtp: { ...SMTP, host, port } });
      expect([host, res.status, (await res.json()).smtp?.host]).toEqual([host, 200, shown]);
    }
    // The operator's SMTP_PRIVATE_HOSTS (127.0.0.1 in tests; 127.0.0.2 above is not) may use any port.
    const listed = await api("PUT", `/api/addresses/${id}/sender`, { mailer: "smtp", smtp: { ...SMTP, host: "127.0.0.1", port: 2526 } });
    expect(listed.status).toBe(200);
  });

  it("settings stored before the rule are refused at send time, never connected to", async () => {
    const { alias } = await setUpConversation();
    const pa = (await (await api("GET", "/api/addresses")).json())[0];
    const ring = await keyringFor(getConfig(env));
    const sealed = await ring.seal(JSON.stringify({ host: "10.0.0.5", port: 25, secure: false, ...SMTP }));
    await env.DB.prepare("UPDATE public_addresses SET mailer = 'smtp', smtp_enc = ? WHERE id = ?").bind(sealed, pa.id).run();
    const raw = authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re: Quote\r\nMessage-ID: <ssrf-1@example.net>\r\n\r\nok\r\n`, STAFF_ONE);
    const { rejected, sent } = await inject({ from: STAFF_ONE, to: alias, raw });
    expect(rejected).toBeNull();
    expect(sent.map((s) => [s.envelopeFrom, s.state])).toEqual([[PUBLIC, "failed-permanent"]]);
    const row = await env.DB.prepare("SELECT via, last_error FROM outbox WHERE id = ?").bind(sent[0].id).first();
    expect(row).toEqual({ via: "smtp", last_error: "the provider refused the message" });
  });
});
