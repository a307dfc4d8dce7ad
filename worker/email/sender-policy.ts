/**
 * Inbound policies of a public address, decided from what the first D1 read returned (no
 * extra round trip): sender allow/block rules and the plan's monthly message cap.
 */
import type { PolicyAddressRow } from "../../db/queries/relay";
import type { Keyring } from "../crypto/sealed";
import { withoutSubaddress } from "../mime/addresses-in-text";

export const REFUSED_SENDER = "550 5.7.1 The sender is not accepted at this address";
/**
 * A 5xx, not a 4xx: a temporary refusal would have every sending MTA retry for days (each retry
 * a worker run and a D1 read) and tell the sender nothing until it finally bounces; a permanent
 * one bounces at once with this reason, so the sender can reach the organisation another way.
 * RFC 3463 X.2.2 ("mailbox full") is the quota status: many senders treat it as a soft bounce
 * and do not put the public address on a suppression list.
 */
export const REFUSED_CAP = "550 5.2.2 Monthly message limit of this address's plan reached; the message was not delivered";

/** A rule pattern as stored: a whole address or "@domain", lowercased. */
export function normalizePattern(pattern: string): string {
  return pattern.trim().toLowerCase();
}

/** The blind index of a pattern: rules are looked up by it and never stored in clear. */
export function patternIndex(ring: Keyring, pattern: string): Promise<string> {
  return ring.index(`sender-rule:${normalizePattern(pattern)}`);
}

const DOT_ATOM = /^[a-z0-9!#$%&'*+\-/=?^_`{|}~]+(\.[a-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;

/**
 * One spelling per mailbox, as rules are written: lowercased, and a quoted local part whose
 * content is a dot-atom unquoted — RFC 5321 §4.1.2: `"troll"@x` and `troll@x` are one mailbox,
 * so quoting must not slip past a rule (nor keep an allowed sender out).
 */
export function canonicalMailbox(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf("@");
  if (at <= 0) return lower;
  const local = lower.slice(0, at);
  const domain = asciiDomain(lower.slice(at + 1));
  if (!local.startsWith('"') || !local.endsWith('"') || local.length < 2) return `${local}@${domain}`;
  const unquoted = local.slice(1, -1).replace(/\\(.)/g, "$1");
  return `${DOT_ATOM.test(unquoted) ? unquoted : local}@${domain}`;
}

/**
 * An internationalised domain (RFC 6531 envelope) as the A-label DNS resolves it, after the
 * UTS #46 mapping WHATWG URL applies — `ｓｃｈｏｏｌ.example` (full-width) is `school.example`, so
 * it meets the rule written for it. Rules are written in ASCII (routes/sender-rules.ts).
 */
function asciiDomain(domain: string): string {
  if (/^[\x00-\x7f]*$/.test(domain)) return domain;
  try {
    return new URL(`http://${domain}/`).hostname;
  } catch {
    return domain;
  }
}

/** The patterns a sender address can match: itself, itself without a +tag (RFC 5233), "@" + its domain. */
export function patternsFor(address: string): string[] {
  const mailbox = canonicalMailbox(address);
  const at = mailbox.lastIndexOf("@");
  return at > 0 ? [...new Set([mailbox, withoutSubaddress(mailbox), mailbox.slice(at)])] : [];
}

/**
 * Sender rules: a block rule matching any address the message comes from or asks answers to —
 * the envelope sender, every From author (RFC 5322 §3.6.2 allows several), Sender and Reply-To
 * (address or domain) — refuses; otherwise, when the address has any allow rule, one must match
 * the sender (the first From author or the envelope sender). Returns the SMTP reason, or null.
 */
export function senderRefusal(
  pa: PolicyAddressRow,
  matched: { kind: "allow" | "block"; patternHash: string }[],
  hashes: { block: Set<string>; allow: Set<string> },
): string | null {
  if (matched.some((r) => r.kind === "block" && hashes.block.has(r.patternHash))) return REFUSED_SENDER;
  if (pa.hasAllowRule && !matched.some((r) => r.kind === "allow" && hashes.allow.has(r.patternHash))) return REFUSED_SENDER;
  return null;
}

/** The plan's cap (NULL = unlimited) against this month's count. */
export function capRefusal(pa: PolicyAddressRow): string | null {
  return pa.monthlyMessages !== null && (pa.usedThisMonth ?? 0) >= pa.monthlyMessages ? REFUSED_CAP : null;
}
