/** The leak checker must find an address hidden in every layer it claims to decode. */
import { describe, expect, it } from "vitest";
import { findLeaks } from "../../helpers/leak-check";

const SECRET = "hanako.yamada@example.com";

function message(headers: string[], body: string): string {
  return [...headers, "", body].join("\r\n");
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

describe("leak checker", () => {
  it("finds nothing in a clean message", async () => {
    expect(await findLeaks(message(["From: a@example.org", "Subject: hi"], "nothing here"), [SECRET])).toEqual([]);
  });

  const hidden: [string, string][] = [
    ["raw header, other case", message(["From: Hanako <Hanako.Yamada@Example.COM>"], "x")],
    ["RFC 2047 B word", message([`Subject: =?UTF-8?B?${b64(`mail ${SECRET}`)}?=`], "x")],
    ["RFC 2047 Q word", message(["Subject: =?UTF-8?Q?hanako.yamada=40example.com?="], "x")],
    ["folded header", message(["X-Note: hanako.yamada@", "\texample.com"], "x")],
    ["base64 text part", message(["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"], b64(`write to ${SECRET}`))],
    ["quoted-printable soft break", message(["Content-Type: text/plain", "Content-Transfer-Encoding: quoted-printable"], "hanako.yamada@exam=\r\nple.com")],
    ["HTML decimal entity", message(["Content-Type: text/html"], "<p>hanako.yamada&#64;example.com</p>")],
    ["HTML hex entity", message(["Content-Type: text/html"], "<p>hanako.yamada&#x40;example&#46;com</p>")],
    ["percent-encoded mailto", message(["Content-Type: text/html"], '<a href="mailto:hanako.yamada%40example.com">x</a>')],
    ["folded iCalendar line", message(["Content-Type: text/calendar"], "BEGIN:VCALENDAR\r\nATTENDEE;CN=H:mailto:hanako.yama\r\n da@example.com\r\nEND:VCALENDAR")],
    [
      "nested message/rfc822 with base64 body",
      message(['Content-Type: multipart/mixed; boundary="b"'], ["--b", "Content-Type: message/rfc822", "", "Subject: inner", "Content-Type: text/plain", "Content-Transfer-Encoding: base64", "", b64(SECRET), "--b--", ""].join("\r\n")),
    ],
  ];

  for (const [layer, raw] of hidden) {
    it(`finds an address hidden in: ${layer}`, async () => {
      const leaks = await findLeaks(raw, [SECRET]);
      expect(leaks.length).toBeGreaterThan(0);
      expect(leaks[0].address).toBe(SECRET);
    });
  }

  it("finds an address in ISO-2022-JP text after charset decoding", async () => {
    // "宛先：" in ISO-2022-JP, then the address in full-width-free ASCII inside the JIS run's ASCII mode.
    const bytes = new Uint8Array([
      ...new TextEncoder().encode("Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
    ]);
    const jis = String.fromCharCode(0x1b, 0x24, 0x42, 0x30, 0x38, 0x40, 0x68, 0x21, 0x27, 0x1b, 0x28, 0x42) + SECRET;
    const raw = new Uint8Array([...bytes, ...new TextEncoder().encode(btoa(jis))]);
    expect((await findLeaks(raw, [SECRET])).length).toBeGreaterThan(0);
  });
});
