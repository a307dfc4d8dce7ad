/**
 * Attack: a bare CR inside a CRLF message. To the relay it ended no line; to Python's email
 * package and to MTAs that repair line ends it ends one, so "Content-Type: text/plain<CR>
 * Content-Transfer-Encoding: base64" hid a base64 body (or a whole MIME part) the relay never
 * decoded. Every copy must be free of the address however its bare CRs are read.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { inject, rawBinary } from "../../helpers/relay";

const CRLF = (lines: string[]) => lines.join("\r\n");
const b64 = (s: string) => btoa(s);
const head = (extra: string[]) => [`From: Hanako <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: t", "Message-ID: <cr-1@example.com>", "MIME-Version: 1.0", ...extra];
const mixed = (part: string) => CRLF([...head(['Content-Type: multipart/mixed; boundary="B"']), "", "--B", "Content-Type: text/plain", "", "hi", "--B", part, "--B--", ""]);
const binary = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

const cases: Record<string, string> = {
  "in a part's header block": mixed(`Content-Type: text/plain\rContent-Transfer-Encoding: base64\r\n\r\n${b64(`write to ${HANAKO}`)}`),
  "in the message's header block": CRLF([...head(["Content-Type: text/plain\rContent-Transfer-Encoding: base64"]), "", b64(`write to ${HANAKO}`), ""]),
  "making a part out of a text body": mixed(`Content-Type: text/plain\r\n\r\nhi\r--B\rContent-Type: text/plain\rContent-Transfer-Encoding: base64\r\r${b64(`write to ${HANAKO}`)}`),
};

describe("bare CR", () => {
  beforeEach(resetDatabase);
  for (const [name, raw] of Object.entries(cases)) {
    it(name, async () => {
      await makeAddress();
      const r = await inject({ from: HANAKO, to: PUBLIC, raw });
      expect(r.rejected).toBeNull();
      for (const copy of r.sent) {
        const out = rawBinary(copy);
        expect(await findLeaks(binary(out), [HANAKO])).toEqual([]);
        // As a parser that ends lines at a bare CR reads it.
        expect(await findLeaks(binary(out.replace(/\r(?!\n)/g, "\r\n")), [HANAKO])).toEqual([]);
      }
    });
  }
});
