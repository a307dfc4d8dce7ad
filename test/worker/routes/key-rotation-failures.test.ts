/**
 * Issue #9, what goes wrong: an old key removed before the re-seal finished, a wrong INDEX_KEY,
 * a rotation configured without one, and who may start the re-seal.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { HANAKO, STAFF_ONE, STAFF_TWO, setUpConversation } from "../../helpers/cases";
import { resetDatabase } from "../../helpers/factories";
import { api, authenticated } from "../../helpers/relay";
import { K1, K2, K_WRONG, ROTATED, ROTATING, apiAs, cronAs, injectAs, sealedValues } from "../../helpers/rotation";
import { SealedValueError } from "../../../worker/crypto/sealed";

function captureConsole(): { lines: () => { event?: string; [k: string]: unknown }[]; raw: () => string } {
  const lines: string[] = [];
  for (const method of ["log", "error", "warn"] as const) vi.spyOn(console, method).mockImplementation((...args) => void lines.push(args.map(String).join(" ")));
  return { lines: () => lines.flatMap((l) => (l.startsWith("{") ? [JSON.parse(l)] : [])), raw: () => lines.join("\n") };
}

const reply = (alias: string) => authenticated([`From: ${STAFF_ONE}`, `To: <${alias}>`, "Subject: Re: x", "Message-ID: <late-1@example.net>", "", "Hi", ""].join("\r\n"), STAFF_ONE);

describe("old key removed before the re-seal", () => {
  beforeEach(resetDatabase);

  it("old rows are unreadable with a clear log naming the key id (no address), nothing crashes, and putting the key back recovers", async () => {
    const { alias } = await setUpConversation();
    const [pa] = await (await api("GET", "/api/addresses")).json();
    await env.DB.prepare("UPDATE outbox SET state = 'failed-temporary', next_attempt_at = 0 WHERE kind = 'relay'").run();
    const log = captureConsole();

    const listed = await apiAs(ROTATED, "GET", `/api/addresses/${pa.id}/recipients`);
    expect(listed.status).toBe(500);
    expect((await listed.json()).error.code).toBe("key_unavailable");

    const progress = await (await apiAs(ROTATED, "POST", "/api/keys/reseal")).json();
    expect(progress.resealed).toBe(0);
    expect(progress.unreadable).toBeGreaterThan(0);
    expect(progress.remaining).toBe(progress.unreadable);

    // Mail to the alias: the delivery fails (the sending server retries), it is not refused for good.
    await expect(injectAs(ROTATED, { from: STAFF_ONE, to: alias, raw: reply(alias) })).rejects.toBeInstanceOf(SealedValueError);

    await cronAs(ROTATED);
    // Queued mail under the missing key waits (retry window) instead of failing for good.
    const states = await env.DB.prepare("SELECT DISTINCT state FROM outbox WHERE kind = 'relay'").all<{ state: string }>();
    expect(states.results.map((r) => r.state)).toEqual(["failed-temporary"]);
    vi.restoreAllMocks();

    const unreadable = log.lines().filter((l) => l.event === "sealed_value_unreadable");
    expect(new Set(unreadable.map((l) => l.where))).toEqual(new Set(["GET /api/addresses/:id/recipients", "reseal", "email", "outbox.retry"]));
    expect(unreadable.every((l) => l.keyId === "k1" && l.reason === "unknown_key")).toBe(true);
    for (const secret of [HANAKO, STAFF_ONE, STAFF_TWO, alias, K1, K2]) expect(log.raw().toLowerCase()).not.toContain(secret.toLowerCase());

    // Nothing was lost: with k1 back in DATA_KEYS_OLD everything reads and the re-seal completes.
    expect((await apiAs(ROTATING, "GET", `/api/addresses/${pa.id}/recipients`)).status).toBe(200);
    let done = await (await apiAs(ROTATING, "POST", "/api/keys/reseal", { limit: 500 })).json();
    expect(done).toMatchObject({ remaining: 0, unreadable: 0 });
    done = await (await apiAs(ROTATED, "GET", `/api/addresses/${pa.id}/recipients`)).json();
    expect(done.map((r: { email: string }) => r.email).sort()).toEqual([STAFF_ONE, STAFF_TWO]);
  });
});

describe("unreadable rows do not stall the re-seal", () => {
  beforeEach(resetDatabase);

  it("rows under an unknown key id are skipped and counted; the rows after them are re-sealed", async () => {
    const { makeAddress } = await import("../../helpers/factories");
    const { keyring } = await import("../../../worker/crypto/sealed");
    const { id } = await makeAddress({ recipients: [] });
    const k1 = await keyring(K1, "k1");
    const lost = await keyring(K_WRONG, "kx");
    const rows = [];
    // Keys "a…" sort first: without a cursor past them every page would be these same rows.
    for (let i = 0; i < 12; i++) rows.push(env.DB.prepare("INSERT INTO sender_rules (id, public_address_id, kind, pattern_hash, pattern_enc) VALUES (?, ?, 'block', ?, ?)").bind(`a${i}`, id, `ha${i}`, await lost.seal(`@a${i}.example`)));
    for (let i = 0; i < 12; i++) rows.push(env.DB.prepare("INSERT INTO sender_rules (id, public_address_id, kind, pattern_hash, pattern_enc) VALUES (?, ?, 'block', ?, ?)").bind(`b${i}`, id, `hb${i}`, await k1.seal(`@b${i}.example`)));
    await env.DB.batch(rows);
    const log = captureConsole();
    const progress = await (await apiAs(ROTATING, "POST", "/api/keys/reseal", { limit: 5 })).json();
    vi.restoreAllMocks();
    expect(progress).toMatchObject({ resealed: 5, unreadable: 12, remaining: 12 + 12 - 5 });
    expect(log.lines().filter((l) => l.event === "sealed_value_unreadable")).toEqual([{ event: "sealed_value_unreadable", where: "reseal", table: "sender_rules", reason: "unknown_key", keyId: "kx", rows: 12 }]);
    const resealed = await env.DB.prepare("SELECT id FROM sender_rules WHERE pattern_enc LIKE 'k2:%' ORDER BY id").all<{ id: string }>();
    expect(resealed.results.map((r) => r.id)).toEqual(["b0", "b1", "b10", "b11", "b2"]);
  });
});

describe("the index key", () => {
  beforeEach(resetDatabase);

  it("a wrong INDEX_KEY is detected: aliases would look guessed, so the re-seal refuses and the cron warns and pauses", async () => {
    const { alias } = await setUpConversation();
    const wrong = { ...env, DATA_KEY: K2, DATA_KEY_ID: "k2", DATA_KEYS_OLD: `k1:${K1}`, INDEX_KEY: K_WRONG };
    expect(await injectAs(wrong, { from: STAFF_ONE, to: alias, raw: reply(alias) })).toBe("550 5.1.1 No such address here");
    const res = await apiAs(wrong, "POST", "/api/keys/reseal");
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe("index_key_mismatch");
    const log = captureConsole();
    await cronAs(wrong);
    vi.restoreAllMocks();
    expect(log.lines().map((l) => l.event)).toContain("index_key_mismatch");
    for (const [column, values] of await sealedValues()) expect(values.filter((v) => v.startsWith("k2:")), column).toEqual([]);
  });

  it("DATA_KEYS_OLD without INDEX_KEY is a configuration error, not silently missed lookups", async () => {
    const log = captureConsole();
    const res = await apiAs({ ...env, DATA_KEY: K2, DATA_KEY_ID: "k2", DATA_KEYS_OLD: `k1:${K1}` }, "GET", "/api/addresses");
    vi.restoreAllMocks();
    expect(res.status).toBe(500);
    expect((await res.json()).error.code).toBe("misconfigured");
    expect(log.lines().find((l) => l.event === "config_error")!.message).toMatch(/INDEX_KEY/);
    expect(log.raw()).not.toContain(K1);
  });
});

describe("POST /api/keys/reseal", () => {
  beforeEach(resetDatabase);

  it("is for the operator only, and validates its body", async () => {
    await setUpConversation();
    expect((await apiAs(ROTATING, "POST", "/api/keys/reseal", undefined, {})).status).toBe(401);
    const [pa] = await (await api("GET", "/api/addresses")).json();
    const [recipient] = await (await api("GET", `/api/addresses/${pa.id}/recipients`)).json();
    const { key } = await (await api("POST", `/api/addresses/${pa.id}/recipients/${recipient.id}/keys`, { label: "x" })).json();
    const asSystem = await apiAs(ROTATING, "POST", "/api/keys/reseal", undefined, { authorization: `Bearer ${key}` });
    expect(asSystem.status).toBe(401);
    for (const [body, code] of [[{ limit: 0 }, "invalid_request"], [{ limit: 501 }, "invalid_request"], [{ limit: "5" }, "invalid_request"], [{ nope: 1 }, "unknown_field"], ["{", "invalid_json"]] as const) {
      const res = await apiAs(ROTATING, "POST", "/api/keys/reseal", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.code).toBe(code);
    }
    // Nothing was re-sealed by refused calls.
    for (const [column, values] of await sealedValues()) expect(values.filter((v) => v.startsWith("k2:")), column).toEqual([]);
  });
});
