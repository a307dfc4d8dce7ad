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
 * RFC 2045 §6.7 decoding with each encoded line's place noted (see QuotedPrintableLines), as
 * the rules read in order: trailing white space before a line end removed (rule 3), "=" + line
 * end removed (rule 5, soft breaks — so "= " + CRLF is one too), then "=XX" with two hex digits
 * decoded (rule 1); anything else, a lone "=" included, is kept as it was. One pass: lines are
 * found with the native byte search; an escape split by a soft break ("=4=" CRLF "1" is "A",
 * as naive encoders write it) is finished on the next line, and that break is no boundary.
 */
export function decodeQuotedPrintableLines(text: Uint8Array): QuotedPrintableLines {
  const n = text.length;
  const out = new Uint8Array(n);
  const lines: number[] = [];
  let o = 0;
  let segmentStart = 0;
  let decodedStart = 0;
  // An escape open at a soft break: "=" (1) or "=" and one hex digit (2, the digit in `digit`).
  let pending = 0;
  let digit = 0;
  const flush = () => {
    if (pending) out[o++] = 0x3d;
    if (pending === 2) out[o++] = digit;
    pending = 0;
  };
  for (let i = 0; i < n; ) {
    const lf = text.indexOf(0x0a, i);
    // The last line ends no line: nothing is stripped, and a final "=" is no soft break.
    const { end, crlf } = lf < 0 ? { end: n, crlf: false } : lineText(text, i, lf);
    const soft = lf >= 0 && end > i && text[end - 1] === 0x3d;
    const stop = soft ? end - 1 : end;
    let p = i;
    while (pending && p < stop) {
      const c = text[p];
      if (HEX_VALUE[c] < 0) flush(); // not an escape after all: "=" (and its digit) as written; c is read below
      else if (pending === 1) {
        digit = c;
        pending = 2;
        p++;
      } else {
        out[o++] = (HEX_VALUE[digit] << 4) | HEX_VALUE[c];
        pending = 0;
        p++;
      }
    }
    while (p < stop) {
      const c = text[p];
      if (c !== 0x3d) {
        out[o++] = c;
        p++;
      } else if (p + 2 < stop && HEX_VALUE[text[p + 1]] >= 0 && HEX_VALUE[text[p + 2]] >= 0) {
        out[o++] = (HEX_VALUE[text[p + 1]] << 4) | HEX_VALUE[text[p + 2]];
        p += 3;
      } else if (soft && p + 2 >= stop && (p + 1 === stop || HEX_VALUE[text[p + 1]] >= 0)) {
        pending = stop - p;
        digit = text[p + 1];
        p = stop;
      } else {
        out[o++] = c;
        p++;
      }
    }
    if (lf < 0) break;
    i = lf + 1;
    if (pending && soft) continue; // no segment boundary inside an escape
    flush(); // an escape never spans a hard line break
    lines.push(segmentStart, stop, decodedStart, o);
    if (!soft) {
      if (crlf) out[o++] = 0x0d;
      out[o++] = 0x0a;
    }
    segmentStart = i;
    decodedStart = o;
  }
  flush();
  lines.push(segmentStart, n, decodedStart, o);
  return { binary: bytesToBinary(out.subarray(0, o)), lines };
}

const isSpace = (b: number) => b === 0x20 || b === 0x09;

/**
 * Where a line's text ends once its line end and the white space before it are taken off, and
 * whether the line end is CR LF. CR LF: white space before the CR goes too. CR, white space, LF:
 * only the white space after the CR goes (which is what makes the CR LF); the rest stays.
 */
function lineText(text: Uint8Array, start: number, lf: number): { end: number; crlf: boolean } {
  let end = lf;
  while (end > start && isSpace(text[end - 1])) end--;
  if (end > start && text[end - 1] === 0x0d) {
    const onlyCr = end === lf;
    end--;
    if (onlyCr) while (end > start && isSpace(text[end - 1])) end--;
    return { end, crlf: true };
  }
  return { end, crlf: false };
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
