import { app } from "./app";
import type { Env } from "./env";
import { handleEmail } from "./email/handle-email";
import { purgeExpired } from "./scheduled";

export default {
  fetch: app.fetch,
  async email(message, env, ctx) {
    await handleEmail(message, env, ctx);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(purgeExpired(env));
  },
} satisfies ExportedHandler<Env>;
