/**
 * Malformed MIME never crashes the relay: generated messages with truncated parts, missing or
 * broken boundaries, huge headers, deep nesting, invalid encodings and random bytes either relay
 * or are refused with an SMTP reason. The pure core takes 1000 cases; the whole worker 100.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { renderCopy } from "../../../worker/email/render-copy";
import { binaryToBytes } from "../../../worker/mime/bytes";
import { parseMessage } from "../../../worker/mime/message";
import { MimeLimitError } from "../../../worker/mime/mime-tree";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { inject } from "../../helpers/relay";

const junk = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 200 });
const headerLine = fc.oneof(
  fc.constantFrom("Content-Type: multipart/mixed; boundary=", 'Content-Type: multipart/mixed; boundary="', "Content-Type: text/plain; charset=bogus-charset", "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable", "Content-Type: message/rfc822", "From: <@@>", "From: =?UTF-8?B?====?= <a@b>", "Subject: =?ISO-2022-JP?B?GyRC?=", " leading continuation", ":", "X: " + "x".repeat(5000)),
  junk.map((j) => `X-Junk: ${j}`),
);
const part: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(fc.array(headerLine, { maxLength: 4 }), junk).map(([h, b]) => `${h.join("\r\n")}\r\n\r\n${b}`),
    fc.tuple(fc.constantFrom("b1", "b 2", ""), fc.array(tie("node"), { maxLength: 3 }), fc.boolean(), fc.boolean()).map(
      ([b, kids, close, truncate]) => {
        const body = `Content-Type: multipart/mixed; boundary="${b}"\r\n\r\n${kids.map((k) => `--${b}\r\n${k}\r\n`).join("")}${close ? `--${b}--\r\n` : ""}`;
        return truncate ? body.slice(0, Math.floor(body.length / 2)) : body;
      },
    ),
    fc.tuple(fc.integer({ min: 1, max: 60 }), fc.constantFrom("7bit", "base64", "quoted-printable")).map(([depth, cte]) => {
      let inner = "Subject: deep\r\n\r\nmail hanako.yamada@example.com\r\n";
      for (let i = 0; i < depth; i++) inner = `Content-Type: message/rfc822\r\nContent-Transfer-Encoding: ${cte === "base64" ? "7bit" : cte}\r\n\r\n${inner}`;
      return inner;
    }),
  ),
})).node;
const message = fc.tuple(part, fc.boolean()).map(([p, lf]) => {
  const raw = `From: Hanako <hanako.yamada@example.com>\r\nTo: info@relay.example.jp\r\nMessage-ID: <m@example.com>\r\n${p}`;
  return lf ? raw.replace(/\r\n/g, "\n") : raw;
});

const resolve = (a: string) => (a === "hanako.yamada@example.com" ? "r-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@relay.example.jp" : null);

describe("malformed MIME", () => {
  it("the pure core relays or refuses 1000 generated messages, never crashing", () => {
    fc.assert(
      fc.property(message, (raw) => {
        try {
          const parsed = parseMessage(binaryToBytes(raw));
          const out = renderCopy(parsed, { from: "<r@relay.example.jp>", to: [], cc: [], messageId: "<x@relay.example.jp>", thread: [] }, resolve);
          expect(out.length).toBeGreaterThan(0);
        } catch (error) {
          if (!(error instanceof MimeLimitError)) throw error;
        }
      }),
      { numRuns: 1000, seed: 20261203 },
    );
  });

  describe("through the worker", () => {
    beforeAll(async () => {
      await resetDatabase();
      await makeAddress();
    });

    it("answers 100 generated messages with a relay or an SMTP reason", async () => {
      const samples = fc.sample(message, { numRuns: 100, seed: 42 });
      for (const [i, raw] of samples.entries()) {
        const result = await inject({ from: "hanako.yamada@example.com", to: "info@relay.example.jp", raw: binaryToBytes(raw.replace("<m@example.com>", `<m${i}@example.com>`)) });
        if (result.rejected !== null) expect(result.rejected).toMatch(/^[45]\d\d [45]\.\d\.\d+ \S/);
        else expect(result.sent).toHaveLength(2);
      }
    });
  });
});
