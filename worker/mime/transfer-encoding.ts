import { bytesToBinary } from "./bytes";

/**
 * Content-Transfer-Encoding (RFC 2045 §6) on binary strings. Encoders always write CRLF line
 * ends and keep lines within RFC 2045's 76-character limit.
 */

/**
 * Lenient base64 decode: ignores white space and junk, tolerates missing padding, and — like
 * mail clients — keeps decoding after padding in the middle (each line padded on its own).
 */
export function decodeBase64(text: string): string {
  let out = "";
  for (const run of text.replace(/[^A-Za-z0-9+/=]/g, "").match(/[A-Za-z0-9+/]+={0,2}/g) ?? []) {
    let clean = run.replace(/=+$/, "");
    const rest = clean.length % 4;
    if (rest === 1) clean = clean.slice(0, -1);
    else if (rest) clean += "=".repeat(4 - rest);
    out += atob(clean);
  }
  return out;
}

export function encodeBase64(binary: string): string {
  const lines: string[] = [];
  const LINE_BYTES = 57; // 57 bytes → 76 base64 characters
  for (let i = 0; i < binary.length; i += LINE_BYTES) lines.push(btoa(binary.slice(i, i + LINE_BYTES)));
  return lines.join("\r\n") + (lines.length ? "\r\n" : "");
}

/** RFC 2045 §6.7: soft breaks "=" + line end are removed; "=XX" becomes a byte. */
export function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/[ \t]+(?=\r?\n)/g, "")
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * RFC 2045 §6.7 encoder: encoded lines are at most 76 characters including the "=" of a soft
 * break, soft breaks are "=" CRLF, an escape is never split, and trailing white space is
 * escaped. Input line breaks (CRLF or LF) become CRLF hard breaks.
 */
export function encodeQuotedPrintable(binary: string): string {
  // Written byte by byte into a buffer: string concatenation per character is ten times slower.
  const out = new Uint8Array(binary.length * 3 + Math.ceil(binary.length / 25) * 3 + 8);
  let o = 0;
  let column = 0;
  const n = binary.length;
  for (let i = 0; i < n; i++) {
    const code = binary.charCodeAt(i) & 0xff;
    if (code === 0x0a || (code === 0x0d && i + 1 < n && binary.charCodeAt(i + 1) === 0x0a)) {
      if (code === 0x0d) i++;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      column = 0;
      continue;
    }
    const next = i + 1 < n ? binary.charCodeAt(i + 1) : 0x0a;
    const lineEnds = next === 0x0a || next === 0x0d;
    const literal = (code >= 0x21 && code <= 0x7e && code !== 0x3d && !(code === 0x2e && column === 0)) || ((code === 0x20 || code === 0x09) && !lineEnds);
    const width = literal ? 1 : 3;
    if (column + width > 75) {
      out[o++] = 0x3d;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      column = 0;
    }
    // Keep "." off the start of a line: some MTAs still treat it specially (RFC 5321 §4.5.2).
    if (literal && !(code === 0x2e && column === 0)) out[o++] = code;
    else {
      out[o++] = 0x3d;
      out[o++] = HEX.charCodeAt(code >> 4);
      out[o++] = HEX.charCodeAt(code & 15);
    }
    column += literal && !(code === 0x2e && column === 0) ? 1 : 3;
  }
  return bytesToBinary(out.subarray(0, o));
}

const HEX = "0123456789ABCDEF";
