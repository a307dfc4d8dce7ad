/**
 * Reply-direction shared cases name placeholder aliases and IDs (CASES.md conventions); tests
 * set up state through the product and substitute what it really issued — in headers, in
 * quoted-printable text and inside base64 parts, in the letter case the input used.
 */
import { makeAddress } from "./factories";
import { fixture } from "./fixtures";
import { authenticated, header, inject, type OutboxItem } from "./relay";

export const PUBLIC = "info@relay.example.jp";
export const STAFF_ONE = "staff.one@example.net";
export const STAFF_TWO = "staff.two@example.net";
export const HANAKO = "hanako.yamada@example.com";

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

function replaceKeepingCase(text: string, from: string, to: string): string {
  return text.replace(new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), (found) => (found === found.toUpperCase() && /[a-z]/i.test(found) ? to.toUpperCase() : to));
}

/** Substitutes placeholders in a raw message, including inside base64 bodies. */
export function substitute(raw: Uint8Array, pairs: [string, string][]): string {
  let text = latin1(raw);
  const apply = (t: string) => pairs.reduce((acc, [from, to]) => replaceKeepingCase(acc, from, to), t);
  text = text.replace(/(Content-Transfer-Encoding:\s*base64\r?\n(?:[^\r\n]+\r?\n)*?\r?\n)([A-Za-z0-9+/=\r\n]+)/gi, (_, head: string, body: string) => {
    const decoded = apply(atob(body.replace(/\s+/g, "")));
    return head + btoa(decoded).replace(/.{1,76}/g, "$&\r\n");
  });
  return apply(text);
}

/** The standard state: the public address with both staff verified and Hanako's first message forwarded. */
export async function setUpConversation(): Promise<{ alias: string; forwardId: string; copy: OutboxItem }> {
  await makeAddress();
  const first = [
    `From: Hanako Yamada <${HANAKO}>`,
    `To: Example Support Desk <${PUBLIC}>`,
    "Subject: Quote request",
    "Date: Mon, 03 Mar 2025 10:15:00 +0900",
    "Message-ID: <hy-20250303-0001@mail.example.com>",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "Could you send the revised quote?",
    "",
  ].join("\r\n");
  const { sent } = await inject({ from: HANAKO, to: PUBLIC, raw: first });
  const copy = sent.find((s) => s.envelopeTo === STAFF_ONE)!;
  return { alias: copy.envelopeFrom, forwardId: header(copy.raw, "message-id")!, copy };
}

/** A shared case file, with placeholders substituted, as staff.one's authenticated MTA would hand it over. */
export function replyCase(name: string, alias: string, extra: [string, string][] = []): string {
  return authenticated(substitute(fixture(name), [["r-7k3m9q2x", alias.split("@")[0]], ...extra]), STAFF_ONE);
}
