/**
 * Mounted at /api/addresses/:id/sender (admin): which sender a public address's replies go
 * through — the global MAILER (no row value), another configured provider, or its own SMTP
 * server ("own address" mode) with the customer's credentials sealed (AES-GCM, DATA_KEY). The
 * password is write-only: no answer, log or audit entry ever contains it.
 */
import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { publicAddresses } from "../../db/schema";
import { MAILERS } from "../env";
import { ApiError } from "../errors";
import { mailerFor, senderChoiceOf, type SenderChoice } from "../mail/choose-mailer";
import { canonicalHost } from "../mail/public-host";
import { smtpHostRefusal } from "../mail/smtp-mailer";
import type { AppEnv } from "./app-env";
import { record } from "./audit";
import { requireAdmin } from "./identity";
import { readJson, singleLine } from "./validate";

// A DNS name or an IPv4 literal: what a connect() hostname may be; no ports, paths or spaces.
const hostname = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, "must be a host name");

const smtpSchema = z.strictObject({
  host: hostname,
  // Which ports may be used is smtpHostRefusal's decision (port 25 included), with the host's.
  port: z.number().int().min(1).max(65535),
  /** Defaults to implicit TLS on 465, STARTTLS elsewhere. */
  secure: z.boolean().optional(),
  username: singleLine(254).min(1),
  password: singleLine(1024).min(1),
});

// Discriminated by `mailer`, so a mistake is named ("smtp: …", "mailer: …"), not "Invalid input".
export const putSenderSchema = z.discriminatedUnion("mailer", [
  z.strictObject({ mailer: z.literal("smtp"), smtp: smtpSchema }),
  z.strictObject({ mailer: z.enum(MAILERS) }),
]);

export const senderRoutes = new Hono<AppEnv>();

async function ownedAddress(c: Context<AppEnv>) {
  const { accountId } = requireAdmin(c);
  const [row] = await c.var.db.select({ id: publicAddresses.id }).from(publicAddresses).where(and(eq(publicAddresses.id, c.req.param("id")!), eq(publicAddresses.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such public address", 404);
  return row;
}

/** Whether this relay holds what a provider needs (its key, binding or account settings): mailerFor decides. */
function isConfigured(c: Context<AppEnv>, choice: SenderChoice): boolean {
  try {
    mailerFor(c.var.config, c.env, choice);
    return true;
  } catch {
    return false;
  }
}

/**
 * What an admin may see of a sender (never the password), and the providers it may choose: the
 * configured ones, less the local sink.
 */
async function present(c: Context<AppEnv>, id: string) {
  const choice = await senderChoiceOf(c.var.db, c.var.ring, id);
  const smtp = choice?.mailer === "smtp" ? { host: choice.smtp.host, port: choice.smtp.port, secure: choice.smtp.secure, username: choice.smtp.username } : null;
  const providers = MAILERS.filter((mailer) => mailer !== "outbox" && isConfigured(c, { mailer }));
  return { mailer: choice?.mailer ?? null, defaultMailer: c.var.config.mailer, smtp, providers };
}

senderRoutes.get("/", async (c) => {
  const pa = await ownedAddress(c);
  return c.json(await present(c, pa.id));
});

senderRoutes.put("/", async (c) => {
  const pa = await ownedAddress(c);
  const body = await readJson(c, putSenderSchema);
  if (body.mailer === "smtp") {
    // The SSRF rule of webhooks: an account's admin must not point the relay at the relay's own
    // host or a private network (nor, on a public host, at a port that is not SMTP's).
    const refusal = smtpHostRefusal(body.smtp.host, body.smtp.port, c.var.config.smtpPrivateHosts);
    if (refusal) throw new ApiError("invalid_smtp_host", `smtp.${refusal}`);
  }
  const choice: SenderChoice = body.mailer === "smtp" ? { mailer: "smtp", smtp: { ...body.smtp, host: canonicalHost(body.smtp.host)!, secure: body.smtp.secure ?? body.smtp.port === 465 } } : { mailer: body.mailer };
  // A provider this relay has no key or binding for would fail every reply: refuse it now.
  if (!isConfigured(c, choice)) throw new ApiError("sender_unavailable", `The sender "${choice.mailer}" is not configured on this relay`, 422);
  const smtpEnc = choice.mailer === "smtp" ? await c.var.ring.seal(JSON.stringify(choice.smtp)) : null;
  await c.var.db.update(publicAddresses).set({ mailer: choice.mailer, smtpEnc }).where(eq(publicAddresses.id, pa.id));
  await record(c, `address.sender:${choice.mailer}`, pa.id);
  return c.json(await present(c, pa.id));
});

senderRoutes.delete("/", async (c) => {
  const pa = await ownedAddress(c);
  await c.var.db.update(publicAddresses).set({ mailer: null, smtpEnc: null }).where(eq(publicAddresses.id, pa.id));
  await record(c, "address.sender:default", pa.id);
  return c.json(await present(c, pa.id));
});
