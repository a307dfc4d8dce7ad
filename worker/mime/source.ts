/**
 * What the MIME parser reads: a message as a sequence of bytes addressed by offset. A binary
 * string (one char per byte) is one; `ByteSource` is the other — it searches the bytes in place
 * and turns only the ranges it is asked for into strings, so a 25 MiB attachment is never
 * converted, decoded or copied before the final render.
 */
import { binaryToBytes, bytesToBinary } from "./bytes";

export interface Source {
  readonly length: number;
  /** The bytes in [start, end) as a binary string. */
  slice(start: number, end?: number): string;
  indexOf(needle: string, from?: number): number;
  startsWith(needle: string, at: number): boolean;
}

export class ByteSource implements Source {
  constructor(readonly bytes: Uint8Array) {}

  get length(): number {
    return this.bytes.length;
  }

  slice(start: number, end = this.bytes.length): string {
    return bytesToBinary(this.bytes.subarray(start, end));
  }

  startsWith(needle: string, at: number): boolean {
    if (at < 0 || at + needle.length > this.bytes.length) return false;
    for (let i = 0; i < needle.length; i++) if (this.bytes[at + i] !== needle.charCodeAt(i)) return false;
    return true;
  }

  indexOf(needle: string, from = 0): number {
    // Anchor on the first character that is not a line end: "\r" starts every line, while a
    // boundary's "-" never occurs in base64, so the native byte search skips whole attachments.
    let k = 0;
    while (k < needle.length - 1 && (needle[k] === "\r" || needle[k] === "\n")) k++;
    const anchor = needle.charCodeAt(k);
    for (let i = this.bytes.indexOf(anchor, from + k); i >= 0; i = this.bytes.indexOf(anchor, i + 1)) {
      if (this.startsWith(needle, i - k)) return i - k;
    }
    return -1;
  }
}

/** The bytes in [start, end): a view for a ByteSource, no string made. */
export function bytesOf(src: Source, start: number, end: number): Uint8Array {
  return src instanceof ByteSource ? src.bytes.subarray(start, end) : binaryToBytes(src.slice(start, end));
}

/**
 * True when every CR and LF is part of a CRLF (RFC 5322 §2.3). A bare CR ends a line for some
 * parsers (Python's email package, MTAs that repair line ends) and for none of the others: left
 * in place, a "Content-Type: text/plain<CR>Content-Transfer-Encoding: base64" line is one field
 * to the relay and two to them. Read four bytes at a time: a word holds an LF only if
 * (x ^ 0x0a0a0a0a) has a zero byte (the "has zero byte" bit trick), likewise a CR, so the
 * 25 MiB of base64 lines cost a quarter of the steps of one `indexOf` call per line.
 */
export function isCrlf(bytes: Uint8Array): boolean {
  const n = bytes.length;
  const bare = (k: number) => (bytes[k] === 0x0a && (k === 0 || bytes[k - 1] !== 0x0d)) || (bytes[k] === 0x0d && bytes[k + 1] !== 0x0a);
  const zeroByte = (x: number) => ((x - 0x01010101) & ~x & 0x80808080) !== 0;
  const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3);
  for (let k = 0; k < head; k++) if (bare(k)) return false;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, (n - head) >> 2);
  for (let w = 0; w < words.length; w++) {
    if (!zeroByte(words[w] ^ 0x0a0a0a0a) && !zeroByte(words[w] ^ 0x0d0d0d0d)) continue;
    const k = head + w * 4;
    if (bare(k) || bare(k + 1) || bare(k + 2) || bare(k + 3)) return false;
  }
  for (let k = head + words.length * 4; k < n; k++) if (bare(k)) return false;
  return true;
}
