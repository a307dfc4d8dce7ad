import { Hono } from "hono";
import { ApiError } from "../errors";
import { readOutbox } from "../mail/deliver";
import type { AppEnv } from "./app-env";
import { requireOperator } from "./identity";

/**
 * GET /api/outbox — the local sink, newest first; only while the outbox mailer is active. It
 * holds every account's mail with real addresses, so only the operator may read it.
 */
export const outboxRoutes = new Hono<AppEnv>();

outboxRoutes.get("/", async (c) => {
  requireOperator(c);
  if (c.var.config.mailer !== "outbox") throw new ApiError("outbox_disabled", "The outbox is only available with MAILER=outbox", 404);
  const limit = Math.min(500, Math.max(1, Number(c.req.query("limit") ?? 100) || 100));
  return c.json(await readOutbox(c.var.db, c.var.ring, limit));
});
