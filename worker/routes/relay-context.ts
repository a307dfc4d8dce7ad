import type { Context } from "hono";
import type { RelayContext } from "../email/context";
import type { AppEnv } from "./app-env";

/** The relay's context for a request: what the email pipeline needs, from what the middleware set. */

export function relayContextOf(c: Context<AppEnv>): RelayContext {
  return { db: c.var.db, ring: c.var.ring, config: c.var.config, mailer: c.var.mailer, waitUntil: (p) => c.executionCtx.waitUntil(p), limits: { alias: c.env.RL_ALIAS } };
}
