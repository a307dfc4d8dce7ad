/**
 * Attack: a blocked sender gets through by spelling the same mailbox another way (a quoted
 * local part, RFC 5321 §4.1.2 — `"troll"@x` is `troll@x`), by naming itself as a second author
 * in From (RFC 5322 §3.6.2 allows several), in Sender, or in Reply-To, so that the
 * organisation's answers reach it anyway; or by a full-width (IDNA-mapped) domain in an RFC 6531
 * envelope.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { REFUSED_SENDER } from "../../../worker/email/sender-policy";
import { PUBLIC, STAFF_ONE } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api, inject } from "../../helpers/relay";

const TROLL = "troll@school.example";
const PARENT = "parent@other.example";

function mail(headers: string, id: string): string {
  return `${headers}\r\nTo: ${PUBLIC}\r\nSubject: test\r\nMessage-ID: <${id}@example.com>\r\n\r\nHello.\r\n`;
}

describe("attack: sender rule bypass", () => {
  beforeEach(resetDatabase);

  it("a blocked address is refused however its mailbox is spelt and wherever it asks for answers", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "block", pattern: TROLL })).status).toBe(201);
    const attempts: [string, string][] = [
      [`"troll"@school.example`, `From: <"troll"@school.example>`],
      [`"Troll+x"@School.Example`, `From: <"Troll+x"@School.Example>`],
      [PARENT, `From: <"tr\\oll"@school.example>`],
      // RFC 6531 envelope with a full-width domain, which IDNA maps to school.example.
      ["troll@ｓｃｈｏｏｌ.example", `From: <troll@ｓｃｈｏｏｌ.example>`],
      ["TROLL@ＳＣＨＯＯＬ.example", `From: <TROLL@ＳＣＨＯＯＬ.example>`],
      [PARENT, `From: Parent <${PARENT}>, Troll <${TROLL}>\r\nSender: <${PARENT}>`],
      [PARENT, `From: Parent <${PARENT}>\r\nSender: <${TROLL}>`],
      [PARENT, `From: Parent <${PARENT}>\r\nReply-To: "T" <"troll"@school.example>`],
    ];
    for (const [envelope, headers] of attempts) {
      const { rejected, sent } = await inject({ from: envelope, to: PUBLIC, raw: mail(headers, `b${attempts.findIndex((a) => a[1] === headers)}`) });
      expect([headers, rejected, sent.length]).toEqual([headers, REFUSED_SENDER, 0]);
    }
    // Others still pass, including a quoted spelling of an unblocked mailbox.
    expect((await inject({ from: PARENT, to: PUBLIC, raw: mail(`From: Parent <${PARENT}>\r\nReply-To: <"parent"@other.example>`, "ok1") })).rejected).toBeNull();
  });

  it("a blocked address is still found behind enough other sender addresses to pass D1's bind limit", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "block", pattern: TROLL })).status).toBe(201);
    const crowd = Array.from({ length: 60 }, (_, i) => `<p${i}@d${i}.example>`).join(", ");
    const { rejected } = await inject({ from: PARENT, to: PUBLIC, raw: mail(`From: Parent <${PARENT}>, ${crowd}\r\nSender: <${PARENT}>\r\nReply-To: ${crowd}, <${TROLL}>`, "crowd") });
    expect(rejected).toBe(REFUSED_SENDER);
  });

  it("an allowed sender may be spelt with quotes, and a quoted stranger is still a stranger", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    expect((await api("POST", `/api/addresses/${id}/sender-rules`, { kind: "allow", pattern: PARENT })).status).toBe(201);
    expect((await inject({ from: `"parent"@other.example`, to: PUBLIC, raw: mail(`From: <"parent"@other.example>`, "al1") })).rejected).toBeNull();
    expect((await inject({ from: `"x"@other.example`, to: PUBLIC, raw: mail(`From: <"x"@other.example>`, "al2") })).rejected).toBe(REFUSED_SENDER);
  });
});
