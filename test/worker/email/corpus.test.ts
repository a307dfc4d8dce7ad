/**
 * Every real-world message in ../shared/corpus is relayed: each copy parses, carries a reverse
 * alias (or, for a bounce, the public address) as From, and no external address that was
 * turned into an alias occurs anywhere in it.
 */
import PostalMime from "postal-mime";
import { beforeEach, describe, expect, it } from "vitest";
import { parseAddressList } from "../../../worker/mime/address";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fixture, fixtureNames, sharedMissing } from "../../helpers/fixtures";
import { findLeaks } from "../../helpers/leak-check";
import { header, inject, rawBytes } from "../../helpers/relay";

const names = sharedMissing ? [] : fixtureNames("corpus/");

function headerOf(bytes: Uint8Array, name: string): string | undefined {
  const text = new TextDecoder("latin1").decode(bytes);
  const block = text.split(/\r?\n\r?\n/)[0].replace(/\r?\n(?=[ \t])/g, "");
  return block.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1);
}

describe.skipIf(sharedMissing)("corpus", () => {
  beforeEach(async () => {
    await resetDatabase();
    await makeAddress();
  });

  it.each(names)("relays %s without leaking an address", async (name) => {
    const bytes = fixture(name);
    const from = parseAddressList(headerOf(bytes, "from"))[0]?.address ?? "corpus.sender@example.com";
    const bounce = /^(mailer-daemon|postmaster)@/i.test(from);
    const { rejected, sent } = await inject({ from: bounce ? "" : from, to: "info@relay.example.jp", raw: bytes });
    expect(rejected).toBeNull();
    expect(sent).toHaveLength(2);
    const external = [from, ...["reply-to", "to", "cc"].flatMap((h) => parseAddressList(headerOf(bytes, h)).map((m) => m.address))]
      .map((a) => a.toLowerCase())
      .filter((a) => !a.endsWith("@relay.example.jp"));
    for (const copy of sent) {
      const email = await PostalMime.parse(rawBytes(copy));
      expect(email.headers.length).toBeGreaterThan(3);
      const fromHeader = header(copy.raw, "from")!;
      if (bounce) expect(fromHeader).toBe('"Mail Delivery System" <info@relay.example.jp>');
      else expect(fromHeader).toMatch(/<r-[a-z2-7]{34}@relay\.example\.jp>$/);
      expect(await findLeaks(rawBytes(copy), [...new Set(external)])).toEqual([]);
    }
  });
});
