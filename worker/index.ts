import { app } from "./app";
import type { Env } from "./env";
import { handleEmail } from "./email/handle-email";
import { runScheduled } from "./scheduled";

export default {
  fetch: app.fetch,
  async email(message, env, ctx) {
    await handleEmail(message, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
