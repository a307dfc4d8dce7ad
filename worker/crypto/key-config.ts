/**
 * Parsing of the key secrets (issue #9), called once by getConfig. Mistakes that would make
 * stored rows silently unreadable or every blind index miss are configuration errors, refused
 * before any request or message is handled.
 */

export interface KeyConfig {
  /** Earlier data keys, opened but never used to seal. */
  previousKeys: { id: string; secret: string }[];
  /** Secret of the blind-index/alias-tag HMAC key; null derives it from DATA_KEY. */
  indexKey: string | null;
}

/** Key ids are written before a colon in every sealed value and listed comma-separated. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function keyBytes(secret: string): number {
  if (!BASE64.test(secret)) return 0;
  try {
    return atob(secret).length;
  } catch {
    return 0;
  }
}

/**
 * DATA_KEYS_OLD = "k1:base64,k0:base64"; INDEX_KEY = base64. With previous keys present the
 * index key must be explicit: derived from the new DATA_KEY it would differ from the one every
 * stored hash and issued alias tag was made with.
 */
export function parseKeyConfig(env: { DATA_KEY_ID?: string; DATA_KEYS_OLD?: string; INDEX_KEY?: string }, fail: (message: string) => Error): KeyConfig {
  const currentId = env.DATA_KEY_ID ?? "k1";
  if (!KEY_ID.test(currentId)) throw fail("DATA_KEY_ID must be 1-32 letters, digits, _ or -");
  const previousKeys: KeyConfig["previousKeys"] = [];
  for (const entry of (env.DATA_KEYS_OLD ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    // Never quote the entry: it holds a secret.
    if (colon < 0 || !KEY_ID.test(id)) throw fail(`DATA_KEYS_OLD entry ${previousKeys.length + 1} must be "keyId:base64"`);
    if (keyBytes(secret) < 32) throw fail(`DATA_KEYS_OLD key "${id}" must be at least 32 bytes of base64`);
    if (id === currentId) throw fail(`DATA_KEYS_OLD names "${id}", the current DATA_KEY_ID: give the new DATA_KEY a new id`);
    if (previousKeys.some((k) => k.id === id)) throw fail(`DATA_KEYS_OLD names "${id}" twice`);
    previousKeys.push({ id, secret });
  }
  const indexKey = env.INDEX_KEY?.trim() || null;
  if (indexKey !== null && keyBytes(indexKey) < 32) throw fail("INDEX_KEY must be at least 32 bytes of base64");
  if (previousKeys.length && indexKey === null) {
    throw fail("DATA_KEYS_OLD is set but INDEX_KEY is not: set INDEX_KEY to the DATA_KEY the blind indexes were made with (the first one), or lookups and reverse aliases stop matching");
  }
  return { previousKeys, indexKey };
}
