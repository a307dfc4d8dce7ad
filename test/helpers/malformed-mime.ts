/** A generator of malformed MIME: truncated parts, broken boundaries, huge headers, deep nesting, bad encodings, random bytes. */
import fc from "fast-check";

const junk = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 200 });
const headerLine = fc.oneof(
  fc.constantFrom("Content-Type: multipart/mixed; boundary=", 'Content-Type: multipart/mixed; boundary="', "Content-Type: text/plain; charset=bogus-charset", "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable", "Content-Type: message/rfc822", "From: <@@>", "From: =?UTF-8?B?====?= <a@b>", "Subject: =?ISO-2022-JP?B?GyRC?=", " leading continuation", ":", "X: " + "x".repeat(5000)),
  junk.map((j) => `X-Junk: ${j}`),
);
const part: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(fc.array(headerLine, { maxLength: 4 }), junk).map(([h, b]) => `${h.join("\r\n")}\r\n\r\n${b}`),
    fc.tuple(fc.constantFrom("b1", "b 2", ""), fc.array(tie("node"), { maxLength: 3 }), fc.boolean(), fc.boolean()).map(
      ([b, kids, close, truncate]) => {
        const body = `Content-Type: multipart/mixed; boundary="${b}"\r\n\r\n${kids.map((k) => `--${b}\r\n${k}\r\n`).join("")}${close ? `--${b}--\r\n` : ""}`;
        return truncate ? body.slice(0, Math.floor(body.length / 2)) : body;
      },
    ),
    fc.tuple(fc.integer({ min: 1, max: 60 }), fc.constantFrom("7bit", "base64", "quoted-printable")).map(([depth, cte]) => {
      let inner = "Subject: deep\r\n\r\nmail hanako.yamada@example.com\r\n";
      for (let i = 0; i < depth; i++) inner = `Content-Type: message/rfc822\r\nContent-Transfer-Encoding: ${cte === "base64" ? "7bit" : cte}\r\n\r\n${inner}`;
      return inner;
    }),
  ),
})).node;
export const malformedMessage = fc.tuple(part, fc.boolean()).map(([p, lf]) => {
  const raw = `From: Hanako <hanako.yamada@example.com>\r\nTo: info@relay.example.jp\r\nMessage-ID: <m@example.com>\r\n${p}`;
  return lf ? raw.replace(/\r\n/g, "\n") : raw;
});

