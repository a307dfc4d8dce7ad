/**
 * A MIME tree over a binary string (RFC 2045/2046). Every node records byte offsets into the
 * source, so rewriting can replace exactly the regions it changed and copy everything else.
 */
import { parseHeaderBlock, headerValue, type HeaderField } from "./headers";
import { parseStructured, type StructuredValue } from "./params";
import type { Source } from "./source";

export interface MimeNode {
  start: number;
  /** End of the header block (exclusive, before the blank line). */
  headerEnd: number;
  bodyStart: number;
  end: number;
  fields: HeaderField[];
  contentType: StructuredValue;
  /** Lowercased Content-Transfer-Encoding, "7bit" when absent. */
  encoding: string;
  children: MimeNode[];
  /** The embedded message of a message/rfc822 part sent as 7bit/8bit/binary. */
  message?: MimeNode;
  /** A multipart whose boundary never occurs: its body is treated as opaque text. */
  opaque?: boolean;
}

/** The part's file name as declared: Content-Disposition's filename, else Content-Type's name. */
export function declaredFileName(node: MimeNode): string | null {
  return parseStructured(headerValue(node.fields, "content-disposition")).params.filename ?? node.contentType.params.name ?? null;
}

export const LIMITS = { depth: 32, parts: 2000 };

/**
 * A message nested deeper or split into more parts than the relay will inspect. Such mail is
 * refused, not passed on half-inspected: an address could hide below the limit.
 */
export class MimeLimitError extends Error {}

const MESSAGE_TYPES = new Set(["message/rfc822", "message/global"]);

/** Parses a message; `depth` counts the levels it is already nested in (encoded message/rfc822). */
export function parseMime(src: Source, depth = 0): MimeNode {
  const counter = { parts: 0 };
  return parseNode(src, 0, src.length, depth, "text/plain", counter);
}

function parseNode(src: Source, start: number, end: number, depth: number, defaultType: string, counter: { parts: number }): MimeNode {
  counter.parts++;
  if (depth > LIMITS.depth || counter.parts > LIMITS.parts) throw new MimeLimitError(`more than ${LIMITS.depth} levels or ${LIMITS.parts} parts`);
  let headerEnd: number;
  let bodyStart: number;
  if (src.startsWith("\r\n", start)) {
    headerEnd = start;
    bodyStart = start + 2;
  } else {
    const blank = src.indexOf("\r\n\r\n", start);
    if (blank < 0 || blank >= end) {
      headerEnd = end;
      bodyStart = end;
    } else {
      headerEnd = blank;
      bodyStart = blank + 4;
    }
  }
  const fields = parseHeaderBlock(src.slice(start, headerEnd));
  const contentType = parseStructured(headerValue(fields, "content-type") ?? defaultType);
  if (!contentType.value.includes("/")) contentType.value = defaultType;
  // RFC 2045 §6.1: a token, possibly followed by a comment ("base64 (standard)"); clients
  // also read a quoted one ("\"base64\""), so the relay does too.
  const encoding = (headerValue(fields, "content-transfer-encoding") ?? "7bit").replace(/\([^)]*\)/g, " ").replace(/"/g, " ").trim().split(/[\s;]+/)[0].toLowerCase() || "7bit";
  const node: MimeNode = { start, headerEnd, bodyStart, end, fields, contentType, encoding, children: [] };

  if (contentType.value.startsWith("multipart/")) {
    const boundary = contentType.params.boundary;
    const ranges = boundary ? splitMultipart(src, bodyStart, end, boundary) : null;
    if (!ranges) node.opaque = true;
    else {
      // RFC 2046 §5.1.5: in multipart/digest the default part type is message/rfc822.
      const childDefault = contentType.value === "multipart/digest" ? "message/rfc822" : "text/plain";
      for (const [s, e] of ranges) node.children.push(parseNode(src, s, e, depth + 1, childDefault, counter));
    }
  } else if (MESSAGE_TYPES.has(contentType.value) && ["7bit", "8bit", "binary"].includes(encoding)) {
    node.message = parseNode(src, bodyStart, end, depth + 1, "text/plain", counter);
  }
  return node;
}

/**
 * RFC 2046 §5.1.1: a delimiter is CRLF "--" boundary at the start of a line; the CRLF before
 * it belongs to the delimiter. Returns the [start, end) of each body part, or null when the
 * boundary never occurs.
 */
function splitMultipart(src: Source, bodyStart: number, end: number, boundary: string): [number, number][] | null {
  const delimiter = `--${boundary}`;
  const positions: { at: number; after: number; close: boolean }[] = [];
  let search = bodyStart;
  while (search < end) {
    let at: number;
    if (search === bodyStart && src.startsWith(delimiter, bodyStart)) at = bodyStart;
    else {
      const found = src.indexOf(`\r\n${delimiter}`, search === bodyStart ? bodyStart : search);
      if (found < 0 || found >= end) break;
      at = found + 2;
    }
    let cursor = at + delimiter.length;
    const close = src.startsWith("--", cursor);
    if (close) cursor += 2;
    const lineEnd = src.indexOf("\r\n", cursor);
    const stop = lineEnd < 0 || lineEnd > end ? end : lineEnd;
    // Only transport padding may follow a delimiter on its line.
    if (isPadding(src, cursor, stop)) {
      positions.push({ at, after: Math.min(stop + 2, end), close });
      if (close) break;
    }
    search = cursor;
  }
  if (!positions.length) return null;
  const ranges: [number, number][] = [];
  for (let i = 0; i < positions.length; i++) {
    const current = positions[i];
    if (current.close) break;
    const next = positions[i + 1];
    const partEnd = next ? Math.max(current.after, next.at - 2) : end;
    ranges.push([current.after, partEnd]);
  }
  return ranges;
}

/** Only spaces and tabs in [start, end): read in bounded slices, so a long run costs no more than its length. */
function isPadding(src: Source, start: number, end: number): boolean {
  for (let at = start; at < end; at += 4096) if (!/^[ \t]*$/.test(src.slice(at, Math.min(end, at + 4096)))) return false;
  return true;
}
