import { app } from "./app";
import type { Env } from "./env";
import { handleEmail } from "./email/handle-email";
import { runScheduled } from "./scheduled";
import { deliverBatch, type OutboxJob } from "./mail/outbox-queue";

export default {
  fetch: app.fetch,
  async email(message, env, ctx) {
    await handleEmail(message, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime));
  },
  async queue(batch, env) {
    await deliverBatch(batch, env);
  },
} satisfies ExportedHandler<Env, OutboxJob>;
