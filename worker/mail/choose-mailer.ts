import type { Config, Env } from "../env";
import { cloudflareMailer } from "./cloudflare-mailer";
import type { Mailer } from "./mailer";
import { outboxMailer } from "./outbox-mailer";
import { mailgunMailer, postmarkMailer, resendMailer, sendgridMailer, sesMailer } from "./http-mailers";

/** The configured mailer; "cloudflare" without its binding is a configuration error. */
export function mailerFor(config: Config, env: Env): Mailer {
  if (config.mailer === "outbox") return outboxMailer;
  if (config.mailer === "cloudflare") {
    if (!env.SEND_EMAIL) throw new Error('MAILER is "cloudflare" but the SEND_EMAIL binding is missing');
    return cloudflareMailer(env.SEND_EMAIL);
  }
  if (config.mailer === "ses") {
    if (!env.AWS_REGION || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error('MAILER is "ses" but AWS_REGION, AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is missing');
    return sesMailer({ region: env.AWS_REGION, accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY });
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
