import { binaryToBytes, bytesToBinary } from "./bytes";

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
  return decodeQuotedPrintableLines(binaryToBytes(text)).binary;
}

/**
 * A decoded quoted-printable body cut into independently decodable segments: four numbers per
 * segment — encoded start and end, decoded start and end. A segment ends at a hard line break
 * (the end is before it) or at a soft break ("=" + line end; the end is at the "="). RFC 2045
 * §6.7: each hard line decodes on its own, and so does each soft line unless a (malformed) escape
 * straddles the soft break — then the two lines stay one segment. A rewriter can re-encode only
 * the segments it changed and copy every other byte as it was.
 */
export interface QuotedPrintableLines {
  binary: string;
  lines: number[];
}

/**
 * One pass instead of three regular-expression passes over the whole body. Same result as,
 * in order: trailing white space before a line end removed (rule 3), "=" + line end removed
 * (rule 5, soft breaks — so "= " + CRLF is one too), then "=XX" with two hex digits decoded
 * (rule 1); anything else, a lone "=" included, is kept as it was.
 */
export function decodeQuotedPrintableLines(text: Uint8Array): QuotedPrintableLines {
  const n = text.length;
  // Pass 1: white space before line ends and soft breaks removed; segment boundaries noted.
  const joined = new Uint8Array(n);
  const bounds: number[] = []; // per segment: encoded start, encoded end, joined start, joined end
  let j = 0;
  let lineStart = 0;
  let joinedStart = 0;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c > 0x3d || (c > 0x20 && c < 0x3d && c !== 0x0d)) {
      joined[j++] = c;
      i++;
      continue;
    }
    // White space, "=", CR, LF or another control character: look past any white space.
    let k = c === 0x3d ? i + 1 : i;
    while (k < n && (text[k] === 0x20 || text[k] === 0x09)) k++;
    let lineEnd = k >= n ? 0 : text[k] === 0x0a ? 1 : text[k] === 0x0d && k + 1 < n && text[k + 1] === 0x0a ? 2 : 0;
    if (c === 0x3d && !lineEnd && k === i + 1 && text[k] === 0x0d) {
      // "=" CR, white space, LF: rule 3 drops the white space first, which makes CR LF.
      let q = k + 1;
      while (q < n && (text[q] === 0x20 || text[q] === 0x09)) q++;
      if (q > k + 1 && q < n && text[q] === 0x0a) lineEnd = q + 1 - k;
    }
    if (c === 0x3d && lineEnd) {
      // A soft break. "=4=" CRLF "1" decodes to "A": a break just after "=" or "=X" is no boundary.
      if (!(j >= 1 && joined[j - 1] === 0x3d) && !(j >= 2 && joined[j - 2] === 0x3d)) {
        bounds.push(lineStart, i, joinedStart, j);
        lineStart = k + lineEnd;
        joinedStart = j;
      }
      i = k + lineEnd;
    } else if (c === 0x3d || (k > i && !lineEnd)) {
      // "=" that starts no soft break, or white space that ends no line: kept.
      const stop = c === 0x3d ? i + 1 : k;
      while (i < stop) joined[j++] = text[i++];
    } else if (lineEnd) {
      // A hard break, after white space that is dropped (k > i) or none.
      bounds.push(lineStart, i, joinedStart, j);
      for (let w = 0; w < lineEnd; w++) joined[j++] = text[k + w];
      i = k + lineEnd;
      lineStart = i;
      joinedStart = j;
    } else {
      joined[j++] = c;
      i++;
    }
  }
  bounds.push(lineStart, n, joinedStart, j);
  // Pass 2: escapes, segment by segment (none straddles a boundary), copying hard breaks.
  const out = new Uint8Array(j);
  const lines: number[] = [];
  let o = 0;
  for (let k = 0; k < bounds.length; k += 4) {
    const from = bounds[k + 2];
    const to = bounds[k + 3];
    const decStart = o;
    for (let p = from; p < to; ) {
      const c = joined[p];
      if (c === 0x3d && p + 2 < to && HEX_VALUE[joined[p + 1]] >= 0 && HEX_VALUE[joined[p + 2]] >= 0) {
        out[o++] = (HEX_VALUE[joined[p + 1]] << 4) | HEX_VALUE[joined[p + 2]];
        p += 3;
      } else {
        out[o++] = c;
        p++;
      }
    }
    lines.push(bounds[k], bounds[k + 1], decStart, o);
    const breakEnd = k + 6 < bounds.length ? bounds[k + 6] : j;
    for (let p = to; p < breakEnd; p++) out[o++] = joined[p];
  }
  return { binary: bytesToBinary(out.subarray(0, o)), lines };
}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) {
  HEX_VALUE["0123456789ABCDEF".charCodeAt(d)] = d;
  HEX_VALUE["0123456789abcdef".charCodeAt(d)] = d;
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
