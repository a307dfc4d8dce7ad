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

/** The patterns a sender address can match: itself, itself without a +tag (RFC 5233), "@" + its domain. */
export function patternsFor(address: string): string[] {
  const at = address.lastIndexOf("@");
  return at > 0 ? [...new Set([address, withoutSubaddress(address), address.slice(at)])] : [];
}

/** "YYYY-MM" of a time, in UTC: the month usage is counted in. */
export function usageMonth(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/**
 * Sender rules: a block rule matching the From address or the envelope sender (address or
 * domain) refuses; when the address has any allow rule, one of them must match. Returns the
 * SMTP reason, or null to go on.
 */
export function senderRefusal(pa: PolicyAddressRow, matched: { kind: "allow" | "block"; patternHash: string }[], senderHashes: Set<string>): string | null {
  const hits = matched.filter((r) => senderHashes.has(r.patternHash));
  if (hits.some((r) => r.kind === "block")) return REFUSED_SENDER;
  if (pa.hasAllowRule && !hits.some((r) => r.kind === "allow")) return REFUSED_SENDER;
  return null;
}

/** The plan's cap (NULL = unlimited) against this month's count. */
export function capRefusal(pa: PolicyAddressRow): string | null {
  return pa.monthlyMessages !== null && (pa.usedThisMonth ?? 0) >= pa.monthlyMessages ? REFUSED_CAP : null;
}
