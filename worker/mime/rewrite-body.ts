/**
 * Rewrites the addresses inside a message's body: every text-like part (plain, HTML,
 * calendar, delivery reports) and the headers of embedded messages, at any depth. Only parts
 * that change are re-encoded — in their own transfer encoding, with CRLF line ends and, where
 * an encoder exists, their own charset. Everything else is copied byte for byte.
 */
import { replaceAddresses, replaceAddressesTracked, replaceInCalendar, type AddressResolver, type TrackedReplacement } from "./addresses-in-text";
import { formatMailbox, parseAddressList } from "./address";
import { decodeCharset, encodeCharset } from "./charset";
import { decodeEncodedWords, encodeWords, hasEncodedWords } from "./encoded-words";
import { formatHeader, type HeaderField } from "./headers";
import { parseStructured } from "./params";
import { applyEdits, type Edit } from "./edits";
import { declaredFileName, parseMime, type MimeNode } from "./mime-tree";

export type { Edit } from "./edits";
import { bytesOf, type Source } from "./source";
import { takesBanner, withBanner, type Banner } from "./banner";
import { decodeTransfer, detectCharset } from "./part-text";
import { decodeQuotedPrintableLines, encodeBase64, encodeQuotedPrintable } from "./transfer-encoding";

/** New values for a part's own Content-Type / Content-Transfer-Encoding fields. */
export interface ContentChange {
  contentType?: string;
  encoding?: string;
}

type TextKind = "plain" | "html" | "calendar";

const ADDRESS_FIELDS = new Set(["from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc", "resent-sender", "disposition-notification-to", "return-receipt-to", "errors-to", "return-path", "delivered-to", "x-original-to"]);

/** Charsets in which every byte below 0x80 is ASCII and no ASCII byte is part of another character. */
const ASCII_TRANSPARENT = /^(us-ascii|utf-8|windows-125\d|iso-8859-\d+|euc-jp|euc-kr|koi8-[ru]|gb2312)$/;

/** Text under an application type: data formats a reader opens as text (RFC 6839 suffixes too). */
const TEXT_APPLICATION = /^application\/(?:json|xml|javascript|x-javascript|ecmascript|csv|x-csv|tsv|x-sh|x-shellscript|yaml|x-yaml|sql|rtf|x-rtf|vcard|x-vcard|directory|mbox|ld\+json|x-ndjson|x-www-form-urlencoded)$|\/[a-z0-9.+-]+\+(?:xml|json)$/;
/** Types that say nothing of the content: the file name's extension is what a client goes by. */
const GENERIC_TYPE = /^(?:application\/(?:octet-stream|unknown|x-unknown|download|force-download|binary)|binary\/octet-stream|)$/;
const TEXT_EXTENSION = /\.(?:txt|text|csv|tsv|vcf|vcard|json|xml|ya?ml|md|log|rtf|ldif|sh|ini|conf)$/;

function fileName(node: MimeNode): string {
  return (declaredFileName(node) ?? "").trim().toLowerCase();
}

function textKind(node: MimeNode): TextKind | null {
  const type = node.contentType.value;
  const filename = fileName(node);
  const generic = GENERIC_TYPE.test(type);
  if (type === "text/calendar" || type === "application/ics" || type === "text/x-vcalendar" || filename.endsWith(".ics")) return "calendar";
  if (type === "text/html" || type === "application/xhtml+xml" || (generic && /\.x?html?$/.test(filename))) return "html";
  if (type.startsWith("text/") || type === "message/delivery-status" || type === "message/feedback-report" || type === "message/disposition-notification" || type === "message/global-headers" || type === "message/global-delivery-status") return "plain";
  if (TEXT_APPLICATION.test(type) || (generic && TEXT_EXTENSION.test(filename))) return "plain";
  return null;
}

/** A message file under a generic type ("fwd.eml" as application/octet-stream) is a message all the same. */
function isMessageFile(node: MimeNode): boolean {
  return GENERIC_TYPE.test(node.contentType.value) && /\.(?:eml|mht|mhtml)$/.test(fileName(node));
}

/**
 * Rewrites `node`'s body, pushing edits. Returns the changes the node's own header block
 * needs; the caller applies them (the top-level block is rebuilt by the direction's policy).
 */
export function rewriteBody(src: Source, node: MimeNode, resolve: AddressResolver, edits: Edit[], depth = 0, banner?: Banner): ContentChange {
  if (node.opaque) {
    const body = src.slice(node.bodyStart, node.end);
    const next = replaceAddresses(body, resolve);
    if (next !== body) edits.push({ start: node.bodyStart, end: node.end, text: next });
    return {};
  }
  for (const child of node.children) {
    const change = rewriteBody(src, child, resolve, edits, depth, banner);
    // Part headers too: Content-Description, filename and name parameters (RFC 2183, 2231).
    const block = rewriteHeaderBlock(src, child, change, resolve);
    if (block !== null) edits.push({ start: child.start, end: child.headerEnd, text: block });
  }
  if (node.message) {
    const inner = node.message;
    const change = rewriteBody(src, inner, resolve, edits, depth + 1);
    const block = rewriteHeaderBlock(src, inner, change, resolve);
    if (block !== null) edits.push({ start: inner.start, end: inner.headerEnd, text: block });
    return {};
  }
  if (node.children.length) return {};
  const kind = textKind(node);
  if (kind) return rewriteTextPart(src, node, kind, resolve, edits, takesBanner(banner, node) ? banner!.text : null);
  if (node.contentType.value.startsWith("message/") || isMessageFile(node)) return rewriteEncodedMessage(src, node, resolve, edits, depth + 1);
  return {};
}

function encodeTransfer(binary: string, encoding: string): { text: string; encoding: string } {
  if (encoding === "base64") return { text: encodeBase64(binary), encoding };
  if (encoding === "quoted-printable") return { text: encodeQuotedPrintable(binary) + "\r\n", encoding };
  // 7bit must stay 7-bit with lines ≤ 998 (RFC 5322 §2.1.1); otherwise switch to QP.
  const eightBit = encoding === "7bit" && /[\x80-\xff]/.test(binary);
  if (eightBit || /[^\r\n]{999}/.test(binary)) return { text: encodeQuotedPrintable(binary) + "\r\n", encoding: "quoted-printable" };
  return { text: binary, encoding };
}

/** The CRLF before a multipart delimiter belongs to the delimiter: keep the body's own ending. */
function sameEnding(original: string, text: string): string {
  const trimmed = text.replace(/(\r\n)+$/, "");
  return original.endsWith("\r\n") ? trimmed + "\r\n" : trimmed;
}

function replaceByKind(text: string, kind: TextKind, resolve: AddressResolver): string {
  return kind === "calendar" ? replaceInCalendar(text, resolve) : replaceAddresses(text, resolve, { html: kind === "html" });
}

function rewriteTextPart(src: Source, node: MimeNode, kind: TextKind, resolve: AddressResolver, edits: Edit[], banner: string | null): ContentChange {
  // Quoted-printable is decoded straight from the message's bytes, keeping where each line is.
  const qp = node.encoding === "quoted-printable" && kind !== "calendar" && !banner ? decodeQuotedPrintableLines(bytesOf(src, node.bodyStart, node.end)) : null;
  const bytes = qp ? qp.binary : decodeTransfer(src.slice(node.bodyStart, node.end), node.encoding);
  const charset = detectCharset(node, bytes, kind === "html");
  if (qp && ASCII_TRANSPARENT.test(charset)) {
    patchQuotedPrintable(node, qp.lines, replaceAddressesTracked(bytes, resolve, { html: kind === "html" }), edits);
    return {};
  }
  const body = src.slice(node.bodyStart, node.end);
  let newBytes: string;
  let relabel = false;
  if (ASCII_TRANSPARENT.test(charset) && !banner) {
    // Work on the bytes themselves: addresses are ASCII, so every other byte stays as it was.
    newBytes = replaceByKind(bytes, kind, resolve);
    if (newBytes === bytes) return {};
  } else {
    const text = decodeCharset(bytes, charset);
    const next = replaceByKind(text, kind, resolve);
    // A label that does not match the bytes (ASCII text marked utf-16) hides nothing from a
    // reader who looks at the bytes: scan those as well (and leave such a part without banner).
    const raw = next === text ? replaceByKind(bytes, kind, resolve) : bytes;
    if (raw !== bytes) newBytes = raw;
    else if (next === text && !banner) return {};
    else {
      const shown = banner ? withBanner(next, kind === "html", banner) : next;
      const encoded = encodeCharset(shown, charset);
      relabel = encoded === null;
      newBytes = encoded ?? encodeCharset(shown, "utf-8")!;
    }
  }
  const { text, encoding } = encodeTransfer(newBytes.replace(/\r?\n/g, "\r\n"), node.encoding);
  edits.push({ start: node.bodyStart, end: node.end, text: sameEnding(body, text) });
  const change: ContentChange = {};
  if (relabel) change.contentType = withCharset(node, "UTF-8");
  if (encoding !== node.encoding) change.encoding = encoding;
  return change;
}

/**
 * A quoted-printable part in an ASCII-compatible charset: only the encoded lines that hold a
 * change are re-encoded (RFC 2045 §6.7: hard and, mostly, soft lines decode on their own — see
 * decodeQuotedPrintableLines), every other byte is kept. A 100 KB newsletter with one address
 * re-encodes a line or two, not 100 KB. A soft break after the last changed line stays where it
 * was: the new text ends with a whole character or escape, and its lines stay ≤ 76.
 */
function patchQuotedPrintable(node: MimeNode, lines: number[], replaced: TrackedReplacement, edits: Edit[]): void {
  // Per segment: encoded start, encoded end, decoded start, decoded end (ends before the break).
  let line = 0;
  for (let c = 0; c < replaced.changed.length; ) {
    while (lines[line + 3] < replaced.changed[c][0]) line += 4; // the line where the change starts
    const first = line;
    // Take in every change that starts before the group's last line ends.
    while (c < replaced.changed.length && replaced.changed[c][0] <= lines[line + 3]) {
      while (lines[line + 3] < replaced.changed[c][1]) line += 4;
      c++;
    }
    const text = replaced.text.slice(replaced.toOutput(lines[first + 2]), replaced.toOutput(lines[line + 3]));
    edits.push({ start: node.bodyStart + lines[first], end: node.bodyStart + lines[line + 1], text: encodeQuotedPrintable(text) });
    line += 4;
  }
}

/** message/rfc822 sent base64 or quoted-printable: decode, rewrite the inner message, re-encode. */
function rewriteEncodedMessage(src: Source, node: MimeNode, resolve: AddressResolver, edits: Edit[], depth: number): ContentChange {
  const body = src.slice(node.bodyStart, node.end);
  const inner = decodeTransfer(body, node.encoding).replace(/\r?\n/g, "\r\n");
  const next = rewriteMessageText(inner, resolve, depth);
  if (next === inner) return {};
  edits.push({ start: node.bodyStart, end: node.end, text: sameEnding(body, encodeTransfer(next, node.encoding).text) });
  return {};
}

/** Rewrites a whole embedded message given as a binary string (headers and body). */
export function rewriteMessageText(message: string, resolve: AddressResolver, depth = 0): string {
  // The depth carries on from the enclosing message: nesting through encoded parts is limited too.
  const root = parseMime(message, depth);
  const edits: Edit[] = [];
  const change = rewriteBody(message, root, resolve, edits, depth);
  const block = rewriteHeaderBlock(message, root, change, resolve);
  if (block !== null) edits.push({ start: root.start, end: root.headerEnd, text: block });
  return applyEdits(message, edits);
}

function withCharset(node: MimeNode, charset: string): string {
  const raw = node.fields.find((f) => f.key === "content-type")?.value ?? node.contentType.value;
  const parsed = parseStructured(raw);
  if (parsed.duplicate) return formatStructured(parsed.value, { ...parsed.params, charset });
  if (/charset\s*=/i.test(raw)) return raw.replace(/charset\s*=\s*("[^"]*"|[^;\s]*)/i, `charset=${charset}`);
  return `${raw}; charset=${charset}`;
}

/**
 * Rebuilds a part's header block when its content fields changed, or — for an embedded
 * message (resolve given) — when any field names an address the resolver replaces.
 * Returns null when the block stays as it was.
 */
export function rewriteHeaderBlock(src: Source, node: MimeNode, change: ContentChange, resolve: AddressResolver | null): string | null {
  let changed = false;
  // The relay reads the first of each content field (headerValue); a client may read a later
  // one ("Content-Transfer-Encoding: 7bit" then "…: base64"). Only the one it read goes on.
  const seen = new Set<string>();
  const fields = node.fields.filter((field) => {
    if (!SINGLE_CONTENT_FIELDS.has(field.key)) return true;
    if (!seen.has(field.key)) return seen.add(field.key);
    changed = true;
    return false;
  });
  const lines = fields.map((field) => {
    if (field.key === "content-type" && change.contentType) {
      changed = true;
      return formatHeader(field.name, change.contentType);
    }
    if (field.key === "content-transfer-encoding" && change.encoding) {
      changed = true;
      return formatHeader(field.name, change.encoding);
    }
    if (resolve) {
      const next = rewriteField(field, resolve);
      if (next !== null) {
        changed = true;
        return next;
      }
    }
    return field.raw;
  });
  if (change.encoding && !node.fields.some((f) => f.key === "content-transfer-encoding")) {
    changed = true;
    lines.push(formatHeader("Content-Transfer-Encoding", change.encoding));
  }
  if (change.contentType && !node.fields.some((f) => f.key === "content-type")) {
    changed = true;
    lines.push(formatHeader("Content-Type", change.contentType));
  }
  if (!changed) return null;
  return lines.join("\r\n");
}

const PARAMETER_FIELDS = new Set(["content-type", "content-disposition"]);
const SINGLE_CONTENT_FIELDS = new Set(["content-type", "content-transfer-encoding", "content-disposition"]);

/** Rewrites one header field's addresses; null when it needs no change. */
export function rewriteField(field: HeaderField, resolve: AddressResolver): string | null {
  if (PARAMETER_FIELDS.has(field.key)) return rewriteParameters(field, resolve);
  const decoded = hasEncodedWords(field.value) ? decodeEncodedWords(field.value) : field.value;
  if (ADDRESS_FIELDS.has(field.key)) {
    const mailboxes = parseAddressList(field.value);
    let touched = false;
    const out = mailboxes.map((m) => {
      const replacement = resolve(m.address.toLowerCase());
      const name = replaceAddresses(m.name, resolve);
      if (replacement !== null || name !== m.name) touched = true;
      return formatMailbox(name, replacement ?? m.address);
    });
    if (touched) return formatHeader(field.name, out.join(", "));
    // An address hidden where the parser finds no mailbox (an encoded addr-spec, say).
    const next = replaceAddresses(decoded, resolve);
    if (next === decoded && replaceAddresses(field.value, resolve) === field.value) return null;
    return formatHeader(field.name, out.length ? out.join(", ") : encodeWords(next));
  }
  const next = replaceAddresses(decoded, resolve);
  const raw = replaceAddresses(field.value, resolve);
  if (next === decoded && raw === field.value) return null;
  return formatHeader(field.name, hasEncodedWords(field.value) ? encodeWords(next) : next === decoded ? raw : next);
}

/**
 * Content-Type / Content-Disposition: parameters are compared after RFC 2231 joining and
 * decoding; a changed one is written back RFC 2231-encoded (case-14), the others as they were.
 */
function rewriteParameters(field: HeaderField, resolve: AddressResolver): string | null {
  const parsed = parseStructured(field.value);
  const changed = Object.entries(parsed.params).filter(([, v]) => replaceAddresses(v, resolve) !== v);
  // A parameter given twice is written once, as the relay read it (params.ts `duplicate`).
  if (!changed.length && !parsed.duplicate && replaceAddresses(field.value, resolve) === field.value) return null;
  const params = Object.fromEntries(Object.entries(parsed.params).map(([name, value]) => [name, replaceAddresses(value, resolve)]));
  return formatHeader(field.name, formatStructured(parsed.value, params));
}

/** A structured value from parsed parameters: one of each, RFC 2231-encoded where not ASCII. */
function formatStructured(value: string, params: Record<string, string>): string {
  const out = Object.entries(params).map(([name, v]) => {
    if (/^[\x20-\x7e]*$/.test(v)) return `${name}="${v.replace(/(["\\])/g, "\\$1")}"`;
    return `${name}*=UTF-8''${encodeURIComponent(v).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
  });
  return [value, ...out].join("; ");
}
