/**
 * The cron (every few minutes): failed deliveries are retried with backoff, and nothing is kept
 * longer than its retention window. Messages (with their
 * stored bodies and queued mail, by cascade) go after their public address's retention days;
 * notices, confirmations and sign-in mail after 30 days (or their address's window, if shorter);
 * expired sessions and links at once;
 * reverse aliases idle longer than their public address's `alias_idle_days`.
 */
import { and, isNull, lt, sql } from "drizzle-orm";
import { createDb } from "../db/client";
import { purgeIdleAliases } from "../db/queries/deletion";
import { messages, outbox, pendingSubmissions, sessions, signInLinks } from "../db/schema";
import { keyringFor } from "./crypto/sealed";
import { getConfig, type Env } from "./env";
import { relayMailer } from "./mail/choose-mailer";
import { retryDue } from "./mail/deliver";
import { noticePermanentFailures } from "./mail/failure-notice";
import { cronKeyMaintenance } from "./crypto/rotation";

const DAY = 24 * 60 * 60 * 1000;
export const SERVICE_MAIL_RETENTION_DAYS = 30;

/** The cron: retry due deliveries, then purge what is past its window. */
export async function runScheduled(env: Env, now = Date.now()): Promise<void> {
  const config = getConfig(env);
  const db = createDb(env.DB);
  const ring = await keyringFor(config);
  const mailer = relayMailer(config, env, db, ring);
  // Retention first: nothing a delivery problem does may keep data past its window.
  await purgeExpired(env, now);
  await retryDue(db, ring, mailer, now);
  const sends: Promise<unknown>[] = [];
  await noticePermanentFailures(db, ring, mailer, (p) => sends.push(p));
  await Promise.all(sends);
  // Last, so a rotation problem never holds up retention or delivery.
  await cronKeyMaintenance(db, ring, config.previousKeys.length > 0);
}

export async function purgeExpired(env: Env, now = Date.now()): Promise<void> {
  const db = createDb(env.DB);
  await db.batch([
    db.delete(messages).where(sql`${messages.createdAt} < ${now} - (SELECT retention_days FROM public_addresses pa WHERE pa.id = ${messages.publicAddressId}) * ${DAY}`),
    // Mail with no message row: sign-in links, confirmations and notices go after 30 days; those
    // of a public address (bounce copies carry the bounced mail's text) after its own window if shorter.
    db.delete(outbox).where(and(isNull(outbox.messageId), sql`${outbox.createdAt} < ${now} - min(${SERVICE_MAIL_RETENTION_DAYS}, coalesce((SELECT retention_days FROM public_addresses pa WHERE pa.id = ${outbox.publicAddressId}), ${SERVICE_MAIL_RETENTION_DAYS})) * ${DAY}`)),
    db.delete(sessions).where(lt(sessions.expiresAt, now)),
    db.delete(signInLinks).where(lt(signInLinks.expiresAt, now)),
    db.delete(pendingSubmissions).where(lt(pendingSubmissions.expiresAt, now)),
  ]);
  const config = getConfig(env);
  await purgeIdleAliases(db, await keyringFor(config), now);
}
