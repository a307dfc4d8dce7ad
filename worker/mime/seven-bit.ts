/**
 * Downgrades 8-bit body parts to base64 (RFC 6152 §3's conversion, as an MTA does for a server
 * without 8BITMIME): for senders that take a message as text (raw-as-text.ts), a part in
 * Shift_JIS or EUC-JP sent as `8bit` cannot travel as is. Only such leaf parts change — their
 * Content-Transfer-Encoding and body; their decoded content, headers and every other byte of the
 * message stay exactly as they were. Multiparts and message/rfc822 are never encoded themselves
 * (RFC 2045 §6.4, RFC 2046 §5.2.1): their parts are.
 */
import { binaryToBytes, bytesToBinary } from "./bytes";
import { applyEdits, type Edit } from "./edits";
import type { MimeNode } from "./mime-tree";
import { parseMessage } from "./message";
import type { Source } from "./source";
import { encodeBase64 } from "./transfer-encoding";

const IDENTITY = new Set(["7bit", "8bit", "binary"]);

/** The header block without its Content-Transfer-Encoding field(s), then `base64`'s. */
function withBase64Field(block: string): string {
  const out: string[] = [];
  let dropping = false;
  for (const line of block.split("\r\n")) {
    if (/^[ \t]/.test(line) && dropping) continue;
    dropping = /^content-transfer-encoding\s*:/i.test(line);
    if (!dropping) out.push(line);
  }
  return [...out.filter((l) => l !== ""), "Content-Transfer-Encoding: base64"].join("\r\n");
}

function collect(src: Source, node: MimeNode, edits: Edit[]): void {
  if (node.children.length) return node.children.forEach((child) => collect(src, child, edits));
  if (node.message) return collect(src, node.message, edits);
  if (node.contentType.value.startsWith("multipart/") || !IDENTITY.has(node.encoding)) return;
  const body = src.slice(node.bodyStart, node.end);
  if (!/[\x80-\xff]/.test(body)) return;
  const block = src.slice(node.start, node.headerEnd);
  // A part with no header block at all gets one: the blank line before the body stays.
  if (node.headerEnd === node.start) edits.push({ start: node.start, end: node.bodyStart, text: "Content-Transfer-Encoding: base64\r\n\r\n" });
  else edits.push({ start: node.start, end: node.headerEnd, text: withBase64Field(block) });
  edits.push({ start: node.bodyStart, end: node.end, text: encodeBase64(body).replace(/\r\n$/, "") });
}

/** The message with every 8-bit leaf part base64-encoded; the same bytes when there is none. */
export function sevenBitBodies(raw: Uint8Array): Uint8Array {
  const message = parseMessage(raw);
  const edits: Edit[] = [];
  collect(message.src, message.root, edits);
  if (!edits.length) return message.bytes;
  return binaryToBytes(applyEdits(bytesToBinary(message.bytes), edits));
}
