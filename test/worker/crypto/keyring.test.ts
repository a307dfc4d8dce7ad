/** Key rotation at the keyring level (issue #9): old key ids open, the index key stays put. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseKeyConfig } from "../../../worker/crypto/key-config";
import { keyring, SealedValueError, toBase64 } from "../../../worker/crypto/sealed";
import { getConfig, ConfigError } from "../../../worker/env";

const K1 = env.DATA_KEY!;
const K2 = toBase64(new TextEncoder().encode("second-test-key-0123456789abcdef"));
const K0 = toBase64(new TextEncoder().encode("zeroth-test-key-0123456789abcdef"));

async function reason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SealedValueError);
  return `${(error as SealedValueError).reason}:${(error as SealedValueError).keyId}`;
}

describe("keyring rotation", () => {
  it("seals under the current key id and opens every configured previous key id", async () => {
    const v1 = await (await keyring(K1, "k1")).seal("hanako.yamada@example.com");
    const v0 = await (await keyring(K0, "k0")).seal("staff.one@example.net");
    expect(v1.startsWith("k1:")).toBe(true);
    const ring = await keyring(K2, "k2", { previous: [{ id: "k1", secret: K1 }, { id: "k0", secret: K0 }], indexSecret: K1 });
    const v2 = await ring.seal("hanako.yamada@example.com");
    expect(v2.startsWith("k2:")).toBe(true);
    expect(await ring.open(v1)).toBe("hanako.yamada@example.com");
    expect(await ring.open(v0)).toBe("staff.one@example.net");
    expect(await ring.open(v2)).toBe("hanako.yamada@example.com");
    expect([ring.isCurrent(v1), ring.isCurrent(v2)]).toEqual([false, true]);
    const again = await ring.reseal(v1);
    expect(again.startsWith("k2:")).toBe(true);
    expect(await ring.open(again)).toBe("hanako.yamada@example.com");
  });

  it("refuses a key id that is not configured, and a value its key does not decrypt", async () => {
    const v1 = await (await keyring(K1, "k1")).seal("x@example.com");
    const onlyK2 = await keyring(K2, "k2", { indexSecret: K1 });
    expect(await reason(onlyK2.open(v1))).toBe("unknown_key:k1");
    // Same id, different secret (DATA_KEY replaced without a new DATA_KEY_ID).
    const impostor = await keyring(K2, "k1");
    expect(await reason(impostor.open(v1))).toBe("undecryptable:k1");
    expect(await reason(onlyK2.openBytes("AAAA"))).toBe("undecryptable:");
  });

  it("INDEX_KEY set to the old DATA_KEY keeps every blind index and alias tag; without it they change", async () => {
    const before = await keyring(K1, "k1");
    const rotated = await keyring(K2, "k2", { previous: [{ id: "k1", secret: K1 }], indexSecret: K1 });
    const careless = await keyring(K2, "k2", { previous: [{ id: "k1", secret: K1 }] });
    expect(await rotated.index("hanako.yamada@example.com")).toBe(await before.index("hanako.yamada@example.com"));
    expect(await rotated.mac("alias:abc")).toEqual(await before.mac("alias:abc"));
    expect(await careless.index("hanako.yamada@example.com")).not.toBe(await before.index("hanako.yamada@example.com"));
  });

  it("opens raw MIME sealed before values carried a key id, under an old key too", async () => {
    const old = await keyring(K1, "k1");
    // The former sealRaw format: bare base64 of iv + ciphertext.
    const legacy = (await old.sealBytes(new TextEncoder().encode("Subject: hi\r\n\r\nbody"))).slice(3);
    expect(legacy).not.toContain(":");
    const rotated = await keyring(K2, "k2", { previous: [{ id: "k1", secret: K1 }], indexSecret: K1 });
    expect(new TextDecoder().decode(await rotated.openBytes(legacy))).toBe("Subject: hi\r\n\r\nbody");
    expect(rotated.isCurrent(legacy)).toBe(false);
    expect(await reason((await keyring(K2, "k2", { indexSecret: K1 })).openBytes(legacy))).toBe("undecryptable:");
  });
});

describe("key configuration", () => {
  const fail = (m: string) => new ConfigError(m);
  const base = { DB: env.DB, DATA_KEY: K2, DATA_KEY_ID: "k2" };

  it("parses DATA_KEYS_OLD and INDEX_KEY once, in getConfig", () => {
    const config = getConfig({ ...base, DATA_KEYS_OLD: ` k1:${K1} , k0:${K0} `, INDEX_KEY: K1 });
    expect(config.previousKeys).toEqual([{ id: "k1", secret: K1 }, { id: "k0", secret: K0 }]);
    expect(config.indexKey).toBe(K1);
    expect(getConfig({ DB: env.DB, DATA_KEY: K1 })).toMatchObject({ dataKeyId: "k1", previousKeys: [], indexKey: null });
  });

  it("refuses configurations that would silently break lookups or reads, without quoting secrets", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ DATA_KEYS_OLD: `k1:${K1}` }, /INDEX_KEY is not/],
      [{ DATA_KEYS_OLD: `k2:${K1}`, INDEX_KEY: K1 }, /current DATA_KEY_ID/],
      [{ DATA_KEYS_OLD: `k1:${K1},k1:${K0}`, INDEX_KEY: K1 }, /twice/],
      [{ DATA_KEYS_OLD: K1, INDEX_KEY: K1 }, /"keyId:base64"/],
      [{ DATA_KEYS_OLD: "k1:c2hvcnQ=", INDEX_KEY: K1 }, /at least 32 bytes/],
      [{ INDEX_KEY: "not base64!" }, /INDEX_KEY must be/],
      [{ DATA_KEY_ID: "k:2" }, /DATA_KEY_ID must be/],
    ];
    for (const [vars, message] of cases) {
      let error: unknown = null;
      try {
        parseKeyConfig({ ...base, ...vars }, fail);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(Object.keys(vars))).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      for (const secret of [K1, K0]) expect((error as Error).message).not.toContain(secret);
    }
  });
});
