/**
 * The SMTP adapter (worker-mailer over cloudflare:sockets, inside workerd) against a real SMTP
 * server (smtp-server in Node, test/smtp-server.setup.ts): the bytes that arrive are the bytes
 * sent, AUTH is checked, and SMTP reply codes map to temporary (4xx) or permanent (5xx).
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { smtpMailer } from "../../../worker/mail/smtp-mailer";

const server = inject("smtp");
const settings = { host: "127.0.0.1", port: server.port, secure: false, username: server.user, password: server.password };

const RAW = [
  'From: "Example Support Desk" <info@customer.example>',
  "To: Hanako Yamada <hanako.yamada@example.com>",
  "Subject: =?UTF-8?B?6KaL56mN5pu4?=",
  "Message-ID: <m1@customer.example>",
  "In-Reply-To: <hy-1@mail.example.com>",
  "X-Custom: kept, unlike with JSON providers",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="b"',
  "",
  "--b",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: 8bit",
  "",
  "見積書をお送りします。",
  ".a line that starts with a dot",
  ".",
  "..two dots",
  "--b",
  'Content-Type: application/pdf; name="quote.pdf"',
  "Content-Transfer-Encoding: base64",
  "",
  btoa("%PDF-1.4 quote"),
  "--b--",
  "",
].join("\r\n");

interface Received {
  from: string;
  to: string[];
  user: string;
  rawBase64: string;
}

async function received(): Promise<Received[]> {
  return (await fetch(server.control)).json();
}

function bytes(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

afterEach(async () => {
  await fetch(server.control, { method: "DELETE" });
});

describe("SMTP mailer (worker-mailer) against a real SMTP server", () => {
  it("delivers the relay's message byte for byte, dot-stuffing undone, after AUTH", async () => {
    const raw = new TextEncoder().encode(RAW);
    const result = await smtpMailer(settings).send({ from: "info@customer.example", to: "hanako.yamada@example.com", raw });
    expect(result).toEqual({ ok: true });
    const [mail, ...rest] = await received();
    expect(rest).toEqual([]);
    expect(mail.from).toBe("info@customer.example");
    expect(mail.to).toEqual(["hanako.yamada@example.com"]);
    expect(mail.user).toBe(server.user);
    expect(bytes(mail.rawBase64)).toEqual(raw);
  });

  it("a message without a final CRLF arrives with one (SMTP cannot carry it otherwise, RFC 5321 §4.1.1.4)", async () => {
    const raw = new TextEncoder().encode("Subject: short\r\n\r\nno newline at the end");
    expect(await smtpMailer(settings).send({ from: "info@customer.example", to: "a@example.com", raw })).toEqual({ ok: true });
    expect(new TextDecoder().decode(bytes((await received())[0].rawBase64))).toBe("Subject: short\r\n\r\nno newline at the end\r\n");
  });

  it("wrong credentials are refused by the server (535): permanent, nothing delivered", async () => {
    const result = await smtpMailer({ ...settings, password: "wrong" }).send({ from: "info@customer.example", to: "a@example.com", raw: new TextEncoder().encode(RAW) });
    expect(result).toEqual({ ok: false, permanent: true, error: "535" });
    expect(await received()).toEqual([]);
  });

  it("451 at RCPT is temporary, 550 permanent; the kept error has codes only, never the address", async () => {
    const raw = new TextEncoder().encode(RAW);
    const temporary = await smtpMailer(settings).send({ from: "info@customer.example", to: "temp-fail@example.com", raw });
    const permanent = await smtpMailer(settings).send({ from: "info@customer.example", to: "perm-fail@example.com", raw });
    expect(temporary).toEqual({ ok: false, permanent: false, error: "451" });
    expect(permanent).toEqual({ ok: false, permanent: true, error: "550" });
    expect(await received()).toEqual([]);
  });

  it("nobody listening is a temporary failure", async () => {
    const result = await smtpMailer({ ...settings, port: 1 }, { timeoutMs: 2000 }).send({ from: "info@customer.example", to: "a@example.com", raw: new TextEncoder().encode(RAW) });
    expect(result).toMatchObject({ ok: false, permanent: false });
  });

  it("a server that accepts and never answers is a temporary failure (timed out)", async () => {
    const result = await smtpMailer({ ...settings, port: server.hungPort }, { timeoutMs: 300 }).send({ from: "info@customer.example", to: "a@example.com", raw: new TextEncoder().encode(RAW) });
    expect(result).toEqual({ ok: false, permanent: false, error: "SMTP server timed out" });
  });

  it("a Shift_JIS part sent as 8bit arrives base64-encoded, its content unchanged; non-UTF-8 header bytes are refused", async () => {
    const sjis = [0x82, 0xa0, 0x82, 0xa2]; // "あい" in Shift_JIS
    const raw = Uint8Array.from([...new TextEncoder().encode("Subject: sjis\r\nContent-Type: text/plain; charset=shift_jis\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"), ...sjis, 13, 10]);
    expect(await smtpMailer(settings).send({ from: "info@customer.example", to: "a@example.com", raw })).toEqual({ ok: true });
    const arrived = new TextDecoder().decode(bytes((await received())[0].rawBase64));
    expect(arrived).toBe(`Subject: sjis\r\nContent-Type: text/plain; charset=shift_jis\r\nContent-Transfer-Encoding: base64\r\n\r\n${btoa(String.fromCharCode(...sjis, 13, 10))}\r\n`);
    await fetch(server.control, { method: "DELETE" });
    const badHeader = Uint8Array.from([...new TextEncoder().encode("Subject: "), ...sjis, 13, 10, 13, 10, 0x78, 13, 10]);
    const refused = await smtpMailer(settings).send({ from: "info@customer.example", to: "a@example.com", raw: badHeader });
    expect(refused).toMatchObject({ ok: false, permanent: true });
    expect(await received()).toEqual([]);
  });
});
