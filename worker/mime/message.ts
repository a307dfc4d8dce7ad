/**
 * A whole message: canonicalised to CRLF once, parsed once, and rendered as the original
 * bytes with edits spliced in (unchanged regions are views into the original buffer).
 */
import { binaryToBytes, bytesToBinary, concatBytes } from "./bytes";
import { parseMime, type MimeNode } from "./mime-tree";
import type { Edit } from "./rewrite-body";
import { ByteSource, isCrlf, type Source } from "./source";

export interface ParsedMessage {
  /** The message with CRLF line ends, read in place. */
  src: Source;
  /** The same bytes (the original buffer when it was already CRLF). */
  bytes: Uint8Array;
  root: MimeNode;
}

export function parseMessage(raw: Uint8Array): ParsedMessage {
  let bytes = raw;
  // RFC 5322 §2.3: lines end in CRLF. Mail stored with bare LF (or CR) is canonicalised first;
  // base64 and quoted-printable content decode to the same bytes either way.
  if (!isCrlf(raw)) bytes = binaryToBytes(bytesToBinary(raw).replace(/\r\n|\r|\n/g, "\r\n"));
  const src = new ByteSource(bytes);
  return { src, bytes, root: parseMime(src) };
}

/** The new header block (no trailing CRLF), a blank line, then the body with edits applied. */
export function renderMessage(message: ParsedMessage, headerBlock: string, edits: Edit[]): Uint8Array {
  const { src, bytes, root } = message;
  const chunks: Uint8Array[] = [binaryToBytes(`${headerBlock}\r\n\r\n`)];
  let cursor = root.bodyStart;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    if (edit.start > cursor) chunks.push(bytes.subarray(cursor, edit.start));
    chunks.push(binaryToBytes(edit.text));
    cursor = edit.end;
  }
  if (cursor < src.length) chunks.push(bytes.subarray(cursor, src.length));
  return concatBytes(chunks);
}
