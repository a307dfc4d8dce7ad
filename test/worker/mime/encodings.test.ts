import { describe, expect, it } from "vitest";
import { decodeCharset, encodeCharset } from "../../../worker/mime/charset";
import { decodeEncodedWords, encodeWords } from "../../../worker/mime/encoded-words";
import { formatHeader } from "../../../worker/mime/headers";
import { parseStructured } from "../../../worker/mime/params";
import { decodeQuotedPrintable, encodeQuotedPrintable } from "../../../worker/mime/transfer-encoding";

const JA = "お問い合わせ：見積書・請求書について（第３四半期）";

describe("charsets", () => {
  for (const charset of ["iso-2022-jp", "shift_jis", "euc-jp", "utf-8"]) {
    it(`round-trips Japanese through ${charset}`, () => {
      const bytes = encodeCharset(JA, charset);
      expect(bytes).not.toBeNull();
      expect(decodeCharset(bytes!, charset)).toBe(JA);
    });
  }

  it("writes ISO-2022-JP with ESC $ B / ESC ( B around each JIS run", () => {
    expect(encodeCharset("a山b", "iso-2022-jp")).toBe("a\x1b$B;3\x1b(Bb");
  });

  it("maps cp932 to Shift_JIS and reports characters a charset cannot hold", () => {
    expect(decodeCharset("\x82\xa0", "CP932")).toBe("あ");
    expect(encodeCharset("😀", "iso-2022-jp")).toBeNull();
    // Half-width katakana is not in JIS X 0208: ISO-2022-JP cannot carry it, Shift_JIS can.
    expect(encodeCharset("ｶﾅ", "iso-2022-jp")).toBeNull();
    expect(decodeCharset(encodeCharset("ｶﾅ", "shift_jis")!, "shift_jis")).toBe("ｶﾅ");
    expect(encodeCharset("€", "windows-1252")).toBe("\x80");
  });
});

describe("RFC 2047 encoded words", () => {
  it("decodes separately padded ISO-2022-JP words and drops the white space between them", () => {
    const subject = "=?ISO-2022-JP?B?GyRCIVokKkxkJCQ5ZyRvJDshWztxTkEbKEI=?=\r\n =?ISO-2022-JP?B?GyRCQXdJVSROJCo0aiQkIUo4K0BRPXEhJhsoQg==?=\r\n =?ISO-2022-JP?B?GyRCQEE1YT1xIUskSyREJCQkRhsoQg==?=";
    expect(decodeEncodedWords(subject)).toBe("【お問い合わせ】資料送付のお願い（見積書・請求書）について");
  });

  it("joins the bytes of a UTF-8 character split across two words", () => {
    expect(decodeEncodedWords("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=")).toBe("€");
  });

  it("encodes non-ASCII text in words of at most 75 characters", () => {
    const encoded = encodeWords(JA.repeat(3));
    for (const word of encoded.split(" ")) expect(word.length).toBeLessThanOrEqual(75);
    expect(decodeEncodedWords(encoded)).toBe(JA.repeat(3));
  });
});

describe("quoted-printable", () => {
  it("writes CRLF soft breaks, lines of at most 76 characters, and never splits an escape", () => {
    const text = "é".repeat(200) + " end ";
    const encoded = encodeQuotedPrintable(text);
    for (const line of encoded.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
    expect(encoded).not.toMatch(/(?<!\r)\n/);
    expect(encoded).toMatch(/=20$/);
    expect(decodeQuotedPrintable(encoded)).toBe(text);
  });
});

describe("headers and parameters", () => {
  it("folds long values at 78 characters and turns CR/LF into spaces", () => {
    const folded = formatHeader("Subject", `${"word ".repeat(40)}\r\nBcc: x@example.com`);
    for (const line of folded.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    expect(folded).not.toMatch(/\r\nBcc:/);
  });

  it("decodes RFC 2231 continuations with a charset and never yields CR/LF", () => {
    const value = "attachment;\r\n filename*0*=UTF-8''%E8%A6%8B%E7%A9%8D;\r\n filename*1*=%E6%9B%B8.pdf";
    expect(parseStructured(value).params.filename).toBe("見積書.pdf");
    expect(parseStructured("attachment; filename*=us-ascii''notes%0D%0ABcc%3A%20a%40b.c%0D%0A.txt").params.filename).toBe("notes Bcc: a@b.c .txt");
  });
});
