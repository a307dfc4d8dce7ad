/**
 * Attack: a contact's address spelled through two layers a reader decodes one after the
 * other — an HTML entity that spells "%" (a browser turns `&#37;40` into "%40", the mail client
 * the mailto: link opens turns that into "@"), and content lines folded as vCard (RFC 6350 §3.2)
 * and iCalendar fold them, where the fold falls inside the address.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { inject, rawBytes } from "../../helpers/relay";

const CRLF = (lines: string[]) => lines.join("\r\n");
const [L, D] = HANAKO.split("@");
const head = (extra: string[]) => [`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: t", "Message-ID: <layer-1@example.com>", "MIME-Version: 1.0", ...extra];

async function forwardCopies(raw: string) {
  await makeAddress();
  const r = await inject({ from: HANAKO, to: PUBLIC, raw });
  expect(r.rejected).toBeNull();
  expect(r.sent).toHaveLength(2);
  return r.sent.map((copy) => copy.raw);
}

async function forwardLeaks(raw: string) {
  await makeAddress();
  const r = await inject({ from: HANAKO, to: PUBLIC, raw });
  expect(r.rejected).toBeNull();
  expect(r.sent).toHaveLength(2);
  const leaks = [];
  for (const copy of r.sent) leaks.push(...(await findLeaks(rawBytes(copy), [HANAKO])));
  return leaks;
}

describe("addresses behind two decoding layers", () => {
  beforeEach(resetDatabase);

  for (const at of ["&#37;40", "&#x25;40", "&percnt;40", "&#37;&#52;&#48;", "%&#x34;&#x30;"]) {
    it(`HTML mailto: with "@" as ${at} (entity, then percent-encoding)`, async () => {
      const raw = CRLF([...head(["Content-Type: text/html; charset=utf-8"]), "", `<p><a href="mailto:${L}${at}${D}">write</a></p>`, ""]);
      expect(await forwardLeaks(raw)).toEqual([]);
    });
  }

  it("the same in quoted-printable HTML, split by a soft break", async () => {
    const raw = CRLF([...head(["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]), "", `<p><a href=3D"mailto:${L}&#37;=`, `40${D}">write</a></p>`, ""]);
    expect(await forwardLeaks(raw)).toEqual([]);
  });

  it("a vCard whose EMAIL line is folded inside the address", async () => {
    const raw = CRLF([...head(['Content-Type: multipart/mixed; boundary="B"']), "", "--B", "Content-Type: text/plain", "", "my card", "--B",
      'Content-Type: text/vcard; name="hanako.vcf"', "", "BEGIN:VCARD", "VERSION:4.0", "FN:Hanako", `EMAIL;TYPE=work:${HANAKO.slice(0, 9)}`, ` ${HANAKO.slice(9, 20)}`, `\t${HANAKO.slice(20)}`, "END:VCARD", "", "--B--", ""]);
    expect(await forwardLeaks(raw)).toEqual([]);
  });

  it("format=flowed; delsp=yes text whose soft line break falls inside the address, quoted too", async () => {
    const raw = CRLF([...head(["Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes"]), "", `Write to ${HANAKO.slice(0, 15)} `, `${HANAKO.slice(15)} please.`, "", `> Hanako wrote: ${HANAKO.slice(0, 9)} `, `> ${HANAKO.slice(9)}`, ""]);
    for (const copy of await forwardCopies(raw)) {
      const body = copy.split("\r\n\r\n").slice(1).join("\r\n\r\n");
      // As a flowed reader shows it: "SP CRLF" and the next line's quote markers removed.
      expect(body.replace(/ \r\n>* ?/g, "").toLowerCase()).not.toContain(HANAKO);
    }
  });

  it("a plain text line folded inside the address", async () => {
    const raw = CRLF([...head(["Content-Type: text/plain; charset=utf-8"]), "", `Write to ${HANAKO.slice(0, 15)}`, ` ${HANAKO.slice(15)} please.`, ""]);
    expect(await forwardLeaks(raw)).toEqual([]);
  });

  it("a 400 KB body of folded '@' runs costs little time: each '@' reads only as far as an address can reach", async () => {
    await makeAddress();
    const started = Date.now();
    const r = await inject({ from: HANAKO, to: PUBLIC, raw: CRLF([...head(["Content-Type: text/plain"]), "", "a\r\n @\r\n ".repeat(50_000), ""]) });
    expect(r.rejected).toBeNull();
    expect(r.sent).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
