import { beforeEach, describe, expect, it } from "vitest";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { authenticated, header, inject, rawBytes } from "../../helpers/relay";

const CONTACT = "hanako.yamada@example.com";

function firstMail(extra = ""): string {
  return [
    `From: Hanako Yamada <${CONTACT}>`,
    "To: Example Support Desk <info@relay.example.jp>",
    "Subject: Quote request",
    "Date: Mon, 03 Mar 2025 10:15:00 +0900",
    "Message-ID: <hy-0001@mail.example.com>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
    extra,
    "",
    `Hello, please answer to ${CONTACT}.`,
    "",
  ]
    .filter((l, i, all) => l !== "" || i >= all.indexOf(""))
    .join("\r\n");
}

describe("relay core", () => {
  beforeEach(async () => {
    await resetDatabase();
    await makeAddress();
  });

  it("forwards to every verified recipient behind one reverse alias each", async () => {
    const { rejected, sent } = await inject({ from: CONTACT, to: "info@relay.example.jp", raw: firstMail() });
    expect(rejected).toBeNull();
    expect(sent.map((s) => s.envelopeTo).sort()).toEqual(["staff.one@example.net", "staff.two@example.net"]);
    const aliases = new Set<string>();
    for (const copy of sent) {
      const from = header(copy.raw, "from")!;
      const alias = from.match(/<(r-[a-z2-7]{34}@relay\.example\.jp)>/)![1];
      aliases.add(alias);
      expect(from).toBe(`Hanako Yamada <${alias}>`);
      expect(header(copy.raw, "reply-to")).toBe(`<${alias}>`);
      expect(header(copy.raw, "to")).toBe("Example Support Desk <info@relay.example.jp>");
      expect(copy.envelopeFrom).toBe(alias);
      expect(copy.raw).toContain(`Hello, please answer to ${alias}.`);
      expect(await findLeaks(rawBytes(copy), [CONTACT])).toEqual([]);
    }
    expect(aliases.size).toBe(2);
  });

  it("sends the bound recipient's reply to the contact from the public address", async () => {
    const { sent } = await inject({ from: CONTACT, to: "info@relay.example.jp", raw: firstMail() });
    const copy = sent.find((s) => s.envelopeTo === "staff.one@example.net")!;
    const alias = copy.envelopeFrom;
    const forwardedId = header(copy.raw, "message-id")!;
    const reply = authenticated(
      [
        "From: Staff One <staff.one@example.net>",
        `To: Hanako Yamada <${alias}>`,
        "Subject: Re: Quote request",
        "Message-ID: <s1-0001@mail.example.net>",
        `In-Reply-To: ${forwardedId}`,
        `References: ${forwardedId}`,
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Here is the quote.",
        "-- ",
        "Staff One <staff.one@example.net>",
        "",
      ].join("\r\n"),
      "staff.one@example.net",
    );
    const result = await inject({ from: "staff.one@example.net", to: alias, raw: reply });
    expect(result.rejected).toBeNull();
    expect(result.sent).toHaveLength(1);
    const out = result.sent[0];
    expect(out.envelopeTo).toBe(CONTACT);
    expect(out.envelopeFrom).toBe("info@relay.example.jp");
    expect(header(out.raw, "from")).toBe("Example Support Desk <info@relay.example.jp>");
    expect(header(out.raw, "to")).toBe(`Hanako Yamada <${CONTACT}>`);
    expect(header(out.raw, "in-reply-to")).toBe("<hy-0001@mail.example.com>");
    expect(header(out.raw, "references")).toBe("<hy-0001@mail.example.com>");
    expect(header(out.raw, "message-id")).toMatch(/^<[a-z2-7]{26}@relay\.example\.jp>$/);
    expect(out.raw).toContain("Staff One <info@relay.example.jp>");
    expect(await findLeaks(rawBytes(out), ["staff.one@example.net", "staff.two@example.net", alias])).toEqual([]);
  });

  it("refuses a reverse alias used by anyone but its recipient, revealing nothing", async () => {
    const { sent } = await inject({ from: CONTACT, to: "info@relay.example.jp", raw: firstMail() });
    const alias = sent.find((s) => s.envelopeTo === "staff.one@example.net")!.envelopeFrom;
    for (const stranger of ["mallory@example.org", "staff.two@example.net"]) {
      const raw = authenticated(`From: <${stranger}>\r\nTo: <${alias}>\r\nSubject: hi\r\nMessage-ID: <x@example.org>\r\n\r\nhello\r\n`, stranger);
      const result = await inject({ from: stranger, to: alias, raw });
      expect(result.rejected).toBe("550 5.7.1 This address accepts mail only from the correspondent it was issued to");
      expect(result.sent).toEqual([]);
    }
    // The bound recipient's address in the From header but another envelope sender: refused too.
    const forged = authenticated(`From: <staff.one@example.net>\r\nTo: <${alias}>\r\nSubject: hi\r\nMessage-ID: <y@example.org>\r\n\r\nhello\r\n`, "mallory@example.org");
    expect((await inject({ from: "mallory@example.org", to: alias, raw: forged })).rejected).toMatch(/^550 5\.7\.1 /);
  });

  it("refuses unknown addresses and guessed aliases", async () => {
    const unknown = await inject({ from: CONTACT, to: "nobody@relay.example.jp", raw: firstMail() });
    expect(unknown).toEqual({ rejected: "550 5.1.1 No such address here", sent: [] });
    const guessed = await inject({ from: CONTACT, to: `r-${"a".repeat(34)}@relay.example.jp`, raw: firstMail() });
    expect(guessed).toEqual({ rejected: "550 5.1.1 No such address here", sent: [] });
  });

  it("reuses the same reverse alias for the same contact and recipient", async () => {
    const first = await inject({ from: CONTACT, to: "info@relay.example.jp", raw: firstMail() });
    const second = await inject({ from: CONTACT, to: "INFO@Relay.Example.JP", raw: firstMail().replace("hy-0001", "hy-0002") });
    const aliasOf = (items: typeof first.sent, to: string) => items.find((s) => s.envelopeTo === to)!.envelopeFrom;
    expect(aliasOf(second.sent, "staff.one@example.net")).toBe(aliasOf(first.sent, "staff.one@example.net"));
    expect(aliasOf(second.sent, "staff.two@example.net")).toBe(aliasOf(first.sent, "staff.two@example.net"));
  });
});
