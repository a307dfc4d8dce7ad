/** The project's own fixtures (test/fixtures/README.md): the shared cases' kinds, in other shapes. */
import PostalMime from "postal-mime";
import { beforeEach, describe, expect, it } from "vitest";
import { decodeCharset } from "../../../worker/mime/charset";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO, setUpConversation, substitute } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fixture } from "../../helpers/fixtures";
import { findLeaks } from "../../helpers/leak-check";
import { authenticated, header, inject, outbox, rawBinary, rawBytes, type OutboxItem } from "../../helpers/relay";

async function forwardOwn(name: string, from: string, forbidden: string[] = [from]): Promise<OutboxItem[]> {
  await makeAddress();
  const { rejected, sent } = await inject({ from, to: PUBLIC, raw: fixture(`own/${name}`) });
  expect(rejected).toBeNull();
  expect(sent.map((s) => s.envelopeTo).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
  for (const copy of sent) expect(await findLeaks(rawBytes(copy), forbidden)).toEqual([]);
  return sent;
}

/** The body of a single-part message, transfer-decoded, as a binary string. */
function body(item: OutboxItem): string {
  return rawBinary(item).split("\r\n\r\n").slice(1).join("\r\n\r\n");
}

describe("own fixtures", () => {
  beforeEach(resetDatabase);

  it("Shift_JIS base64 signature: rewritten, still Shift_JIS, half-width kana intact", async () => {
    const [copy] = await forwardOwn("sjis-signature-base64.eml", "taro.suzuki@example.com");
    expect(header(copy.raw, "content-type")).toBe("text/plain; charset=Shift_JIS");
    const text = decodeCharset(atob(body(copy).replace(/\s+/g, "")), "shift_jis");
    expect(text).toContain("ｶﾀｶﾅも含みます。");
    expect(text).toContain(`連絡先: ${copy.envelopeFrom}`);
  });

  it("EUC-JP HTML in quoted-printable: mailto and entity spellings both become the alias", async () => {
    const [copy] = await forwardOwn("eucjp-html-qp.eml", "yuki.tanaka@example.com");
    expect(header(copy.raw, "content-type")).toBe("text/html; charset=EUC-JP");
    const html = (await PostalMime.parse(rawBytes(copy))).html!;
    expect(html).toContain(`href="mailto:${copy.envelopeFrom}?subject=%E8%B3%87%E6%96%99">${copy.envelopeFrom}</a>`);
    expect(html).toContain("資料をお送りください。");
  });

  it("ISO-2022-JP 7bit body: re-encoded in ISO-2022-JP, nothing else changed", async () => {
    const [copy] = await forwardOwn("iso2022jp-body-address.eml", "kaori.ito@example.com");
    expect(header(copy.raw, "content-type")).toBe("text/plain; charset=ISO-2022-JP");
    expect(body(copy)).not.toMatch(/[\x80-\xff]/);
    expect(decodeCharset(body(copy), "iso-2022-jp")).toBe(`いつもお世話になります。\r\n私のアドレスは ${copy.envelopeFrom} です。\r\n伊藤\r\n`);
    expect((await PostalMime.parse(rawBytes(copy))).subject).toBe("住所変更のお知らせ");
  });

  it("windows-1252 QP with an address split by a soft break", async () => {
    const [copy] = await forwardOwn("cp1252-qp-split-address.eml", "renee.muller@example.com");
    const text = (await PostalMime.parse(rawBytes(copy))).text!;
    expect(text).toBe(`Bonjour, le montant est de 120 €.\nRéponse à ${copy.envelopeFrom}, merci.\n`);
    for (const line of body(copy).split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
  });

  it("address in an encoded Subject, a Thread-Topic and the Message-ID", async () => {
    const [copy] = await forwardOwn("subject-with-address.eml", "akira.mori@example.com");
    expect((await PostalMime.parse(rawBytes(copy))).subject).toBe(`問い合わせ from ${copy.envelopeFrom}`);
    expect(header(copy.raw, "message-id")).toMatch(/^<[a-z2-7]{26}@relay\.example\.jp>$/);
  });

  it("calendar: a folded ORGANIZER and an .ics attachment are both rewritten", async () => {
    const [copy] = await forwardOwn("calendar-folded-organizer.eml", "mika.sato@example.com");
    const raw = rawBinary(copy);
    expect(raw.replace(/\r\n /g, "")).toContain(`ORGANIZER;CN="Mika Sato":mailto:${copy.envelopeFrom}`);
    const email = await PostalMime.parse(rawBytes(copy));
    const ics = email.attachments.find((a) => a.filename === "invite.ics")!;
    expect(new TextDecoder().decode(ics.content as ArrayBuffer).replace(/\r?\n /g, "")).toContain(`mailto:${copy.envelopeFrom}`);
    expect(new TextDecoder().decode(ics.content as ArrayBuffer)).toContain("SUMMARY:打ち合わせ");
  });

  it("forwarded message/rfc822 with the sender as inner From and base64 inner text", async () => {
    const [copy] = await forwardOwn("nested-forward-inner-base64.eml", "sho.kato@example.com");
    const email = await PostalMime.parse(rawBytes(copy), { forceRfc822Attachments: true });
    const inner = await PostalMime.parse(email.attachments[0].content as ArrayBuffer);
    expect(inner.from).toMatchObject({ name: "Sho Kato", address: copy.envelopeFrom });
    expect(inner.text?.trim()).toBe(`Reach me at ${copy.envelopeFrom} any time.`);
  });

  it("display name that is an address, Reply-To elsewhere, Cc group with an encoded comma", async () => {
    const forbidden = ["kenji.ito@example.com", "kenji.office@example.com", "mai.ono@example.com", "jun.abe@example.com"];
    const [copy] = await forwardOwn("display-name-is-address.eml", "kenji.ito@example.com", forbidden);
    expect(header(copy.raw, "from")).toBe(`<${copy.envelopeFrom}>`);
    const replyTo = header(copy.raw, "reply-to")!;
    // RFC 5322 §3.2.2: a comment is not part of the display name.
    expect(replyTo).toMatch(/^Kenji <r-[a-z2-7]{34}@relay\.example\.jp>$/);
    expect(replyTo).not.toContain(copy.envelopeFrom);
    const cc = header(copy.raw, "cc")!;
    expect(cc).toMatch(/^Buyers: "Ono, Mai" <r-[a-z2-7]{34}@relay\.example\.jp>, "Abe, Jun" <r-[a-z2-7]{34}@relay\.example\.jp>;$/);
    expect(copy.raw).toContain(`Answer to ${replyTo.match(/<(.*)>/)![1]} please`);
  });

  it("a bounce from MAILER-DAEMON makes no contact and hides every outside address", async () => {
    await makeAddress();
    const { rejected, sent } = await inject({ from: "", to: PUBLIC, raw: fixture("own/dsn-bounce.eml") });
    expect(rejected).toBeNull();
    expect(sent).toHaveLength(2);
    for (const copy of sent) {
      expect(header(copy.raw, "from")).toBe(`"Mail Delivery System" <${PUBLIC}>`);
      expect(copy.raw).toContain("Final-Recipient: rfc822; hidden@address.invalid");
      expect(await findLeaks(rawBytes(copy), [HANAKO, "mailer-daemon@mx.example.com"])).toEqual([]);
    }
    const { env } = await import("cloudflare:workers");
    expect((await env.DB.prepare("SELECT count(*) AS n FROM contacts").first())!.n).toBe(0);
  });

  it("reply quoting Japanese attribution lines and a colleague's address leaks neither staff nor alias", async () => {
    const { alias } = await setUpConversation();
    const raw = authenticated(substitute(fixture("own/reply-japanese-attribution.eml"), [["r-7k3m9q2x", alias.split("@")[0]]]), STAFF_ONE);
    const { rejected, sent } = await inject({ from: STAFF_ONE, to: alias, raw });
    expect(rejected).toBeNull();
    expect(sent).toHaveLength(1);
    expect(await findLeaks(rawBytes(sent[0]), [STAFF_ONE, STAFF_TWO, alias])).toEqual([]);
    const email = await PostalMime.parse(rawBytes(sent[0]));
    expect(email.text).toContain(`2025年3月4日(火) 9:30 Staff One <${PUBLIC}>:`);
    expect(email.text).toContain(`> 2025年3月3日(月) 10:15 山田 花子 <${HANAKO}>:`);
    expect(email.to).toEqual([{ name: "山田 花子", address: HANAKO }]);
  });

  it("a planted mx.cloudflare.net pass below the real failing verdict is ignored", async () => {
    const { alias } = await setUpConversation();
    const raw = `Authentication-Results: mx.cloudflare.net; dkim=none; spf=fail smtp.mailfrom=${STAFF_ONE}\r\n` + substitute(fixture("own/reply-forged-cloudflare-ar.eml"), [["r-7k3m9q2x", alias.split("@")[0]]]);
    const before = (await outbox()).length;
    const { rejected, sent } = await inject({ from: STAFF_ONE, to: alias, raw });
    expect(rejected).toMatch(/^550 5\.7\.26 /);
    expect(sent.filter((s) => s.envelopeTo === HANAKO)).toEqual([]);
    expect((await outbox()).length - before).toBe(1); // only the notice to staff.one
  });

  it("bare-LF mail: CRLF output, attachment byte-identical", async () => {
    const [copy] = await forwardOwn("lf-only-with-attachment.eml", "nao.fujii@example.com");
    expect(rawBinary(copy)).not.toMatch(/(?<!\r)\n/);
    const email = await PostalMime.parse(rawBytes(copy));
    const expected = new Uint8Array(1024).map((_, i) => i % 256);
    expect(new Uint8Array(email.attachments[0].content as ArrayBuffer)).toEqual(expected);
  });

  it("upper-case entities and percent-encoding in HTML", async () => {
    const [copy] = await forwardOwn("html-uppercase-entities.eml", "rina.kondo@example.com");
    const html = (await PostalMime.parse(rawBytes(copy))).html!;
    expect(html.match(new RegExp(copy.envelopeFrom.replace(/\./g, "\\."), "g"))).toHaveLength(3);
  });

  it("bulk mail keeps Precedence, loses List-Unsubscribe", async () => {
    const [copy] = await forwardOwn("bulk-newsletter.eml", "news@example.com");
    expect(header(copy.raw, "precedence")).toBe("bulk");
    expect(header(copy.raw, "list-unsubscribe")).toBeUndefined();
  });
});
