/**
 * Regression tests from an attack review: each input once leaked an address, let a spoofed
 * reply through, or crashed the handler. Named after the finding (F forward leak, R reply leak,
 * S spoofing, X crash/resource, H header injection).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO, setUpConversation } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { authenticated, inject, rawBinary, rawBytes } from "../../helpers/relay";

const b64 = (s: string) => btoa(s);
const CRLF = (lines: string[]) => lines.join("\r\n");

async function fwd(raw: string, forbidden = [HANAKO]) {
  await makeAddress();
  const r = await inject({ from: HANAKO, to: PUBLIC, raw });
  const leaks = [];
  for (const c of r.sent) leaks.push(...(await findLeaks(rawBytes(c), forbidden)));
  return { ...r, leaks };
}

function head(extra: string[] = []) {
  return [`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: t", "Message-ID: <a1@example.com>", "MIME-Version: 1.0", ...extra];
}

describe("forward leaks", () => {
  beforeEach(resetDatabase);

  it("F1 child part Content-Description / filename", async () => {
    const raw = CRLF([...head(['Content-Type: multipart/mixed; boundary="B"']), "", "--B", "Content-Type: text/plain", "", "hi", "--B",
      `Content-Type: application/pdf; name="${HANAKO}.pdf"`, `Content-Description: card of ${HANAKO}`, `Content-Disposition: attachment; filename="${HANAKO}.pdf"`, "Content-Transfer-Encoding: base64", "", b64("%PDF"), "--B--", ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F2 base64 padded per line", async () => {
    const raw = CRLF([...head(["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]), "", b64("Hi"), b64(`mail me: ${HANAKO}`), ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F3 CTE with comment", async () => {
    const raw = CRLF([...head(["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64 (standard)"]), "", b64(`mail me: ${HANAKO}`), ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F4 boundary with trailing comment => opaque multipart", async () => {
    const raw = CRLF([...head(['Content-Type: multipart/mixed; boundary="B" (x)']), "", "--B", "Content-Type: text/plain", "Content-Transfer-Encoding: base64", "", b64(`mail me: ${HANAKO}`), "--B--", ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F5 multipart nested deeper than 32", async () => {
    let body = CRLF(["Content-Type: text/plain", "Content-Transfer-Encoding: base64", "", b64(`mail me: ${HANAKO}`), ""]);
    for (let i = 0; i < 34; i++) body = CRLF([`Content-Type: multipart/mixed; boundary="b${i}"`, "", `--b${i}`, body, `--b${i}--`, ""]);
    const raw = CRLF([...head(), body]);
    const r = await fwd(raw);
    expect(r.rejected).toBe("554 5.6.0 Message structure too deep or too fragmented to anonymize safely");
    expect(r.leaks).toEqual([]);
  });

  it("F6 HTML entity with > 7 digits", async () => {
    const [l, d] = HANAKO.split("@");
    const raw = CRLF([...head(["Content-Type: text/html; charset=utf-8"]), "", `<p>&#00000000${l.charCodeAt(0)};${l.slice(1)}@${d}</p>`, ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F7 HTML entity without semicolon / tag split", async () => {
    const [l, d] = HANAKO.split("@");
    const raw = CRLF([...head(["Content-Type: text/html; charset=utf-8"]), "", `<p>${l}&#64${d}</p><p>${l}<span>@</span>${d}</p><p>${l}<!-- -->@${d}</p>`, ""]);
    const r = await fwd(raw);
    const out = rawBinary(r.sent[0]);
    const text = out.replace(/<!--.*?-->/g, "").replace(/<[^>]+>/g, "").replace(/&#64/g, "@");
    expect(text.includes(HANAKO)).toBe(false);
  });

  it("F8 application/octet-stream with filename=invite.ics via Content-Disposition", async () => {
    const ics = CRLF(["BEGIN:VCALENDAR", "BEGIN:VEVENT", `ORGANIZER:mailto:${HANAKO}`, "END:VEVENT", "END:VCALENDAR", ""]);
    const raw = CRLF([...head(['Content-Type: multipart/mixed; boundary="B"']), "", "--B", "Content-Type: text/plain", "", "hi", "--B",
      "Content-Type: application/octet-stream", 'Content-Disposition: attachment; filename="invite.ics"', "Content-Transfer-Encoding: base64", "", b64(ics), "--B--", ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F9 encoded-word addr-spec in nested message header", async () => {
    const inner = CRLF([`From: =?UTF-8?B?${b64(HANAKO)}?=`, `Reply-To: =?UTF-8?B?${b64(HANAKO)}?=`, "Subject: x", "", "body", ""]);
    const raw = CRLF([...head(['Content-Type: multipart/mixed; boundary="B"']), "", "--B", "Content-Type: text/plain", "", "hi", "--B", "Content-Type: message/rfc822", "", inner, "--B--", ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F10 subject encoded word with mid padding", async () => {
    const raw = CRLF([`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, `Subject: =?UTF-8?B?${b64("Hi")}${b64(" " + HANAKO)}?=`, "Message-ID: <a1@example.com>", "", "x", ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F11 display name with &commat;", async () => {
    const raw = CRLF([`From: "hanako.yamada&commat;example.com" <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: s", "Message-ID: <a1@example.com>", "", "x", ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F12 utf-16 label on ASCII 7bit body", async () => {
    const raw = CRLF([...head(["Content-Type: text/plain; charset=utf-16"]), "", `mail me ${HANAKO}`, ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });

  it("F13 top-level RFC 2231 continuation", async () => {
    const [l, d] = HANAKO.split("@");
    const raw = CRLF([`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: s", "Message-ID: <a1@example.com>",
      `Content-Type: application/octet-stream; name*0="${l}"; name*1="@${d}.txt"`, `Content-Disposition: attachment; filename*0*=utf-8''${l}; filename*1*=%40${d}.txt`, "", "x", ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });
});
describe("control", () => {
  beforeEach(resetDatabase);
  it("C0 plain", async () => {
    const raw = CRLF([...head(["Content-Type: text/plain; charset=utf-8"]), "", `mail me: ${HANAKO}`, ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });
});
import { api } from "../../helpers/relay";

describe("reply leaks", () => {
  beforeEach(resetDatabase);
  const rhead = (alias: string, extra: string[] = []) => [`From: Staff One <${STAFF_ONE}>`, `To: <${alias}>`, "Subject: Re: Quote request", "Message-ID: <s1@example.net>", "MIME-Version: 1.0", ...extra];

  it("R1 child part filename in reply", async () => {
    const { alias } = await setUpConversation();
    const raw = CRLF([...rhead(alias, ['Content-Type: multipart/mixed; boundary="B"']), "", "--B", "Content-Type: text/plain", "", "see card", "--B",
      `Content-Type: text/vcard; name="${STAFF_ONE}.vcf"`, `Content-Disposition: attachment; filename="${STAFF_ONE}.vcf"`, "", "BEGIN:VCARD", "FN:Staff One", "END:VCARD", "--B--", ""]);
    const r = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(raw, STAFF_ONE) });
    const leaks = await findLeaks(rawBytes(r.sent[0]), [STAFF_ONE, STAFF_TWO, alias]);
    expect(leaks).toEqual([]);
  });

  it("R2 base64 padded per line in reply", async () => {
    const { alias } = await setUpConversation();
    const raw = CRLF([...rhead(alias, ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]), "", b64("Thanks.\r\n"), b64(`On Mon, Staff One <${STAFF_ONE}> wrote:\r\n`), b64(`> reply to <${alias}>\r\n`), ""]);
    const r = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(raw, STAFF_ONE) });
    const leaks = await findLeaks(rawBytes(r.sent[0]), [STAFF_ONE, STAFF_TWO, alias]);
    expect(leaks).toEqual([]);
  });

  it("R3 alias of another public address (other domain) quoted in a reply", async () => {
    const { alias } = await setUpConversation();
    const created = await api("POST", "/api/addresses", { address: "desk@other.example.org", displayName: "Other" });
    const { id } = (await created.json()) as { id: string };
    // reuse verification flow via factories is address-specific; use makeAddress-like calls
    const { outbox } = await import("../../helpers/relay");
    await api("POST", `/api/addresses/${id}/recipients`, { email: STAFF_ONE });
    const mail = (await outbox()).find((o) => o.kind === "verification" && o.raw.includes("other.example.org"))!;
    const link = mail.raw.match(/http:\/\/relay\.test\/verify\/([a-z2-7]+)/)![1];
    await api("POST", `/verify/${link}`, undefined, { accept: "application/json" });
    const jiro = "jiro@example.com";
    const b = await inject({ from: jiro, to: "desk@other.example.org", raw: CRLF([`From: Jiro <${jiro}>`, "To: desk@other.example.org", "Subject: x", "Message-ID: <j9@example.com>", "", "hi", ""]) });
    const otherAlias = b.sent[0].envelopeFrom;
    const raw = CRLF([...rhead(alias, ["Content-Type: text/plain"]), "", `Please also see Jiro <${otherAlias}> wrote:`, ""]);
    const r = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(raw, STAFF_ONE) });
    const leaks = await findLeaks(rawBytes(r.sent[0]), [STAFF_ONE, otherAlias, jiro]);
    expect(leaks).toEqual([]);
  });
});

describe("spoofing", () => {
  beforeEach(resetDatabase);
  it("S1 two From headers: first is the recipient, DKIM covers only the last", async () => {
    const { alias } = await setUpConversation();
    // e.g. recipients on a shared provider: attacker holds a DKIM-pass message signed d=example.net for attacker@example.net
    const raw = `Authentication-Results: mx.cloudflare.net; dkim=pass header.d=example.net header.s=s1; spf=fail smtp.mailfrom=${STAFF_ONE}\r\n` +
      CRLF([`From: Staff One <${STAFF_ONE}>`, `To: <${alias}>`, "Subject: Re: new bank account", "Message-ID: <x1@evil.example>", "From: Mallory <mallory@example.net>", "", "Pay to account 666.", ""]);
    const r = await inject({ from: STAFF_ONE, to: alias, raw });
    expect(r.rejected).not.toBeNull();
  });
});

describe("crash / dos", () => {
  beforeEach(resetDatabase);
  for (const [name, cte, depth] of [["X1 QP nested rfc822", "quoted-printable", 8000], ["X2 7bit nested rfc822", "7bit", 8000]] as const) {
    it(name, async () => {
      let inner = `Subject: x\r\n\r\nmail ${HANAKO}\r\n`;
      for (let i = 0; i < depth; i++) inner = `Content-Type: message/rfc822\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${inner}`;
      const raw = `From: Hanako <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: t\r\nMessage-ID: <n1@example.com>\r\nMIME-Version: 1.0\r\n${inner}`;
      await makeAddress();
      let err: unknown = null;
      let res;
      try {
        res = await inject({ from: HANAKO, to: PUBLIC, raw });
      } catch (e) {
        err = e;
      }
      expect(err).toBeNull();
      expect(res?.rejected).toBe("554 5.6.0 Message structure too deep or too fragmented to anonymize safely");
    });
  }
});
describe("round2", () => {
  beforeEach(resetDatabase);
  it("R2b base64 padded per line in reply", async () => {
    const { alias } = await setUpConversation();
    const raw = CRLF([`From: Staff One <${STAFF_ONE}>`, `To: <${alias}>`, "Subject: Re: q", "Message-ID: <s2@example.net>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", b64("Thanks!\r\n\r\n"), b64(`On Mon, Staff One <${STAFF_ONE}> wrote:\r\n`), ""]);
    const r = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(raw, STAFF_ONE) });
    const leaks = await findLeaks(rawBytes(r.sent[0]), [STAFF_ONE]);
    expect(leaks).toEqual([]);
  });
  it("F14 relay-domain reference id carrying an address", async () => {
    const raw = CRLF([...head([`In-Reply-To: <${HANAKO}@relay.example.jp>`]), "", "x", ""]);
    const r = await fwd(raw);
    expect(r.leaks).toEqual([]);
  });
  it("H1 header injection attempts", async () => {
    const inj = b64("Evil\r\nBcc: victim@evil.example\r\nX-I: 1");
    const raw = CRLF([` Subject: leading-space`, `From: =?UTF-8?B?${inj}?= <${HANAKO}>`, `To: =?UTF-8?B?${inj}?=: jiro@example.com;, ${PUBLIC}`, `Cc: "a\\\r\n Bcc: x@evil" <kim@example.com>`, `Subject: =?UTF-8?B?${b64(`a\r\nBcc: victim@evil.example ${HANAKO} é`)}?=`, "Message-ID: <h1@example.com>", "", "x", ""]);
    const r = await fwd(raw);
    const hdr = rawBinary(r.sent[0]).split("\r\n\r\n")[0];
    expect(hdr).not.toMatch(/^(bcc|x-i):/im);
    expect(hdr).not.toContain("leading-space");
  });
  it("S5 alignment to a bare TLD", async () => {
    const { alias } = await setUpConversation();
    const raw = `Authentication-Results: mx.cloudflare.net; dkim=pass header.d=net; spf=fail smtp.mailfrom=${STAFF_ONE}\r\n` + CRLF([`From: <${STAFF_ONE}>`, `To: <${alias}>`, "Subject: s", "Message-ID: <x5@evil.example>", "", "x", ""]);
    const r = await inject({ from: STAFF_ONE, to: alias, raw });
    expect(r.rejected).not.toBeNull();
  });
  it("X5 end-to-end CPU for a 300 KB body", async () => {
    await makeAddress();
    const seg = "a.".repeat(150) + "@" + "b.".repeat(10) + "\r\n";
    const body = seg.repeat(Math.ceil(300_000 / seg.length));
    const raw = CRLF([...head(["Content-Type: text/plain"]), "", body]);
    const r = await inject({ from: HANAKO, to: PUBLIC, raw });
    expect(r.rejected).toBeNull();
    expect(r.sent).toHaveLength(2);
  });
});
