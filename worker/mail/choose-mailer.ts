/**
 * The one place mailers are built: the global default from MAILER, and per public address the
 * sender chosen through /api/addresses/:id/sender (a provider, or its own SMTP server with
 * sealed credentials). Outbox rows name theirs in `via`; a retry uses the same one.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { publicAddresses } from "../../db/schema";
import type { Keyring } from "../crypto/sealed";
import { MAILERS, type Config, type Env, type MailerName } from "../env";
import { cloudflareApiMailer } from "./cloudflare-api-mailer";
import { cloudflareMailer } from "./cloudflare-mailer";
import { mailgunMailer, postmarkMailer, resendMailer, sendgridMailer, sesMailer } from "./http-mailers";
import type { Mailer } from "./mailer";
import { outboxMailer } from "./outbox-mailer";
import { smtpMailer, type SmtpSettings } from "./smtp-mailer";

/** The providers MAIL_API_KEY is a key for. */
const KEYED: MailerName[] = ["cloudflare-api", "mailgun", "resend", "postmark", "sendgrid"];

/** What a public address may send through: any configured provider, or its own SMTP server. */
export type SenderChoice = { mailer: MailerName } | { mailer: "smtp"; smtp: SmtpSettings };

/** The mailer for a choice (default: MAILER). A provider without its configuration is an error. */
export function mailerFor(config: Config, env: Env, choice: SenderChoice = { mailer: config.mailer }): Mailer {
  const name = choice.mailer;
  if (choice.mailer === "smtp") return smtpMailer(choice.smtp, { privateHosts: config.smtpPrivateHosts });
  if (name === "outbox") return outboxMailer;
  if (name === "cloudflare") {
    if (!env.SEND_EMAIL) throw new Error('MAILER is "cloudflare" but the SEND_EMAIL binding is missing');
    return cloudflareMailer(env.SEND_EMAIL);
  }
  if (name === "ses") {
    if (!env.AWS_REGION || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error('MAILER is "ses" but AWS_REGION, AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is missing');
    return sesMailer({ region: env.AWS_REGION, accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY });
  }
  if (!env.MAIL_API_KEY) throw new Error(`MAILER is "${name}" but the MAIL_API_KEY secret is missing`);
  // One secret, one provider's key: with an HTTP provider as MAILER it is that provider's, and
  // another one would send with it and fail every message (README, Sending).
  if (KEYED.includes(config.mailer) && name !== config.mailer) throw new Error(`MAIL_API_KEY is the key of MAILER "${config.mailer}", not of "${name}"`);
  const apiKey = env.MAIL_API_KEY;
  if (name === "cloudflare-api") {
    if (!env.CF_ACCOUNT_ID) throw new Error('MAILER is "cloudflare-api" but CF_ACCOUNT_ID is not set');
    return cloudflareApiMailer({ accountId: env.CF_ACCOUNT_ID, apiToken: apiKey });
  }
  if (name === "mailgun") {
    if (!env.MAILGUN_DOMAIN) throw new Error('MAILER is "mailgun" but MAILGUN_DOMAIN is not set');
    return mailgunMailer({ apiKey, domain: env.MAILGUN_DOMAIN });
  }
  if (name === "resend") return resendMailer({ apiKey });
  if (name === "postmark") return postmarkMailer({ apiKey, stream: env.POSTMARK_STREAM });
  return sendgridMailer({ apiKey });
}

/** A public address's stored sender, or null when it uses the default. */
export async function senderChoiceOf(db: Db, ring: Keyring, publicAddressId: string): Promise<SenderChoice | null> {
  const [row] = await db.select({ mailer: publicAddresses.mailer, smtpEnc: publicAddresses.smtpEnc }).from(publicAddresses).where(eq(publicAddresses.id, publicAddressId));
  if (!row?.mailer) return null;
  if (row.mailer !== "smtp") return { mailer: row.mailer as MailerName };
  if (!row.smtpEnc) throw new Error("the address's SMTP settings are missing");
  return { mailer: "smtp", smtp: JSON.parse(await ring.open(row.smtpEnc)) as SmtpSettings };
}

/**
 * The relay's mailer: sends with the default, and resolves a row's `via` — for "smtp", with the
 * settings its public address holds now (credentials may have been corrected since it was queued).
 */
export function relayMailer(config: Config, env: Env, db: Db, ring: Keyring): Mailer {
  const fallback = mailerFor(config, env);
  const built = new Map<string, Promise<Mailer>>();
  const queue = env.OUTBOX_QUEUE;
  return {
    name: fallback.name,
    send: (message) => fallback.send(message),
    ...(queue ? { enqueue: async (ids: string[]) => void (await queue.sendBatch(ids.map((outboxId) => ({ body: { outboxId } })))) } : {}),
    via(name, publicAddressId) {
      const key = `${name}:${publicAddressId ?? ""}`;
      let mailer = built.get(key);
      if (!mailer) {
        mailer = (async () => {
          // Rows of other kinds (webhooks) name handlers that are not mailers: never guess one.
          if (MAILERS.includes(name as MailerName)) return mailerFor(config, env, { mailer: name as MailerName });
          if (name !== "smtp") throw new Error(`no mailer is called "${name}"`);
          const choice = publicAddressId ? await senderChoiceOf(db, ring, publicAddressId) : null;
          if (choice?.mailer !== "smtp") throw new Error("the address no longer has SMTP settings");
          return mailerFor(config, env, choice);
        })();
        built.set(key, mailer);
      }
      return mailer;
    },
  };
}
