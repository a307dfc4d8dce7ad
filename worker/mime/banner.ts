/**
 * The public address's notice banner ("Sent via the PTA window"): one line at the top of the
 * message text a recipient reads — the first inline text/plain and the first inline text/html
 * part, so both halves of a multipart/alternative show it. It is added to the decoded text, so
 * it is encoded with the part's own charset (ISO-2022-JP stays ISO-2022-JP, or the part is
 * relabelled UTF-8 when the banner cannot be written in it).
 */
import { headerValue } from "./headers";
import type { MimeNode } from "./mime-tree";
import { parseStructured } from "./params";

export interface Banner {
  text: string;
  /** The part types that already carry it. */
  done: Set<string>;
}

/** Whether this leaf gets the banner; marks its type done when it does. */
export function takesBanner(banner: Banner | undefined, node: MimeNode): boolean {
  const type = node.contentType.value;
  if (!banner || (type !== "text/plain" && type !== "text/html") || banner.done.has(type)) return false;
  // RFC 2183: an attachment is not the message text, even when it is text/plain.
  if (parseStructured(headerValue(node.fields, "content-disposition")).value.toLowerCase() === "attachment") return false;
  banner.done.add(type);
  return true;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** The decoded text with the banner on top: a line in plain text, a small escaped block in HTML (after <body>). */
export function withBanner(text: string, html: boolean, banner: string): string {
  if (!html) return `${banner}\r\n\r\n${text}`;
  const block = `<div style="font-size:12px;color:#555;border-bottom:1px solid #ccc;padding:4px 0;margin-bottom:8px">${banner.replace(/[&<>"']/g, (c) => ESCAPES[c])}</div>`;
  const body = /<body\b[^>]*>/i.exec(text);
  return body ? text.slice(0, body.index + body[0].length) + block + text.slice(body.index + body[0].length) : block + text;
}
