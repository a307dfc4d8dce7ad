/**
 * Key rotation, the running side (issue #9): a chunk of re-sealing at a time, from the cron or
 * the admin endpoint, and a check that the index key is still the one the relay's reverse
 * aliases were minted with — a wrong INDEX_KEY makes every alias look guessed and every
 * blind-index lookup miss, which would otherwise only show as refused mail.
 */
import { reverseAliases } from "../../db/schema";
import type { Db } from "../../db/client";
import { countStale, resealChunk } from "../../db/queries/reseal";
import type { Keyring } from "./sealed";
import { isGenuineAlias } from "./tokens";

export type IndexKeyState = "ok" | "mismatch" | "unknown";

/** Rows the cron re-seals per run (a few queries; D1 counts queries per invocation). */
export const CRON_RESEAL_ROWS = 50;

/** "unknown" while no alias exists yet to check against. */
export async function indexKeyState(db: Db, ring: Keyring): Promise<IndexKeyState> {
  const sample = await db.select({ localPart: reverseAliases.localPart }).from(reverseAliases).limit(3);
  if (!sample.length) return "unknown";
  const genuine = await Promise.all(sample.map((a) => isGenuineAlias(ring, a.localPart)));
  return genuine.every(Boolean) ? "ok" : "mismatch";
}

export interface ResealProgress {
  keyId: string;
  resealed: number;
  unreadable: number;
  /** Rows still holding a value not sealed under the current key (0 = done). */
  remaining: number;
}

export async function resealStep(db: Db, ring: Keyring, budget: number): Promise<ResealProgress> {
  const chunk = await resealChunk(db, ring, budget);
  return { keyId: ring.keyId, ...chunk, remaining: await countStale(db, ring) };
}

/**
 * The cron's part: warn about a wrong index key (every run: one small query), and while old
 * keys are configured, re-seal one chunk. Without old keys there is nothing to migrate and no
 * table is scanned.
 */
export async function cronKeyMaintenance(db: Db, ring: Keyring, rotating: boolean): Promise<void> {
  if ((await indexKeyState(db, ring)) === "mismatch") {
    console.error(JSON.stringify({ event: "index_key_mismatch", message: "existing reverse aliases fail their tag: INDEX_KEY (or DATA_KEY without INDEX_KEY) differs from the key they were made with; re-sealing paused" }));
    return;
  }
  if (!rotating) return;
  const progress = await resealStep(db, ring, CRON_RESEAL_ROWS);
  console.log(JSON.stringify({ event: progress.remaining ? "reseal_progress" : "reseal_complete", ...progress }));
}
