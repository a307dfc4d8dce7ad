import { Hono } from "hono";
import { ApiError } from "../errors";
import { readOutbox } from "../mail/deliver";
import type { AppEnv } from "./app-env";
import { requireAdmin } from "./identity";

/** GET /api/outbox — the local sink, newest first; only while the outbox mailer is active. */
export const outboxRoutes = new Hono<AppEnv>();

outboxRoutes.get("/", async (c) => {
  requireAdmin(c);
  if (c.var.config.mailer !== "outbox") throw new ApiError("outbox_disabled", "The outbox is only available with MAILER=outbox", 404);
  const limit = Math.min(500, Math.max(1, Number(c.req.query("limit") ?? 100) || 100));
  return c.json(await readOutbox(c.var.db, c.var.ring, limit));
});
