/**
 * Attack: content fields a client may read differently from the relay. A part with two
 * Content-Transfer-Encoding (or Content-Type) fields is decoded by the relay per the first, by
 * some clients per the last; a quoted encoding ("\"base64\"") is read by clients as base64.
 * The copy must carry only what the relay read, and the relay must read what clients read.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { inject, rawBinary, rawBytes } from "../../helpers/relay";

const CRLF = (lines: string[]) => lines.join("\r\n");
const b64 = (s: string) => btoa(s);
const message = (part: string[]) =>
  CRLF([`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: t", "Message-ID: <amb-1@example.com>", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="B"', "", "--B", "Content-Type: text/plain", "", "hi", "--B", ...part, "--B--", ""]);

async function copies(raw: string) {
  await makeAddress();
  const r = await inject({ from: HANAKO, to: PUBLIC, raw });
  expect(r.rejected).toBeNull();
  expect(r.sent).toHaveLength(2);
  return r.sent;
}

/** Every header block of the copy (the message's and each part's), as lowercased field names. */
function headerBlocks(raw: string): string[][] {
  return raw.split(/\r\n--B(?:--)?\r\n/).map((chunk) => chunk.split("\r\n\r\n")[0].replace(/\r\n[ \t]+/g, " ").split("\r\n").map((l) => l.slice(0, l.indexOf(":")).toLowerCase()));
}

describe("content fields read one way only", () => {
  beforeEach(resetDatabase);

  for (const [name, fields] of [
    ["two Content-Transfer-Encodings (7bit, then base64)", ["Content-Type: text/plain", "Content-Transfer-Encoding: 7bit", "Content-Transfer-Encoding: base64"]],
    ["two Content-Types (image/png, then text/plain)", ["Content-Type: image/png", "Content-Type: text/plain", "Content-Transfer-Encoding: base64"]],
    ["two Content-Dispositions", ["Content-Type: text/plain", 'Content-Disposition: inline', 'Content-Disposition: attachment; filename="a.txt"', "Content-Transfer-Encoding: 7bit", "Content-Transfer-Encoding: base64"]],
  ] as const) {
    it(`${name}: the copy's part carries one of each`, async () => {
      for (const copy of await copies(message([...fields, "", b64(`write to ${HANAKO}`)]))) {
        for (const block of headerBlocks(rawBinary(copy))) {
          for (const key of ["content-type", "content-transfer-encoding", "content-disposition"]) expect(block.filter((k) => k === key).length).toBeLessThanOrEqual(1);
        }
      }
    });
  }

  it("the same inside an attached message", async () => {
    const inner = CRLF(["From: someone@example.org", "Subject: old", "Content-Type: text/plain", "Content-Transfer-Encoding: 8bit", "Content-Transfer-Encoding: base64", "", b64(`write to ${HANAKO}`), ""]);
    for (const copy of await copies(message(["Content-Type: message/rfc822", "", inner]))) {
      const raw = rawBinary(copy);
      expect(raw.match(/^content-transfer-encoding:/gim)?.length ?? 0).toBeLessThanOrEqual(1);
    }
  });

  it('a quoted encoding ("base64") is decoded as clients decode it', async () => {
    for (const copy of await copies(message(["Content-Type: text/plain", 'Content-Transfer-Encoding: "base64"', "", b64(`write to ${HANAKO}`)]))) {
      expect(await findLeaks(rawBytes(copy), [HANAKO])).toEqual([]);
    }
  });

  it("a boundary given twice: the copy names one, and every part under it is rewritten", async () => {
    const hidden = CRLF(["--X", "Content-Type: text/plain", "Content-Transfer-Encoding: base64", "", b64(`write to ${HANAKO}`), "--X--"]);
    const raw = CRLF([`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: t", "Message-ID: <amb-2@example.com>", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="X"; boundary="A"', "",
      "--A", "Content-Type: text/plain", "", "hi", hidden, "--A--", ""]);
    for (const copy of await copies(raw)) {
      const type = rawBinary(copy).split("\r\n\r\n")[0].replace(/\r\n[ \t]+/g, " ").match(/^content-type:.*$/im)![0];
      expect(type.match(/boundary/gi)).toHaveLength(1);
      expect(await findLeaks(rawBytes(copy), [HANAKO])).toEqual([]);
    }
  });

  it("a charset given twice: the copy names one", async () => {
    for (const copy of await copies(message(["Content-Type: text/plain; charset=utf-7; charset=us-ascii", "", `write to ${HANAKO.replace("@", "+AEA-")}`]))) {
      const types = rawBinary(copy).replace(/\r\n[ \t]+/g, " ").match(/^content-type:.*$/gim)!;
      for (const type of types) expect((type.match(/charset/gi) ?? []).length).toBeLessThanOrEqual(1);
    }
  });
});
