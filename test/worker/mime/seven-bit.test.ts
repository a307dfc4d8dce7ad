/**
 * 8-bit parts → base64 for senders that take a message as text: decoded content identical,
 * every other byte untouched.
 */
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { rawAsText } from "../../../worker/mail/raw-as-text";
import { binaryToBytes, bytesToBinary } from "../../../worker/mime/bytes";
import { encodeCharset } from "../../../worker/mime/charset";
import { sevenBitBodies } from "../../../worker/mime/seven-bit";

const SJIS = encodeCharset("お見積りをお送りします。", "shift_jis")!;
const PDF = btoa("%PDF-1.4 quote");

const multipart = binaryToBytes(
  [
    "From: Hanako <hanako.yamada@example.com>",
    "Subject: =?UTF-8?B?6KaL56mN5pu4?=",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain; charset=shift_jis",
    "Content-Transfer-Encoding: 8bit",
    "",
    SJIS,
    "--b",
    'Content-Type: application/pdf; name="quote.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    PDF,
    "--b--",
    "",
  ].join("\r\n"),
);

describe("sevenBitBodies", () => {
  it("a Shift_JIS part sent as 8bit becomes base64 with the same content; the rest is byte for byte", async () => {
    const out = sevenBitBodies(multipart);
    const text = bytesToBinary(out);
    expect(/[\x80-\xff]/.test(text)).toBe(false);
    expect(text).toBe(
      bytesToBinary(multipart)
        .replace("Content-Transfer-Encoding: 8bit\r\n\r\n" + SJIS, "Content-Transfer-Encoding: base64\r\n\r\n" + btoa(SJIS)),
    );
    const parsed = await PostalMime.parse(out);
    expect(parsed.text).toBe("お見積りをお送りします。");
    expect(parsed.attachments.map((a) => a.filename)).toEqual(["quote.pdf"]);
  });

  it("a single-part message gets the field in its own header; folded old fields go entirely", () => {
    const raw = binaryToBytes(`Subject: x\r\nContent-Transfer-Encoding:\r\n 8bit\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\n${SJIS}\r\n`);
    expect(bytesToBinary(sevenBitBodies(raw))).toBe(`Subject: x\r\nContent-Type: text/plain; charset=shift_jis\r\nContent-Transfer-Encoding: base64\r\n\r\n${btoa(SJIS + "\r\n")}`);
  });

  it("a 7-bit message comes back as the same bytes", () => {
    const raw = new TextEncoder().encode("Subject: x\r\n\r\nplain\r\n");
    expect(sevenBitBodies(raw)).toEqual(raw);
  });

  it("rawAsText: UTF-8 as is, 8-bit parts downgraded, non-UTF-8 header bytes refused", () => {
    const utf8 = new TextEncoder().encode("Subject: 見積\r\n\r\n本文\r\n");
    expect(new TextEncoder().encode(rawAsText(utf8)!)).toEqual(utf8);
    expect(rawAsText(multipart)).toBe(bytesToBinary(sevenBitBodies(multipart)));
    expect(rawAsText(binaryToBytes(`Subject: ${SJIS}\r\n\r\nx\r\n`))).toBeNull();
  });
});
