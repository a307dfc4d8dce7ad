/**
 * RFC 2047 encoded-words. Decoding joins the *bytes* of adjacent words in the same charset
 * before the charset decode (a multi-byte character may be split across words), but decodes
 * each word's base64 on its own (each word carries its own padding — postal-mime#68).
 */
import { utf8ToBinary } from "./bytes";
import { decodeCharset } from "./charset";
import { decodeBase64 } from "./transfer-encoding";

const WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

function decodeWordBytes(encoding: string, text: string): string {
  if (encoding.toUpperCase() === "B") return decodeBase64(text);
  // RFC 2047 §4.2: "_" is a space, "=XX" a byte.
  return text.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Decodes every encoded-word in an unstructured value. White space between two adjacent
 * encoded-words is dropped (RFC 2047 §6.2); other text is kept as it is.
 */
export function decodeEncodedWords(value: string): string {
  let out = "";
  let pending: { charset: string; bytes: string } | null = null;
  let last = 0;
  const flush = () => {
    if (pending) out += decodeCharset(pending.bytes, pending.charset);
    pending = null;
  };
  for (const match of value.matchAll(WORD)) {
    const between = value.slice(last, match.index);
    const charset = match[1].toLowerCase();
    const bytes = decodeWordBytes(match[2], match[3]);
    if (pending && /^[ \t\r\n]*$/.test(between)) {
      // Stateful ISO-2022 words each end in ASCII (RFC 1468) and are decoded one by one:
      // joined, "ESC ( B ESC $ B" would be an empty escape run, which decoders flag as an error.
      if (pending.charset === charset && !charset.startsWith("iso-2022")) pending.bytes += bytes;
      else {
        flush();
        pending = { charset, bytes };
      }
    } else {
      flush();
      out += between;
      pending = { charset, bytes };
    }
    last = match.index! + match[0].length;
  }
  flush();
  return out + value.slice(last);
}

export function hasEncodedWords(value: string): boolean {
  return /=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=/.test(value);
}

/**
 * Encodes text for an unstructured header or a display name. Plain printable ASCII is
 * returned as is; anything else becomes UTF-8 "B" words of at most 75 characters, split on
 * character boundaries (RFC 2047 §2, §5).
 */
export function encodeWords(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && !/=\?/.test(text)) return text;
  const words: string[] = [];
  let chunk = "";
  const MAX_BYTES = 45; // 45 bytes → 60 base64 chars + 12 of "=?UTF-8?B??=" = 72
  for (const ch of text) {
    if (utf8ToBinary(chunk + ch).length > MAX_BYTES) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${btoa(utf8ToBinary(w))}?=`).join(" ");
}
