/**
 * Message-ID mapping (RFC 5322 §3.6.4). Each side only ever sees IDs on the relay's domain for
 * messages the other side wrote, and its own IDs for its own messages. The relay ID of a
 * message is an HMAC of its original ID, so the same original always maps to the same relay ID
 * (every recipient's copy, every retry) without a lookup.
 */
import type { Keyring } from "../crypto/sealed";
import { base32, randomToken } from "../crypto/tokens";

/** At most this many References are carried (RFC 5322 §3.6.4 allows trimming the middle). */
export const MAX_REFERENCES = 20;

export function messageIds(value: string | undefined): string[] {
  return (value?.match(/<[^<>\s]+>/g) ?? []).map((id) => id.trim());
}

export async function relayMessageId(ring: Keyring, original: string | undefined, domain: string): Promise<string> {
  const token = original ? base32(await ring.mac(`message-id:${original}`)).slice(0, 26) : randomToken(16);
  return `<${token}@${domain}>`;
}

/** Keeps the first reference and the newest ones, as RFC 5322 suggests when trimming. */
export function trimReferences(ids: string[]): string[] {
  if (ids.length <= MAX_REFERENCES) return ids;
  return [ids[0], ...ids.slice(ids.length - (MAX_REFERENCES - 1))];
}

export function idDomain(id: string): string {
  return id.slice(id.lastIndexOf("@") + 1, -1).toLowerCase();
}

/** The id of a message log row: the same message through the same alias is one row, however often it is delivered. */
export async function messageRowId(ring: Keyring, aliasId: string, relayId: string, direction: "inbound" | "outbound"): Promise<string> {
  return base32(await ring.mac(`message-row:${aliasId}:${relayId}:${direction}`)).slice(0, 26);
}
