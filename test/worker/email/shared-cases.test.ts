/**
 * Every case in ../shared/cases (CASES.md) as a test. Reply-direction cases set their state
 * up through the product and substitute the alias and IDs it really issued.
 */
import PostalMime from "postal-mime";
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO, replyCase, setUpConversation, substitute } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fixture, sharedMissing } from "../../helpers/fixtures";
import { findLeaks } from "../../helpers/leak-check";
import { authenticated, header, headersOf, inject, outbox, rawBinary, rawBytes, type OutboxItem } from "../../helpers/relay";

const ALIAS = /^r-[a-z2-7]{34}@relay\.example\.jp$/;

async function parse(item: OutboxItem) {
  return PostalMime.parse(rawBytes(item), { forceRfc822Attachments: true });
}

async function forward(name: string, from: string, to = PUBLIC) {
  return inject({ from, to, raw: fixture(name) });
}

describe.skipIf(sharedMissing)("shared cases", () => {
  beforeEach(resetDatabase);

  it("case-01: ISO-2022-JP subject split across encoded-words decodes exactly", async () => {
    await makeAddress();
    const { rejected, sent } = await forward("cases/case-01-iso2022jp-split-encoded-words.eml", HANAKO);
    expect(rejected).toBeNull();
    expect(sent).toHaveLength(2);
    const original = await PostalMime.parse(fixture("cases/case-01-iso2022jp-split-encoded-words.eml"));
    for (const copy of sent) {
      const email = await parse(copy);
      expect(email.subject).toBe("【お問い合わせ】資料送付のお願い（見積書・請求書）について");
      expect(email.subject).not.toContain("\ufffd");
      expect(email.from).toMatchObject({ name: "山田 花子" });
      expect((email.from as { address: string }).address).toMatch(ALIAS);
      expect(email.text).toBe(original.text);
      expect(await findLeaks(rawBytes(copy), [HANAKO])).toEqual([]);
    }
  });

  it("case-03: commas in display names never split a mailbox", async () => {
    await makeAddress();
    const { sent } = await forward("cases/case-03-comma-in-display-names.eml", "ichiro.suzuki@example.com");
    expect(sent).toHaveLength(2);
    for (const copy of sent) {
      const email = await parse(copy);
      expect(email.from).toMatchObject({ name: "Suzuki, Ichiro (Sales Dept.)" });
      expect((email.from as { address: string }).address).toMatch(ALIAS);
      expect(email.cc).toHaveLength(2);
      const cc = email.cc as { name: string; address: string }[];
      expect(cc.map((m) => m.name)).toEqual(["Tanaka, Jirō", `O'Neil, Pat "PJ"`]);
      for (const m of cc) expect(m.address).toMatch(ALIAS);
      expect(new Set([(email.from as { address: string }).address, ...cc.map((m) => m.address)]).size).toBe(3);
      expect(await findLeaks(rawBytes(copy), ["ichiro.suzuki@example.com", "jiro.tanaka@example.com", "pat.oneil@example.com"])).toEqual([]);
    }
  });

  it("case-06: mail that reached the public address by Bcc gets a usable To; group members become aliases", async () => {
    await makeAddress();
    const { sent } = await forward("cases/case-06-undisclosed-recipients-group.eml", "aoi.kimura@example.com");
    expect(sent).toHaveLength(2);
    for (const copy of sent) {
      const email = await parse(copy);
      expect((email.to as { address: string }[]).map((m) => m.address)).toContain(PUBLIC);
      expect(headersOf(copy.raw).some(([k]) => k === "bcc")).toBe(false);
      const cc = email.cc as { name: string; address?: string; group?: { name: string; address: string }[] }[];
      const members = cc.flatMap((m) => m.group ?? [m]) as { name: string; address: string }[];
      expect(members).toHaveLength(2);
      expect(members[0].name).toBe("Mori, Ren");
      for (const m of members) expect(m.address).toMatch(ALIAS);
      expect(new Set(members.map((m) => m.address)).size).toBe(2);
      expect(copy.raw).not.toMatch(/undisclosed-recipients/i);
      expect(await findLeaks(rawBytes(copy), ["aoi.kimura@example.com", "ren.mori@example.com", "kaito.sato@example.com"])).toEqual([]);
    }
  });

  it("case-07: no From, Date or Message-ID — the envelope sender becomes the contact", async () => {
    await makeAddress();
    const { rejected, sent } = await forward("cases/case-07-missing-from-date-msgid.eml", "orphan.sender@example.com");
    expect(rejected).toBeNull();
    expect(sent).toHaveLength(2);
    for (const copy of sent) {
      const headers = headersOf(copy.raw);
      expect(header(copy.raw, "from")).toMatch(/^<r-[a-z2-7]{34}@relay\.example\.jp>$/);
      expect(headers.filter(([k]) => k === "date")).toHaveLength(1);
      const ids = headers.filter(([k]) => k === "message-id");
      expect(ids).toHaveLength(1);
      expect(ids[0][1]).toMatch(/@relay\.example\.jp>$/);
      expect(copy.raw).not.toMatch(/\b(None|null|undefined)\b/);
      expect(await findLeaks(rawBytes(copy), ["orphan.sender@example.com"])).toEqual([]);
    }
    const alias = sent.find((s) => s.envelopeTo === STAFF_ONE)!.envelopeFrom;
    const reply = authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re: hours\r\nMessage-ID: <r7@mail.example.net>\r\n\r\nWe open at ten.\r\n`, STAFF_ONE);
    const out = await inject({ from: STAFF_ONE, to: alias, raw: reply });
    expect(out.sent).toHaveLength(1);
    expect(out.sent[0].envelopeTo).toBe("orphan.sender@example.com");
    expect(header(out.sent[0].raw, "to")).toBe("<orphan.sender@example.com>");
  });

  it("case-10: an inline message/rfc822 part survives intact", async () => {
    await makeAddress();
    const { sent } = await forward("cases/case-10-inline-message-rfc822.eml", "riku.hayashi@example.com");
    const original = await PostalMime.parse(fixture("cases/case-10-inline-message-rfc822.eml"), { forceRfc822Attachments: true });
    const originalInner = await PostalMime.parse(original.attachments[0].content as ArrayBuffer);
    for (const copy of sent) {
      const email = await parse(copy);
      expect(email.text?.trim()).toBe("Is the price list in the message below still valid?");
      const rfc822 = email.attachments.filter((a) => a.mimeType === "message/rfc822");
      expect(rfc822).toHaveLength(1);
      const inner = await PostalMime.parse(rfc822[0].content as ArrayBuffer);
      expect(inner.subject).toBe("Spring catalogue");
      expect(inner.text).toBe(originalInner.text);
      expect(new Uint8Array(inner.attachments[0].content as ArrayBuffer)).toEqual(new Uint8Array(originalInner.attachments[0].content as ArrayBuffer));
      expect(inner.attachments[0].filename).toBe("price-list.pdf");
      expect(await findLeaks(rawBytes(copy), ["riku.hayashi@example.com"])).toEqual([]);
    }
  });

  it("case-12: quoted-printable keeps CRLF soft breaks and 76-character lines", async () => {
    await makeAddress();
    const { sent } = await forward("cases/case-12-qp-soft-breaks.eml", "camille.durand@example.com");
    const original = await PostalMime.parse(fixture("cases/case-12-qp-soft-breaks.eml"));
    for (const copy of sent) {
      const raw = rawBinary(copy);
      expect(raw).not.toMatch(/(?<!\r)\n|\r(?!\n)/);
      const body = raw.split("\r\n\r\n").slice(1).join("\r\n\r\n");
      for (const line of body.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
      expect((await parse(copy)).html).toBe(original.html);
    }
  });

  it("case-14: RFC 2231 filenames keep their name and bytes; an encoded CR LF adds no header", async () => {
    await makeAddress();
    const { sent } = await forward("cases/case-14-rfc2231-filenames.eml", "sora.okada@example.com");
    const original = await PostalMime.parse(fixture("cases/case-14-rfc2231-filenames.eml"));
    for (const copy of sent) {
      const email = await parse(copy);
      expect(email.attachments).toHaveLength(2);
      expect(email.attachments[0].filename).toBe("見積書_2025年度_第3四半期_株式会社サンプル.pdf");
      expect(new Uint8Array(email.attachments[0].content as ArrayBuffer)).toEqual(new Uint8Array(original.attachments[0].content as ArrayBuffer));
      expect(new Uint8Array(email.attachments[1].content as ArrayBuffer)).toEqual(new Uint8Array(original.attachments[1].content as ArrayBuffer));
      // No header block anywhere (top level or part) has a Bcc line.
      expect(rawBinary(copy)).not.toMatch(/(^|\r\n)bcc:/i);
    }
  });

  it("case-17: trace and authentication headers never reach the recipient", async () => {
    await makeAddress();
    const { sent } = await forward("cases/case-17-trace-headers-leak.eml", HANAKO);
    expect(sent).toHaveLength(2);
    for (const copy of sent) {
      const names = headersOf(copy.raw).map(([k]) => k);
      for (const dropped of ["return-path", "received", "sender", "authentication-results", "arc-seal", "arc-message-signature", "arc-authentication-results", "dkim-signature", "disposition-notification-to", "return-receipt-to", "errors-to", "x-sender", "list-unsubscribe"]) {
        expect(names).not.toContain(dropped);
      }
      expect(header(copy.raw, "message-id")).toMatch(/^<[a-z2-7]{26}@relay\.example\.jp>$/);
      expect(await findLeaks(rawBytes(copy), [HANAKO])).toEqual([]);
    }
  });

  it("case-19: quoted attributions in a reply leak neither the private address nor the alias", async () => {
    const { alias } = await setUpConversation();
    const { rejected, sent } = await inject({ from: STAFF_ONE, to: alias, raw: replyCase("cases/case-19-reply-quote-leaks.eml", alias) });
    expect(rejected).toBeNull();
    expect(sent).toHaveLength(1);
    expect(sent[0].envelopeTo).toBe(HANAKO);
    expect(header(sent[0].raw, "from")).toBe(`Example Support Desk <${PUBLIC}>`);
    expect(await findLeaks(rawBytes(sent[0]), [STAFF_ONE, alias])).toEqual([]);
  });

  it("case-21: a second reply is routed by its alias and keeps the contact's thread", async () => {
    const { alias, forwardId } = await setUpConversation();
    const raw = replyCase("cases/case-21-second-reply-references.eml", alias, [["<fw-3d9c1a@relay.example.jp>", forwardId]]);
    const { rejected, sent } = await inject({ from: STAFF_ONE, to: alias, raw });
    expect(rejected).toBeNull();
    expect(sent).toHaveLength(1);
    expect(sent[0].envelopeTo).toBe(HANAKO);
    expect(header(sent[0].raw, "references")).toContain("<hy-20250303-0001@mail.example.com>");
    for (const name of ["message-id", "in-reply-to", "references"]) {
      for (const id of (header(sent[0].raw, name) ?? "").match(/<[^>]+>/g) ?? []) expect(id).not.toMatch(/example\.net>$/);
    }
  });

  it("case-22: an out-of-office answer sends nothing back to the correspondent", async () => {
    await setUpConversation();
    const before = (await outbox()).length;
    const { rejected, sent } = await forward("cases/case-22-auto-reply-loop.eml", HANAKO);
    expect(rejected).toBeNull();
    expect(sent.filter((s) => s.envelopeTo === HANAKO)).toEqual([]);
    for (const staff of [STAFF_ONE, STAFF_TWO]) {
      const copies = sent.filter((s) => s.envelopeTo === staff);
      expect(copies.length).toBeLessThanOrEqual(1);
      for (const copy of copies) expect(header(copy.raw, "auto-submitted")).toBe("auto-replied");
    }
    expect((await outbox()).length - before).toBe(sent.length);
  });

  it("case-24: a spoofed reply with a planted Authentication-Results is refused and reveals nothing", async () => {
    const { alias } = await setUpConversation();
    const before = new Set((await outbox()).map((o) => o.id));
    const raw = substitute(fixture("cases/case-24-spoofed-reply.eml"), [["r-7k3m9q2x", alias.split("@")[0]]]);
    const { rejected } = await inject({ from: STAFF_ONE, to: alias, raw });
    expect(rejected).toMatch(/^550 5\.7\.26 /);
    expect(rejected).not.toContain(HANAKO);
    const produced = (await outbox()).filter((o) => !before.has(o.id));
    expect(produced.filter((o) => o.envelopeTo === HANAKO)).toEqual([]);
    for (const item of produced) {
      expect(item.envelopeTo).toBe(STAFF_ONE);
      expect(await findLeaks(rawBytes(item), [HANAKO])).toEqual([]);
      expect(headersOf(item.raw).some(([k]) => k === "authentication-results")).toBe(false);
    }
  });

  it("case-26: mail to public+tag reaches the same recipients under the same aliases", async () => {
    await makeAddress();
    const tagged = await forward("cases/case-26-plus-address.eml", "yui.nakamura@example.com", "info+web-form@relay.example.jp");
    expect(tagged.rejected).toBeNull();
    expect(tagged.sent.map((s) => s.envelopeTo).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
    const plain = substitute(fixture("cases/case-26-plus-address.eml"), [["info+web-form@", "info@"], ["yn-plus-26", "yn-plain-26"]]);
    const untagged = await inject({ from: "yui.nakamura@example.com", to: PUBLIC, raw: plain });
    for (const staff of [STAFF_ONE, STAFF_TWO]) {
      expect(untagged.sent.find((s) => s.envelopeTo === staff)!.envelopeFrom).toBe(tagged.sent.find((s) => s.envelopeTo === staff)!.envelopeFrom);
    }
    const alias = tagged.sent.find((s) => s.envelopeTo === STAFF_ONE)!.envelopeFrom;
    const reply = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re: Hokkaido\r\nMessage-ID: <r26@mail.example.net>\r\n\r\nYes, we do.\r\n`, STAFF_ONE) });
    expect(reply.sent[0].envelopeFrom).toBe(PUBLIC);
    expect(header(reply.sent[0].raw, "from")).toBe(`Example Support Desk <${PUBLIC}>`);
  });
});
