/**
 * Automatic mail and bounces (RFC 3834, RFC 3464). The relay never answers such mail with a
 * notice, never makes a contact of a null sender or MAILER-DAEMON, and keeps the markers on
 * relayed copies so the other side's responders stay silent too.
 */
import { headerValue, type HeaderField } from "../mime/headers";

/** Header fields that mark automatic mail and travel with relayed copies. */
export const AUTO_MARKERS = ["auto-submitted", "precedence", "x-auto-response-suppress", "x-autoreply", "x-autorespond"];

export function isAutomatic(fields: HeaderField[]): boolean {
  const autoSubmitted = headerValue(fields, "auto-submitted")?.toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith("no")) return true;
  const precedence = headerValue(fields, "precedence")?.toLowerCase();
  if (precedence && /bulk|junk|list|auto_reply/.test(precedence)) return true;
  return fields.some((f) => f.key === "x-auto-response-suppress" || f.key === "x-autoreply" || f.key === "x-autorespond");
}

/** A null reverse-path (RFC 5321 §4.5.5) or a mailer daemon: a bounce, not a correspondent. */
export function isBounceSender(envelopeFrom: string): boolean {
  const from = envelopeFrom.trim().replace(/^<|>$/g, "").toLowerCase();
  if (!from) return true;
  const local = from.split("@")[0];
  return local === "mailer-daemon" || local === "postmaster";
}

/**
 * Cloudflare refuses to reply to messages with more than 100 References; a thread that long is
 * almost always a loop between responders.
 */
export function referenceCount(fields: HeaderField[]): number {
  return (headerValue(fields, "references")?.match(/<[^>]*>/g) ?? []).length;
}
