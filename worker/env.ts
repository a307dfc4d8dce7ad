/** Bindings and configuration. Vars are strings; getConfig parses them once into typed values. */
import { parseKeyConfig, type KeyConfig } from "./crypto/key-config";
import { canonicalHost } from "./mail/public-host";

export interface Env {
  DB: D1Database;
  /** Cloudflare's send_email binding, used when MAILER = "cloudflare". */
  SEND_EMAIL?: SendEmail;
  /** Secret: bearer token for the admin API. */
  ADMIN_TOKEN?: string;
  /** Secret: 32+ random bytes, base64; encrypts addresses at rest and keys blind indexes. */
  DATA_KEY?: string;
  DATA_KEY_ID?: string;
  /** Secret: previous data keys during a rotation, "k1:base64,k0:base64" (opened, never used to seal). */
  DATA_KEYS_OLD?: string;
  /** Secret: keys blind indexes and alias tags; unset derives it from DATA_KEY. Required once DATA_KEYS_OLD is set. */
  INDEX_KEY?: string;
  MAILER?: string;
  APP_URL?: string;
  ALIAS_DOMAIN?: string;
  /** Comma-separated domains the service itself routes: new public addresses on them need no domain verification. */
  SERVICE_DOMAINS?: string;
  AUTHSERV_ID?: string;
  MAX_MESSAGE_BYTES?: string;
  /** Rate Limiting bindings: mail to reverse aliases per sending domain, sign-in requests and form posts per client. */
  RL_ALIAS?: RateLimit;
  RL_SIGNIN?: RateLimit;
  RL_FORMS?: RateLimit;
  /** Secret: the HTTP mail provider's API key (MAILER = mailgun | resend | postmark | sendgrid). */
  MAIL_API_KEY?: string;
  MAILGUN_DOMAIN?: string;
  /** Amazon SES (MAILER = ses): region var, key id var, secret access key secret. */
  AWS_REGION?: string;
  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  POSTMARK_STREAM?: string;
  /** Cloudflare Email Service REST API (MAILER = cloudflare-api): the account id var; MAIL_API_KEY holds the API token. */
  CF_ACCOUNT_ID?: string;
  /** Queue producer for deliveries; when bound, the queue() handler sends and the cron only sweeps. */
  OUTBOX_QUEUE?: Queue<{ outboxId: string }>;
  /** Secret: Turnstile secret key; when set, form posts must carry a valid `cf-turnstile-response`. */
  TURNSTILE_SECRET?: string;
  /** DNS-over-HTTPS resolver (JSON format) for domain verification; default Cloudflare's 1.1.1.1. */
  DOH_URL?: string;
  /** From address of sign-in links and invitations; default no-reply@ the first service domain (or APP_URL's host). */
  SERVICE_FROM?: string;
  /** Turnstile's public site key, written into the form embed snippets (routes/form-embed.ts). */
  TURNSTILE_SITE_KEY?: string;
  /** Cloudflare Access mode: the team domain (e.g. "acme.cloudflareaccess.com") and the app's AUD tag. */
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  /**
   * Comma-separated SMTP hosts an address's own sender may use although they are private or
   * local (a self-hosted relay's intranet server, a test server on 127.0.0.1); any port. Every
   * other SMTP host must be public and use a mail port (routes/sender.ts).
   */
  SMTP_PRIVATE_HOSTS?: string;
}

export type MailerName = "outbox" | "cloudflare" | "cloudflare-api" | "mailgun" | "resend" | "postmark" | "sendgrid" | "ses";
export const MAILERS: MailerName[] = ["outbox", "cloudflare", "cloudflare-api", "mailgun", "resend", "postmark", "sendgrid", "ses"];

export interface Config extends KeyConfig {
  mailer: MailerName;
  /** Base URL of the web UI and confirmation links, without a trailing slash. */
  appUrl: string;
  /** Domain of reverse aliases; empty means "the public address's own domain". */
  aliasDomain: string;
  /** authserv-id of the receiving MTA whose Authentication-Results are trusted (RFC 8601). */
  authservId: string;
  maxMessageBytes: number;
  adminToken: string;
  dataKey: string;
  dataKeyId: string;
  /** Domains the service routes itself: addresses on them need no domain verification. */
  serviceDomains: string[];
  dohUrl: string;
  serviceFrom: string;
  /** Turnstile site key for embed snippets; "" when not configured. */
  turnstileSiteKey: string;
  /** SMTP_PRIVATE_HOSTS, canonical (lowercase, IPv4 as dotted quads). */
  smtpPrivateHosts: string[];
  /** Set when Cloudflare Access mode is on. */
  access: { teamDomain: string; audience: string } | null;
}

const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

export class ConfigError extends Error {}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    throw new ConfigError("APP_URL must be an absolute URL such as https://relay.example.com");
  }
}

export function getConfig(env: Env): Config {
  const mailer = (env.MAILER ?? "outbox").trim();
  if (!MAILERS.includes(mailer as MailerName)) throw new ConfigError(`MAILER must be one of ${MAILERS.join(", ")}, not "${mailer}"`);
  if (!env.DATA_KEY) throw new ConfigError("DATA_KEY secret is not set");
  const serviceDomains = (env.SERVICE_DOMAINS ?? "")
    .split(",")
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  const appUrl = (env.APP_URL ?? "http://localhost:8787").replace(/\/+$/, "");
  return {
    mailer: mailer as MailerName,
    appUrl,
    aliasDomain: (env.ALIAS_DOMAIN ?? "").trim().toLowerCase(),
    authservId: (env.AUTHSERV_ID ?? "mx.cloudflare.net").trim().toLowerCase(),
    maxMessageBytes: positiveInt(env.MAX_MESSAGE_BYTES, DEFAULT_MAX_BYTES, "MAX_MESSAGE_BYTES"),
    adminToken: env.ADMIN_TOKEN ?? "",
    dataKey: env.DATA_KEY,
    dataKeyId: env.DATA_KEY_ID ?? "k1",
    serviceDomains,
    dohUrl: env.DOH_URL ?? "https://cloudflare-dns.com/dns-query",
    serviceFrom: env.SERVICE_FROM?.trim() || `no-reply@${serviceDomains[0] ?? hostOf(appUrl)}`,
    turnstileSiteKey: (env.TURNSTILE_SITE_KEY ?? "").trim(),
    smtpPrivateHosts: (env.SMTP_PRIVATE_HOSTS ?? "")
      .split(",")
      .map((h) => canonicalHost(h.trim()))
      .filter((h): h is string => Boolean(h)),
    ...parseKeyConfig(env, (message) => new ConfigError(message)),
    access: env.ACCESS_TEAM_DOMAIN && env.ACCESS_AUD ? { teamDomain: env.ACCESS_TEAM_DOMAIN.replace(/^https?:\/\//, "").replace(/\/+$/, ""), audience: env.ACCESS_AUD } : null,
  };
}
