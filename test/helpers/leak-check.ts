/**
 * The privacy invariant as a test helper: does a forbidden address occur anywhere in a message,
 * after decoding every layer a mail client or a curious reader could decode?
 *   raw bytes · unfolded headers with RFC 2047 words · every MIME part after base64 /
 *   quoted-printable and charset decoding · nested message/rfc822 parts · HTML after entity
 *   unescaping · mailto: and URLs after percent-decoding · iCalendar after unfolding.
 * It deliberately uses postal-mime, not the relay's own MIME code, so a bug in the relay's
 * decoder cannot hide a leak from its own test.
 */
import PostalMime, { decodeWords } from "postal-mime";

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", commat: "@", period: ".", hyphen: "-", lowbar: "_", plus: "+" };

export function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code = body[1].toLowerCase() === "x" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}

export function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    const bytes = Uint8Array.from(run.match(/%[0-9a-f]{2}/gi)!, (h) => parseInt(h.slice(1), 16));
    return new TextDecoder().decode(bytes);
  });
}

export function unfoldIcal(text: string): string {
  return text.replace(/\r?\n[ \t]/g, "");
}

/** Every reading of a text a decoder might produce, lowercased. */
function readings(text: string): string[] {
  const unfolded = unfoldIcal(text);
  const html = unescapeHtml(unfolded);
  return [text, unfolded, html, percentDecode(html), percentDecode(unfolded), unescapeHtml(percentDecode(unfolded))].map((t) => t.toLowerCase());
}

export interface Leak {
  address: string;
  where: string;
}

async function scanMessage(bytes: Uint8Array, forbidden: string[], where: string, leaks: Leak[], depth: number): Promise<void> {
  const check = (text: string | undefined, place: string) => {
    if (!text) return;
    const variants = readings(text);
    for (const address of forbidden) if (variants.some((v) => v.includes(address))) leaks.push({ address, where: `${where}${place}` });
  };
  check(latin1(bytes), "raw bytes");
  check(new TextDecoder().decode(bytes), "raw bytes (utf-8)");
  const email = await PostalMime.parse(bytes, { forceRfc822Attachments: true, attachmentEncoding: "arraybuffer" });
  for (const h of email.headers) {
    check(h.value, `header ${h.key}`);
    check(decodeWords(h.value), `header ${h.key} (RFC 2047 decoded)`);
  }
  for (const list of [email.from ? [email.from] : [], email.to ?? [], email.cc ?? [], email.replyTo ?? [], email.sender ? [email.sender] : []]) {
    for (const a of list) check(JSON.stringify(a), "parsed address");
  }
  check(email.subject, "subject");
  check(email.text, "text part");
  check(email.html, "html part");
  for (const attachment of email.attachments) {
    const content = attachment.content instanceof ArrayBuffer ? new Uint8Array(attachment.content) : typeof attachment.content === "string" ? new TextEncoder().encode(attachment.content) : attachment.content;
    const name = attachment.filename ?? attachment.mimeType;
    check(attachment.filename ?? "", `attachment name ${name}`);
    if (attachment.mimeType === "message/rfc822" || attachment.mimeType === "message/global") {
      if (depth < 8) await scanMessage(content, forbidden, `${where}nested message ${name} → `, leaks, depth + 1);
    } else {
      check(new TextDecoder().decode(content), `attachment ${name}`);
      check(latin1(content), `attachment ${name} (bytes)`);
    }
  }
}

/** All occurrences of any forbidden address (compared case-insensitively) in the message. */
export async function findLeaks(message: Uint8Array | string, forbidden: string[]): Promise<Leak[]> {
  const bytes = typeof message === "string" ? new TextEncoder().encode(message) : message;
  const leaks: Leak[] = [];
  await scanMessage(bytes, forbidden.map((a) => a.toLowerCase()), "", leaks, 0);
  const seen = new Set<string>();
  return leaks.filter((l) => {
    const key = `${l.address}|${l.where}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
