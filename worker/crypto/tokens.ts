/**
 * Unguessable tokens. Reverse aliases carry 130 bits from crypto.getRandomValues plus a 40-bit
 * keyed tag, so a guessed alias is refused by arithmetic before any database query.
 */
import type { Keyring } from "./sealed";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** Lowercase RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

export function randomToken(bytes = 16): string {
  return base32(crypto.getRandomValues(new Uint8Array(bytes)));
}

const ALIAS_RANDOM = 26; // 26 base32 chars = 130 bits
const ALIAS_TAG = 8; // 8 base32 chars = 40 bits of HMAC
export const ALIAS_PATTERN = /^r-[a-z2-7]{34}$/;

async function aliasTag(ring: Keyring, random: string): Promise<string> {
  return base32(await ring.mac(`alias:${random}`)).slice(0, ALIAS_TAG);
}

export async function mintAliasLocalPart(ring: Keyring): Promise<string> {
  const random = randomToken(17).slice(0, ALIAS_RANDOM);
  return `r-${random}${await aliasTag(ring, random)}`;
}

/** True when a local part has the alias shape and a valid keyed tag. */
export async function isGenuineAlias(ring: Keyring, localPart: string): Promise<boolean> {
  const lower = localPart.toLowerCase();
  if (!ALIAS_PATTERN.test(lower)) return false;
  const random = lower.slice(2, 2 + ALIAS_RANDOM);
  return (await aliasTag(ring, random)) === lower.slice(2 + ALIAS_RANDOM);
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The shape of every token this service mails or sets (links, sessions): checked before hashing. */
export function isToken(value: string): boolean {
  return /^[a-z2-7]{20,64}$/.test(value);
}

/** The hash a mailed link's token is stored as; "" for what cannot be a token (nothing matches it). */
export async function linkTokenHash(value: string): Promise<string> {
  return isToken(value) ? sha256Hex(value) : "";
}
