/**
 * The header allowlist shared by both directions. Everything not listed here is dropped:
 * trace fields (Received, Return-Path), authentication results, DKIM/ARC signatures, Sender,
 * List-*, receipts (Disposition-Notification-To…), X-Originating-IP, X-Mailer and the rest may
 * all carry the author's identity (case-17). The relay writes From, To, Cc, Reply-To,
 * Message-ID, In-Reply-To and References itself.
 */
import type { AddressResolver } from "../mime/addresses-in-text";
import { formatMailbox, formatPhrase, type Mailbox } from "../mime/address";
import { formatHeader, type HeaderField } from "../mime/headers";
import { rewriteField, type ContentChange } from "../mime/rewrite-body";
import { AUTO_MARKERS } from "./loops";

/** Fields copied from the original (after address rewriting). */
const PASSTHROUGH = new Set([
  "subject",
  "date",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "content-disposition",
  "content-language",
  "content-description",
  "content-id",
  "importance",
  "priority",
  "x-priority",
  "sensitivity",
  "thread-topic",
  "keywords",
  ...AUTO_MARKERS,
]);

/**
 * The copied fields, in their original order: unchanged ones byte for byte, ones naming a
 * resolvable address rewritten, content fields replaced by the body rewrite's changes.
 */
export function passthroughFields(fields: HeaderField[], change: ContentChange, resolve: AddressResolver): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    if (!PASSTHROUGH.has(field.key)) continue;
    // One of each: a second Subject or Date is a defect some clients show, others hide.
    if (seen.has(field.key) && field.key !== "keywords") continue;
    seen.add(field.key);
    if (field.key === "content-type" && change.contentType) out.push(formatHeader(field.name, change.contentType));
    else if (field.key === "content-transfer-encoding" && change.encoding) out.push(formatHeader(field.name, change.encoding));
    else out.push(rewriteField(field, resolve) ?? field.raw);
  }
  if (!seen.has("mime-version")) out.push("MIME-Version: 1.0");
  if (change.encoding && !seen.has("content-transfer-encoding")) out.push(formatHeader("Content-Transfer-Encoding", change.encoding));
  if (change.contentType && !seen.has("content-type")) out.push(formatHeader("Content-Type", change.contentType));
  if (!seen.has("date")) out.push(formatHeader("Date", new Date().toUTCString()));
  return out;
}

/** An address list, with RFC 5322 groups kept together ("Team: a, b;"). */
export function formatAddressList(mailboxes: Mailbox[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < mailboxes.length) {
    const group = mailboxes[i].group;
    if (group === undefined) {
      parts.push(formatMailbox(mailboxes[i].name, mailboxes[i].address));
      i++;
      continue;
    }
    const members: string[] = [];
    while (i < mailboxes.length && mailboxes[i].group === group) {
      members.push(formatMailbox(mailboxes[i].name, mailboxes[i].address));
      i++;
    }
    const label = formatPhrase(group) || "Recipients";
    parts.push(`${label}: ${members.join(", ")};`);
  }
  return parts.join(", ");
}
