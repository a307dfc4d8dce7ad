/**
 * Attack: text the recipient's client opens as text, attached under a type that does not say
 * "text/": data formats (JSON, XML, vCard as application/*, RFC 6839 +json/+xml) and files under
 * a generic type whose name tells the client what they are (card.vcf, list.csv, page.html,
 * forwarded.eml as application/octet-stream).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { inject, rawBytes } from "../../helpers/relay";

const CRLF = (lines: string[]) => lines.join("\r\n");
const b64 = (s: string) => btoa(s).replace(/.{1,76}/g, "$&\r\n").trimEnd();

function withAttachment(part: string[]): string {
  return CRLF([`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: files", "Message-ID: <att-1@example.com>", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="B"', "",
    "--B", "Content-Type: text/plain", "", "see attached", "--B", ...part, "--B--", ""]);
}

const cases: [string, string[]][] = [
  ["application/json", ["Content-Type: application/json", "", `{"contact": "${HANAKO}"}`]],
  ["application/xml, base64", ["Content-Type: application/xml", "Content-Transfer-Encoding: base64", "", b64(`<contact email="${HANAKO}"/>`)]],
  ["application/vcard", ["Content-Type: application/vcard", "", "BEGIN:VCARD", `EMAIL:${HANAKO}`, "END:VCARD"]],
  ["application/ld+json", ["Content-Type: application/ld+json", "", `{"email": "mailto:${HANAKO}"}`]],
  ["card.vcf as application/octet-stream", ['Content-Type: application/octet-stream; name="card.vcf"', "Content-Transfer-Encoding: base64", "", b64(`BEGIN:VCARD\r\nEMAIL:${HANAKO}\r\nEND:VCARD\r\n`)]],
  ["list.csv as application/octet-stream", ["Content-Type: application/octet-stream", 'Content-Disposition: attachment; filename="list.csv"', "", `name,email\r\nHanako,${HANAKO}`]],
  ["page.html as application/octet-stream", ['Content-Type: application/octet-stream; name="page.html"', "Content-Transfer-Encoding: base64", "", b64(`<a href="mailto:${HANAKO.replace("@", "&#64;")}">me</a>`)]],
  ["forwarded.eml as application/octet-stream", ['Content-Type: application/octet-stream; name="forwarded.eml"', "Content-Transfer-Encoding: base64", "", b64(`From: Hanako <${HANAKO}>\r\nSubject: old\r\n\r\nwrite to ${HANAKO}\r\n`)]],
];

describe("text attached under a type that is not text/*", () => {
  beforeEach(resetDatabase);
  for (const [name, part] of cases) {
    it(name, async () => {
      await makeAddress();
      const r = await inject({ from: HANAKO, to: PUBLIC, raw: withAttachment(part) });
      expect(r.rejected).toBeNull();
      expect(r.sent).toHaveLength(2);
      for (const copy of r.sent) expect(await findLeaks(rawBytes(copy), [HANAKO])).toEqual([]);
    });
  }

  it("a binary attachment under a generic type is left byte for byte", async () => {
    await makeAddress();
    const pdf = "%PDF-1.4\r\n\x00\x01\xff binary";
    const r = await inject({ from: HANAKO, to: PUBLIC, raw: withAttachment(['Content-Type: application/octet-stream; name="report.pdf"', "Content-Transfer-Encoding: base64", "", b64(pdf)]) });
    expect(r.sent[0].raw).toContain(b64(pdf));
  });
});
