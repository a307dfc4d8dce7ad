import type { Config, Env } from "../env";
import { cloudflareMailer } from "./cloudflare-mailer";
import type { Mailer } from "./mailer";
import { outboxMailer } from "./outbox-mailer";
import { mailgunMailer, postmarkMailer, resendMailer, sendgridMailer } from "./http-mailers";

/** The configured mailer; "cloudflare" without its binding is a configuration error. */
export function mailerFor(config: Config, env: Env): Mailer {
  if (config.mailer === "outbox") return outboxMailer;
  if (config.mailer === "cloudflare") {
    if (!env.SEND_EMAIL) throw new Error('MAILER is "cloudflare" but the SEND_EMAIL binding is missing');
    return cloudflareMailer(env.SEND_EMAIL);
  }
  if (!env.MAIL_API_KEY) throw new Error(`MAILER is "${config.mailer}" but the MAIL_API_KEY secret is missing`);
  const apiKey = env.MAIL_API_KEY;
  if (config.mailer === "mailgun") {
    if (!env.MAILGUN_DOMAIN) throw new Error('MAILER is "mailgun" but MAILGUN_DOMAIN is not set');
    return mailgunMailer({ apiKey, domain: env.MAILGUN_DOMAIN });
  }
  if (config.mailer === "resend") return resendMailer({ apiKey });
  if (config.mailer === "postmark") return postmarkMailer({ apiKey, stream: env.POSTMARK_STREAM });
  return sendgridMailer({ apiKey });
}
