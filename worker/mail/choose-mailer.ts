import type { Config, Env } from "../env";
import { cloudflareMailer } from "./cloudflare-mailer";
import type { Mailer } from "./mailer";
import { outboxMailer } from "./outbox-mailer";

/** The configured mailer; "cloudflare" without its binding is a configuration error. */
export function mailerFor(config: Config, env: Env): Mailer {
  if (config.mailer === "outbox") return outboxMailer;
  if (!env.SEND_EMAIL) throw new Error('MAILER is "cloudflare" but the SEND_EMAIL binding is missing');
  return cloudflareMailer(env.SEND_EMAIL);
}
