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
import { malformedMessage as message } from "../../helpers/malformed-mime";

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
