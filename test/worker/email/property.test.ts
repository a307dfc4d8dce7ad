/**
 * Property: wherever a contact's address hides in a message — header words, any transfer
 * encoding, any supported charset, HTML entities, percent-encoded mailto, folded iCalendar,
 * a nested message — the relayed copy shows it nowhere, as judged by the independent leak
 * checker.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderCopy } from "../../../worker/email/render-copy";
import { binaryToBytes, utf8ToBinary } from "../../../worker/mime/bytes";
import { encodeCharset } from "../../../worker/mime/charset";
import { parseMessage } from "../../../worker/mime/message";
import { encodeBase64, encodeQuotedPrintable } from "../../../worker/mime/transfer-encoding";
import { findLeaks } from "../../helpers/leak-check";

const ALIAS = "r-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@relay.example.jp";
const RUNS = 2000;

const local = fc.stringMatching(/^[a-z][a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8}){0,2}$/);
const domain = fc.constantFrom("example.com", "mail.example.co.jp", "example-mail.net");
const letterCase = fc.constantFrom("lower", "upper", "mixed");
const charset = fc.constantFrom("utf-8", "iso-2022-jp", "shift_jis", "euc-jp", "windows-1252");
const cte = fc.constantFrom("7bit", "8bit", "quoted-printable", "base64");
const spelling = fc.constantFrom("literal", "decimal", "hex", "percent", "named");
const layer = fc.oneof(
  fc.record({ kind: fc.constant("subject" as const), encoding: fc.constantFrom("plain", "B", "Q") }),
  fc.record({ kind: fc.constant("text" as const), charset, cte }),
  fc.record({ kind: fc.constant("html" as const), spelling, cte }),
  fc.record({ kind: fc.constant("calendar" as const), fold: fc.integer({ min: 1, max: 60 }), cte }),
  fc.record({ kind: fc.constant("nested" as const), cte: fc.constantFrom("7bit", "base64") }),
  fc.record({ kind: fc.constant("display-name" as const) }),
);

type Layer = typeof layer extends fc.Arbitrary<infer T> ? T : never;

function cased(address: string, how: string): string {
  if (how === "upper") return address.toUpperCase();
  if (how === "mixed") return [...address].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("");
  return address;
}

function spell(address: string, how: string): string {
  const [l, d] = address.split("@");
  if (how === "decimal") return `${l}&#64;${d}`;
  if (how === "hex") return `${l}&#x40;${d.replace(/\./g, "&#x2E;")}`;
  if (how === "percent") return `<a href="mailto:${l}%40${d}">x</a>`;
  if (how === "named") return `${l}&commat;${d}`;
  return address;
}

function transfer(binary: string, encoding: string): string {
  if (encoding === "base64") return encodeBase64(binary);
  if (encoding === "quoted-printable") return encodeQuotedPrintable(binary);
  return binary;
}

function part(type: string, encoding: string, binary: string): string {
  const effective = encoding === "7bit" && /[\x80-\xff]/.test(binary) ? "quoted-printable" : encoding;
  return `Content-Type: ${type}\r\nContent-Transfer-Encoding: ${effective}\r\n\r\n${transfer(binary, effective)}\r\n`;
}

function build(address: string, layers: Layer[]): { raw: string; fromName: string } {
  let subject = "Question";
  let fromName = "Contact";
  const parts: string[] = [`Content-Type: text/plain; charset=us-ascii\r\n\r\nHello.\r\n`];
  for (const l of layers) {
    if (l.kind === "subject") {
      const text = `問い合わせ ${address}`;
      subject = l.encoding === "plain" ? `about ${address}` : l.encoding === "B" ? `=?UTF-8?B?${btoa(utf8ToBinary(text))}?=` : `=?UTF-8?Q?${[...utf8ToBinary(text)].map((c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`).join("")}?=`;
    } else if (l.kind === "text") {
      const prefix = l.charset === "windows-1252" ? "Café, écrivez à" : "ご連絡は";
      parts.push(part(`text/plain; charset=${l.charset}`, l.cte, encodeCharset(`${prefix} ${address} まで`.replace(" まで", l.charset === "windows-1252" ? " merci" : " まで"), l.charset)!));
    } else if (l.kind === "html") {
      parts.push(part("text/html; charset=utf-8", l.cte, utf8ToBinary(`<p>連絡先 ${spell(address, l.spelling)}</p>`)));
    } else if (l.kind === "calendar") {
      const line = `ATTENDEE;CN=Contact:mailto:${address}`;
      const folded = `${line.slice(0, l.fold)}\r\n ${line.slice(l.fold)}`;
      parts.push(part("text/calendar; charset=utf-8; method=REQUEST", l.cte, `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n${folded}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`));
    } else if (l.kind === "nested") {
      const inner = `From: Contact <${address}>\r\nSubject: earlier\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${encodeBase64(utf8ToBinary(`write to ${address}`))}`;
      parts.push(l.cte === "7bit" ? `Content-Type: message/rfc822\r\n\r\n${inner}\r\n` : part("message/rfc822", "base64", inner));
    } else {
      fromName = address;
    }
  }
  const boundary = "prop-boundary";
  const raw = [`From: "${fromName}" <${address}>`, "To: info@relay.example.jp", `Subject: ${subject}`, "Message-ID: <p@example.com>", "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="${boundary}"`, "", ...parts.map((p) => `--${boundary}\r\n${p}`), `--${boundary}--`, ""].join("\r\n");
  return { raw, fromName };
}

describe("leak property", () => {
  it(`hides the contact's address in every layer (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(local, domain, letterCase, fc.array(layer, { minLength: 1, maxLength: 4 }), async (l, d, how, layers) => {
        const real = `${l}@${d}`;
        const written = cased(real, how);
        const { raw, fromName } = build(written, layers);
        const message = parseMessage(binaryToBytes(raw));
        const resolve = (a: string) => (a === real ? ALIAS : null);
        const out = renderCopy(message, { from: `"${fromName}" <${ALIAS}>`.replace(`"${written}" `, ""), to: [{ name: "Desk", address: "info@relay.example.jp" }], cc: [], messageId: "<m@relay.example.jp>", thread: [] }, resolve);
        const leaks = await findLeaks(out, [real]);
        expect(leaks, JSON.stringify({ layers, written })).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});
