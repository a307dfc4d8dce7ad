/** Reading a leaf part's text: transfer decoding and charset detection. */
import { decodeCharset, normalizeCharset } from "./charset";
import type { MimeNode } from "./mime-tree";
import type { Source } from "./source";
import { decodeBase64, decodeQuotedPrintable } from "./transfer-encoding";

export function decodeTransfer(body: string, encoding: string): string {
  if (encoding === "base64") return decodeBase64(body);
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}


/** The charset a text part is in: declared, or for HTML a <meta>, else guessed from the bytes. */
export function detectCharset(node: MimeNode, bytes: string, html: boolean): string {
  const declared = node.contentType.params.charset;
  if (declared) return normalizeCharset(declared);
  if (html) {
    const meta = /<meta[^>]+charset=["']?([\w-]+)/i.exec(bytes.slice(0, 4096));
    if (meta) return normalizeCharset(meta[1]);
  }
  if (!/[\x80-\xff]/.test(bytes)) return "us-ascii";
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
    return "utf-8";
  } catch {
    return "windows-1252";
  }
}


/** A leaf part's content as text. */
export function partText(src: Source, node: MimeNode): string {
  const bytes = decodeTransfer(src.slice(node.bodyStart, node.end), node.encoding);
  return decodeCharset(bytes, detectCharset(node, bytes, node.contentType.value === "text/html"));
}
