/**
 * POST /api/keys/reseal (operator): re-seals a chunk of stored values under the current DATA_KEY
 * and answers the progress; call it until `remaining` is 0, then remove the old key from
 * DATA_KEYS_OLD. The cron does the same a chunk per run while old keys are configured.
 */
import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../errors";
import { indexKeyState, resealStep } from "../crypto/rotation";
import type { AppEnv } from "./app-env";
import { record } from "./audit";
import { requireOperator } from "./identity";
import { readJson } from "./validate";

export const resealSchema = z.strictObject({ limit: z.number().int().min(1).max(500).default(100) });

export const keyRoutes = new Hono<AppEnv>();

keyRoutes.post("/reseal", async (c) => {
  requireOperator(c);
  const { limit } = await readJson(c, resealSchema, { optionalBody: true });
  const { db, ring } = c.var;
  // Re-sealing cannot repair a wrong index key, and running it then would hide the real problem.
  if ((await indexKeyState(db, ring)) === "mismatch") {
    throw new ApiError("index_key_mismatch", "Existing reverse aliases fail their tag: INDEX_KEY is not the key they were made with (see docs/THREAT-MODEL.md, key rotation)", 409);
  }
  const progress = await resealStep(db, ring, limit);
  await record(c, "keys.reseal", `${progress.keyId}:${progress.resealed}`);
  return c.json(progress);
});
