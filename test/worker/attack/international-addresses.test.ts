/**
 * Attack: a contact whose address has a UTF-8 local part (RFC 6531/6532, "はなこ@example.com").
 * The relay hides it in the headers it writes; the same address in the body, in an encoded
 * Subject or right after Japanese text must be found too, however the part is encoded.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { inject, rawBytes } from "../../helpers/relay";

const EAI = "はなこ@example.com";
const CRLF = (lines: string[]) => lines.join("\r\n");
const utf8 = (s: string) => String.fromCharCode(...new TextEncoder().encode(s));
const b64 = (s: string) => btoa(utf8(s));
const qp = (s: string) => utf8(s).replace(/[\x80-\xff=]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);

async function forwardLeaks(from: string, lines: string[]) {
  await makeAddress();
  const r = await inject({ from, to: PUBLIC, raw: CRLF(lines) });
  expect(r.rejected).toBeNull();
  expect(r.sent).toHaveLength(2);
  const leaks = [];
  for (const copy of r.sent) leaks.push(...(await findLeaks(rawBytes(copy), [from])));
  return leaks;
}

const head = (from: string, subject: string, extra: string[]) => [`From: =?UTF-8?B?${b64("山田 花子")}?= <${from}>`, `To: ${PUBLIC}`, `Subject: ${subject}`, "Message-ID: <eai-1@example.com>", "MIME-Version: 1.0", ...extra];
const TEXT = `連絡先：${EAI}\r\nまたは${EAI}までどうぞ。\r\n`;

describe("UTF-8 local parts", () => {
  beforeEach(resetDatabase);

  it("in a UTF-8 body sent as 8bit, base64 and quoted-printable", async () => {
    for (const [cte, body] of [["8bit", TEXT], ["base64", b64(TEXT)], ["quoted-printable", qp(TEXT)]]) {
      await resetDatabase();
      const leaks = await forwardLeaks(EAI, [...head(EAI, "hi", ["Content-Type: text/plain; charset=utf-8", `Content-Transfer-Encoding: ${cte}`]), "", body, ""]);
      expect(leaks, cte).toEqual([]);
    }
  });

  it("in an encoded Subject and an HTML part", async () => {
    const leaks = await forwardLeaks(EAI, [...head(EAI, `=?UTF-8?B?${b64(`${EAI}より`)}?=`, ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64"]), "", b64(`<p>お問い合わせ：<a href="mailto:${EAI}">${EAI}</a></p>`), ""]);
    expect(leaks).toEqual([]);
  });

  it("an ASCII address right after Japanese text is still found", async () => {
    const leaks = await forwardLeaks(HANAKO, [...head(HANAKO, `=?UTF-8?B?${b64(`連絡先は${HANAKO}です`)}?=`, ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]), "", b64(`連絡先は${HANAKO}です。\r\n`), ""]);
    expect(leaks).toEqual([]);
  });
});
