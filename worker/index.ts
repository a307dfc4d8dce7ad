import { app } from "./app";
import type { Env } from "./env";
import { handleEmail } from "./email/handle-email";

export default {
  fetch: app.fetch,
  async email(message, env, ctx) {
    await handleEmail(message, env, ctx);
  },
} satisfies ExportedHandler<Env>;
