/**
 * Attack: a contact's address in a Unicode form the platform decoder does not know but the
 * recipient's mail client reads (Outlook and Thunderbird decode UTF-7 and UTF-32): "+AEA-" is
 * "@" in UTF-7, and UTF-32 puts three zero bytes after every ASCII letter. The leak checker's
 * parser reads neither, so these tests decode the copies themselves.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { inject, rawBinary, rawBytes } from "../../helpers/relay";

const CRLF = (lines: string[]) => lines.join("\r\n");
const [L, D] = HANAKO.split("@");
const UTF7 = `${L}+AEA-${D}`;
/** The whole address as one UTF-7 base64 run. */
const UTF7_RUN = "+" + btoa([...HANAKO].map((c) => "\0" + c).join("")).replace(/=+$/, "") + "-";
const utf32 = (s: string, le: boolean) => [...s].map((c) => (le ? c + "\0\0\0" : "\0\0\0" + c)).join("");

function hasAddress(copy: string): boolean {
  const lower = copy.toLowerCase();
  return lower.includes(UTF7.toLowerCase()) || copy.includes(UTF7_RUN.slice(1, -1)) || copy.includes(utf32(HANAKO, true)) || copy.includes(utf32(HANAKO, false)) || /\+aea-/i.test(copy);
}

/** The copy with a single base64 body decoded, as bytes. */
function decodedBody(copy: string): string {
  const [headers, ...rest] = copy.split("\r\n\r\n");
  const body = rest.join("\r\n\r\n");
  return /content-transfer-encoding:\s*base64/i.test(headers) ? atob(body.replace(/\s+/g, "")) : body;
}

async function forward(raw: string) {
  await makeAddress();
  const r = await inject({ from: HANAKO, to: PUBLIC, raw });
  expect(r.rejected).toBeNull();
  expect(r.sent).toHaveLength(2);
  return r.sent;
}

const head = (subject: string, extra: string[]) => [`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, `Subject: ${subject}`, "Message-ID: <u7-1@example.com>", "MIME-Version: 1.0", ...extra];

describe("UTF-7 and UTF-32 read as the recipient's client reads them", () => {
  beforeEach(resetDatabase);

  it("a UTF-7 body: '+AEA-' and a whole address in one base64 run", async () => {
    for (const copy of await forward(CRLF([...head("hi", ["Content-Type: text/plain; charset=utf-7"]), "", `write to ${UTF7} or ${UTF7_RUN}`, ""]))) {
      const raw = rawBinary(copy);
      expect(hasAddress(raw)).toBe(false);
      expect(raw).toMatch(/charset=UTF-8/i);
      expect(await findLeaks(rawBytes(copy), [HANAKO])).toEqual([]);
    }
  });

  it("a UTF-7 encoded-word in the Subject and in an attachment's name", async () => {
    const raw = CRLF([...head(`=?utf-7?Q?${UTF7}?=`, ['Content-Type: multipart/mixed; boundary="B"']), "", "--B", "Content-Type: text/plain", "", "hi", "--B",
      `Content-Type: application/pdf; name="=?UTF-7?Q?${UTF7}.pdf?="`, "Content-Transfer-Encoding: base64", "", btoa("%PDF"), "--B--", ""]);
    for (const copy of await forward(raw)) expect(hasAddress(rawBinary(copy))).toBe(false);
  });

  for (const [label, le] of [["utf-32", true], ["UTF-32BE", false], ["utf-32le", true]] as const) {
    it(`a ${label} body in base64`, async () => {
      const raw = CRLF([...head("hi", [`Content-Type: text/plain; charset=${label}`, "Content-Transfer-Encoding: base64"]), "", btoa(utf32(`write to ${HANAKO}\r\n`, le)), ""]);
      for (const copy of await forward(raw)) {
        const body = decodedBody(rawBinary(copy));
        expect(body).toContain("write to");
        expect(hasAddress(body)).toBe(false);
        expect(await findLeaks(rawBytes(copy), [HANAKO])).toEqual([]);
      }
    });
  }

  it("the text around the address survives", async () => {
    const [copy] = await forward(CRLF([...head("hi", ["Content-Type: text/plain; charset=utf-7"]), "", "1 +- 1 = 2, +ZeVnLIqe- text", ""]));
    expect(rawBinary(copy)).toContain("1 +- 1 = 2, +ZeVnLIqe- text");
  });
});
