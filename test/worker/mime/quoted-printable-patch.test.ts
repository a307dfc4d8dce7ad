/**
 * Quoted-printable parts are rewritten line by line: only the encoded lines that hold an
 * address are re-encoded, every other byte is kept, and the result decodes to exactly what a
 * full decode → replace → re-encode would give.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replaceAddresses } from "../../../worker/mime/addresses-in-text";
import { binaryToBytes } from "../../../worker/mime/bytes";
import { rewriteMessageText } from "../../../worker/mime/rewrite-body";
import { decodeQuotedPrintable, decodeQuotedPrintableLines, encodeQuotedPrintable } from "../../../worker/mime/transfer-encoding";

const CONTACT = "hanako.yamada@example.com";
const ALIAS = "r-alias@relay.example.jp";
const resolve = (a: string) => (a === CONTACT ? ALIAS : null);

/** RFC 2045 §6.7 as three regular-expression passes: the reference the one-pass decoder matches. */
function reference(text: string): string {
  return text
    .replace(/[ \t]+(?=\r?\n)/g, "")
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function message(type: string, body: string): string {
  return `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`;
}

function bodyOf(rewritten: string): string {
  return rewritten.slice(rewritten.indexOf("\r\n\r\n") + 4);
}

describe("quoted-printable decoding", () => {
  it("matches the three-pass RFC 2045 reference on hostile input (soft breaks after =, =X, white space)", () => {
    const unit = fc.constantFrom("=", "=\r\n", "= \r\n", "=\t\r\n", "\r\n", "\n", "\r", " ", "\t", "4", "1", "a", "F", "=4", "=3D", "=41", "@", "x", "\u00e9");
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
        const text = units.join("");
        const { binary, lines } = decodeQuotedPrintableLines(binaryToBytes(text));
        expect(binary).toBe(reference(text));
        // Every segment decodes on its own to its slice of the whole.
        for (let k = 0; k < lines.length; k += 4) expect(reference(text.slice(lines[k], lines[k + 1]))).toBe(binary.slice(lines[k + 2], lines[k + 3]));
      }),
      { numRuns: 2000 },
    );
    expect(decodeQuotedPrintable("=4=\r\n1 =\r\nb  \r\nc=3D")).toBe("A b\r\nc=");
  });
});

describe("rewriting a quoted-printable part", () => {
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i} =E2=80=94 caf=C3=A9 with some more words to fill it up nicely ok`);

  it("re-encodes only the line with the address and keeps every other line byte for byte", () => {
    const body = [...lines.slice(0, 20), `Write to ${CONTACT} today.`, ...lines.slice(20)].join("\r\n") + "\r\n";
    const out = bodyOf(rewriteMessageText(message("text/plain", body), resolve));
    expect(out).toBe([...lines.slice(0, 20), `Write to ${ALIAS} today.`, ...lines.slice(20)].join("\r\n") + "\r\n");
  });

  it("an address split across soft breaks of one long line: only those encoded lines change", () => {
    const html = `<p>${"word ".repeat(60)}<a href=3D"mailto:${CONTACT}">${CONTACT}</a>${" more".repeat(60)}</p>`;
    const body = html.replace(/.{70}/g, "$&=\r\n");
    const out = bodyOf(rewriteMessageText(message("text/html", body), resolve));
    const decoded = decodeQuotedPrintable(out);
    expect(decoded).toBe(replaceAddresses(decodeQuotedPrintable(body), resolve, { html: true }));
    expect(decoded).not.toContain(CONTACT);
    expect(out.startsWith(body.split("\r\n").slice(0, 3).join("\r\n"))).toBe(true);
    expect(out.endsWith(body.split("\r\n").slice(-3).join("\r\n"))).toBe(true);
    for (const line of out.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
  });

  it("an address split by a tag that spans hard lines, and one spelled with entities", () => {
    const body = `<p>intro</p>\r\nhanako.yamada<span\r\nclass=3D"x">@</span>example.com\r\n<p>${"filler ".repeat(20)}</p>\r\nhanako.yamada&#64;example&#x2E;com\r\n<p>end</p>\r\n`;
    const out = bodyOf(rewriteMessageText(message("text/html", body), resolve));
    const decoded = decodeQuotedPrintable(out);
    expect(decoded).toBe(replaceAddresses(decodeQuotedPrintable(body), resolve, { html: true }));
    expect(decoded).toBe(`<p>intro</p>\r\n${ALIAS}\r\n<p>${"filler ".repeat(20)}</p>\r\n${ALIAS}\r\n<p>end</p>\r\n`);
    expect(out).toContain(`\r\n<p>${"filler ".repeat(20)}</p>\r\n`);
  });

  it("an escape straddling a soft break (=4=CRLF0 is '@') is decoded and replaced", () => {
    const body = `hanako.yamada=4=\r\n0example.com and more\r\n`;
    const decoded = decodeQuotedPrintable(bodyOf(rewriteMessageText(message("text/plain", body), resolve)));
    expect(decoded).toBe(`${ALIAS} and more\r\n`);
  });

  it("decodes to exactly what a full decode and replace gives, on generated HTML and both kinds of encoder", () => {
    const unit = fc.constantFrom("<b>", "</b>", "<p>", "<span\r\nclass=x>", "<!-- c -->", "\r\n", " ", "word", "caf\u00c3\u00a9", CONTACT, "hanako.yamada", "@", "&#64;", "example.com", "mailto:", "=");
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 60 }), fc.integer({ min: 4, max: 80 }), fc.boolean(), (units, width, naive) => {
        const text = units.join("");
        // A careful encoder, or a naive one that splits escapes across soft breaks.
        const body = naive ? text.replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`).replace(new RegExp(`.{${width}}`, "g"), "$&=\r\n") : encodeQuotedPrintable(text);
        const out = bodyOf(rewriteMessageText(message("text/html", body), resolve));
        expect(decodeQuotedPrintable(out)).toBe(replaceAddresses(decodeQuotedPrintable(body), resolve, { html: true }));
      }),
      { numRuns: 1000 },
    );
  });

  it("a part without any address is left untouched", () => {
    const body = lines.join("\r\n") + "\r\n";
    const original = message("text/html", body);
    expect(rewriteMessageText(original, resolve)).toBe(original);
  });
});
