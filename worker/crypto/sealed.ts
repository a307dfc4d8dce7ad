/**
 * Field encryption at rest and blind indexes. One secret (DATA_KEY, 32 random bytes in
 * base64) is expanded with HKDF into an AES-GCM key for sealing and an HMAC key for lookups,
 * so a stolen database alone reveals neither addresses nor names. Sealed values carry their
 * key id ("k1:…") so keys can be rotated.
 */

export interface Keyring {
  keyId: string;
  seal(plain: string): Promise<string>;
  open(sealed: string): Promise<string>;
  sealBytes(plain: Uint8Array): Promise<Uint8Array>;
  openBytes(sealed: Uint8Array): Promise<Uint8Array>;
  /** Keyed blind index of a value (lowercased addresses go in). */
  index(value: string): Promise<string>;
  /** Raw HMAC bytes for a purpose-separated input (alias tags, message ids). */
  mac(input: string): Promise<Uint8Array>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fromBase64(text: string): Uint8Array {
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

async function derive(master: CryptoKey, info: string, algorithm: { name: string; hash?: string; length?: number }, usages: string[]): Promise<CryptoKey> {
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: encoder.encode(info) }, master, 256);
  return crypto.subtle.importKey("raw", bits, algorithm, false, usages as never);
}

const cache = new Map<string, Promise<Keyring>>();

/** Builds (once per isolate and secret) the keyring for a base64 secret. */
export function keyring(secret: string, keyId = "k1"): Promise<Keyring> {
  const cacheKey = `${keyId}:${secret}`;
  let ring = cache.get(cacheKey);
  if (!ring) {
    ring = buildKeyring(secret, keyId);
    cache.set(cacheKey, ring);
  }
  return ring;
}

async function buildKeyring(secret: string, keyId: string): Promise<Keyring> {
  const raw = fromBase64(secret);
  if (raw.length < 32) throw new Error("DATA_KEY must be at least 32 bytes of base64");
  const master = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveBits"]);
  const aes = await derive(master, "kakuremino/seal/v1", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]);
  const hmac = await derive(master, "kakuremino/index/v1", { name: "HMAC", hash: "SHA-256" }, ["sign"]);

  const sealBytes = async (plain: Uint8Array) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, plain));
    const out = new Uint8Array(12 + cipher.length);
    out.set(iv);
    out.set(cipher, 12);
    return out;
  };
  const openBytes = async (sealed: Uint8Array) =>
    new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.subarray(0, 12) }, aes, sealed.subarray(12)));
  const mac = async (input: string) => new Uint8Array(await crypto.subtle.sign("HMAC", hmac, encoder.encode(input)));

  return {
    keyId,
    sealBytes,
    openBytes,
    mac,
    async seal(plain) {
      return `${keyId}:${toBase64(await sealBytes(encoder.encode(plain)))}`;
    },
    async open(sealed) {
      const colon = sealed.indexOf(":");
      if (sealed.slice(0, colon) !== keyId) throw new Error(`unknown key id ${sealed.slice(0, colon)}`);
      return decoder.decode(await openBytes(fromBase64(sealed.slice(colon + 1))));
    },
    async index(value) {
      return toBase64Url(await mac(`index:${value}`));
    },
  };
}
