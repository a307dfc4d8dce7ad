/**
 * Field encryption at rest and blind indexes. The DATA_KEY secret (32 random bytes, base64) is
 * expanded with HKDF into an AES-GCM key for sealing; the HMAC key for lookups, alias tags and
 * relay Message-IDs comes from INDEX_KEY when set, else from DATA_KEY (the original scheme).
 * A stolen database alone reveals neither addresses nor names.
 *
 * Rotation (issue #9): every sealed value carries its key id ("k2:…"). seal() always uses the
 * current key; open() also accepts the previous keys (DATA_KEYS_OLD), so old rows stay readable
 * until the re-seal job has rewritten them. The HMAC key never rotates with DATA_KEY: blind
 * indexes and the tags of aliases already given out cannot be recomputed (docs/THREAT-MODEL.md).
 */

export interface Keyring {
  keyId: string;
  seal(plain: string): Promise<string>;
  open(sealed: string): Promise<string>;
  /** Seals bytes as "keyId:base64" text (D1 hands BLOBs back as number arrays). */
  sealBytes(plain: Uint8Array): Promise<string>;
  /** Opens "keyId:base64", or the bare base64 raw MIME of rows written before key ids. */
  openBytes(sealed: string): Promise<Uint8Array>;
  /** True when a sealed value is already under the current key (nothing to re-seal). */
  isCurrent(sealed: string): boolean;
  /** The same plaintext sealed again under the current key. */
  reseal(sealed: string): Promise<string>;
  /** Keyed blind index of a value (lowercased addresses go in). */
  index(value: string): Promise<string>;
  /** Raw HMAC bytes for a purpose-separated input (alias tags, message ids). */
  mac(input: string): Promise<Uint8Array>;
}

export interface KeyOptions {
  /** Earlier data keys: opened, never used to seal. */
  previous?: { id: string; secret: string }[];
  /** Secret of the HMAC key; null/undefined derives it from the current data key. */
  indexSecret?: string | null;
}

/**
 * A sealed value this relay cannot open: its key id is not configured (an old key removed
 * before the re-seal finished), or the key under that id does not decrypt it. Carries the key
 * id only, never the value.
 */
export class SealedValueError extends Error {
  constructor(
    readonly reason: "unknown_key" | "undecryptable",
    readonly keyId: string,
  ) {
    super(reason === "unknown_key" ? `sealed under key id "${keyId}", which is not configured (DATA_KEY_ID / DATA_KEYS_OLD)` : `sealed value does not decrypt${keyId ? ` under key id "${keyId}"` : ""}`);
    this.name = "SealedValueError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function master(secret: string): Promise<CryptoKey> {
  const raw = fromBase64(secret);
  if (raw.length < 32) throw new Error("DATA_KEY, DATA_KEYS_OLD and INDEX_KEY must be at least 32 bytes of base64");
  return crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveBits"]);
}

async function derive(secret: string, info: string, algorithm: { name: string; hash?: string; length?: number }, usages: string[]): Promise<CryptoKey> {
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: encoder.encode(info) }, await master(secret), 256);
  return crypto.subtle.importKey("raw", bits, algorithm, false, usages as never);
}

const aesKey = (secret: string) => derive(secret, "kakuremino/seal/v1", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]);
// The same HKDF info as before INDEX_KEY existed: INDEX_KEY = the old DATA_KEY gives the very same key.
const hmacKey = (secret: string) => derive(secret, "kakuremino/index/v1", { name: "HMAC", hash: "SHA-256" }, ["sign"]);

const cache = new Map<string, Promise<Keyring>>();

/** Builds (once per isolate and key set) the keyring for a base64 secret and its key id. */
export function keyring(secret: string, keyId = "k1", options: KeyOptions = {}): Promise<Keyring> {
  const cacheKey = JSON.stringify([keyId, secret, options.previous ?? [], options.indexSecret ?? null]);
  let ring = cache.get(cacheKey);
  if (!ring) {
    ring = buildKeyring(secret, keyId, options);
    cache.set(cacheKey, ring);
    ring.catch(() => cache.delete(cacheKey));
  }
  return ring;
}

/** The keyring a parsed configuration describes (current key, previous keys, index key). */
export function keyringFor(config: { dataKey: string; dataKeyId: string; previousKeys?: { id: string; secret: string }[]; indexKey?: string | null }): Promise<Keyring> {
  return keyring(config.dataKey, config.dataKeyId, { previous: config.previousKeys, indexSecret: config.indexKey });
}

async function buildKeyring(secret: string, keyId: string, options: KeyOptions): Promise<Keyring> {
  const current = await aesKey(secret);
  const byId = new Map<string, CryptoKey>([[keyId, current]]);
  for (const old of options.previous ?? []) if (!byId.has(old.id)) byId.set(old.id, await aesKey(old.secret));
  const hmac = await hmacKey(options.indexSecret || secret);
  const prefix = `${keyId}:`;

  const decrypt = async (key: CryptoKey, sealed: Uint8Array) =>
    new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.subarray(0, 12) }, key, sealed.subarray(12)));

  const sealBytes = async (plain: Uint8Array) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, current, plain));
    const out = new Uint8Array(12 + cipher.length);
    out.set(iv);
    out.set(cipher, 12);
    return prefix + toBase64(out);
  };

  const openBytes = async (sealed: string) => {
    const colon = sealed.indexOf(":");
    if (colon < 0) {
      // Raw MIME sealed before values carried key ids: AES-GCM's tag tells which key fits.
      let bytes: Uint8Array;
      try {
        bytes = fromBase64(sealed);
      } catch {
        throw new SealedValueError("undecryptable", "");
      }
      for (const key of byId.values()) {
        try {
          return await decrypt(key, bytes);
        } catch {
          // not this key
        }
      }
      throw new SealedValueError("undecryptable", "");
    }
    const id = sealed.slice(0, colon);
    const key = byId.get(id);
    if (!key) throw new SealedValueError("unknown_key", id);
    try {
      return await decrypt(key, fromBase64(sealed.slice(colon + 1)));
    } catch {
      throw new SealedValueError("undecryptable", id);
    }
  };

  const mac = async (input: string) => new Uint8Array(await crypto.subtle.sign("HMAC", hmac, encoder.encode(input)));

  return {
    keyId,
    sealBytes,
    openBytes,
    mac,
    seal: (plain) => sealBytes(encoder.encode(plain)),
    open: async (sealed) => decoder.decode(await openBytes(sealed)),
    isCurrent: (sealed) => sealed.startsWith(prefix),
    reseal: async (sealed) => sealBytes(await openBytes(sealed)),
    async index(value) {
      return toBase64Url(await mac(`index:${value}`));
    },
  };
}

/**
 * Logs a value that could not be opened: which key id it names and where, never the value. The
 * operator reads this after removing an old key too early (restore it in DATA_KEYS_OLD).
 */
export function logUnreadable(where: string, error: unknown): void {
  if (!(error instanceof SealedValueError)) return;
  console.error(JSON.stringify({ event: "sealed_value_unreadable", where, reason: error.reason, keyId: error.keyId }));
}
