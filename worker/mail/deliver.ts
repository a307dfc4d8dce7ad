/**
 * The durable outbox: rows are written (state "queued") in the same batch as the message log,
 * then handed to the mailer after the SMTP transaction, in waitUntil. Nothing is dropped: a
 * failure is recorded with its reason.
 */
import { and, desc, eq, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { outbox } from "../../db/schema";
import { logUnreadable, SealedValueError, toBase64, type Keyring } from "../crypto/sealed";
import type { Mailer, SendResult } from "./mailer";
import { sendWebhookRow } from "./webhook";

export interface QueuedMail {
  id: string;
  from: string;
  to: string;
  raw: Uint8Array;
  /** The row's `via`: the mailer its public address chose; absent = the default. */
  via?: string | null;
  publicAddressId?: string | null;
}

const MINUTE = 60_000;
/** Temporary failures are retried with exponential backoff for up to a day (then permanent). */
export const RETRY_WINDOW = 24 * 60 * MINUTE;

function backoff(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts - 1), 360) * MINUTE;
}

async function attempt(mailer: Mailer, mail: QueuedMail): Promise<SendResult> {
  try {
    // A sender that cannot be built (settings removed, a secret missing) fails like a provider
    // that is down: temporary, retried, and permanent with a notice after the window.
    const sender = mail.via && mailer.via ? await mailer.via(mail.via, mail.publicAddressId ?? null) : mailer;
    return await sender.send({ from: mail.from, to: mail.to, raw: mail.raw });
  } catch (error) {
    return { ok: false, permanent: false, error: error instanceof Error ? error.message : "send failed" };
  }
}

/**
 * What is kept of a failure: its status codes and a fixed phrase — never the provider's own
 * text, which may quote the destination address (and would reach the recipient in a notice).
 */
/** Who answered a send: a mail provider (or SMTP server), or a webhook recipient's endpoint. */
export type Party = "provider" | "endpoint";

export function failureCategory(result: { permanent: boolean; error: string }, party: Party = "provider"): string {
  const codes = [result.error.match(/\b[2-5]\d\d\b/)?.[0], result.error.match(/\b[245]\.\d{1,3}\.\d{1,3}\b/)?.[0]].filter(Boolean).join(" ");
  const what = /timed out/i.test(result.error) ? "did not answer in time" : /unreachable/i.test(result.error) ? "could not be reached" : result.permanent ? "refused the message" : "failed temporarily";
  const phrase = `the ${party} ${what}`;
  return codes ? `${codes} ${phrase}` : phrase;
}

/** The row's next state after an attempt. */
function outcome(result: SendResult, attempts: number, createdAt: number, now: number, party: Party) {
  if (result.ok) return { state: "sent" as const, attempts, updatedAt: now, lastError: null, nextAttemptAt: null };
  const lastError = failureCategory(result, party);
  const permanent = result.permanent || now + backoff(attempts) - createdAt > RETRY_WINDOW;
  return permanent ? { state: "failed-permanent" as const, attempts, updatedAt: now, lastError, nextAttemptAt: null } : { state: "failed-temporary" as const, attempts, updatedAt: now, lastError, nextAttemptAt: now + backoff(attempts) };
}

/**
 * First attempt, right after the SMTP transaction (in waitUntil): sends queued rows and records
 * every outcome in one batch. Errors never escape: they are states. With a delivery queue bound
 * the rows are handed to it instead; if that fails they are sent here after all.
 */
export async function sendQueued(db: Db, mailer: Mailer, mails: QueuedMail[]): Promise<void> {
  if (!mails.length) return;
  if (mailer.enqueue) {
    try {
      return await mailer.enqueue(mails.map((m) => m.id));
    } catch {
      // Sending now is better than waiting ten minutes for the cron.
    }
  }
  await settleQueued(db, mails, (mail) => attempt(mailer, mail));
}

/** The first attempt for any queued row (mail or webhook): `send` never throws, its result is the row's next state. */
export async function settleQueued<T extends { id: string }>(db: Db, items: T[], send: (item: T) => Promise<SendResult>, party: Party = "provider"): Promise<void> {
  const now = Date.now();
  const updates = [];
  for (const mail of items) {
    const result = await send(mail);
    updates.push(db.update(outbox).set(outcome(result, 1, now, now, party)).where(and(eq(outbox.id, mail.id), eq(outbox.state, "queued"))));
  }
  if (updates.length) await db.batch(updates as [(typeof updates)[0], ...typeof updates]);
}

/** Rows a pass may take: never attempted, due for a retry, or queued but abandoned (the isolate went away). */
function deliverable(now: number) {
  return or(and(eq(outbox.state, "queued"), eq(outbox.attempts, 0)), and(eq(outbox.state, "failed-temporary"), lte(outbox.nextAttemptAt, now)), and(eq(outbox.state, "queued"), lt(outbox.updatedAt, now - 10 * MINUTE)));
}

/**
 * One delivery attempt of one row, for the cron and the queue consumer. The row is claimed in
 * the same statement that checks it is deliverable (the attempt is counted at once), so a
 * duplicate queue message or an overlapping cron pass finds nothing to do: nothing is sent twice.
 * Returns the row's new state, or null when there was nothing to send.
 */
export async function deliverRow(db: Db, ring: Keyring, mailer: Mailer, id: string, now = Date.now()) {
  const [row] = await db.update(outbox).set({ state: "queued", updatedAt: now, attempts: sql`${outbox.attempts} + 1` }).where(and(eq(outbox.id, id), deliverable(now))).returning();
  if (!row) return null;
  let result: SendResult;
  try {
    // Webhook rows go to their recipient's HTTPS endpoint, never through a mailer.
    if (row.kind === "webhook") result = await sendWebhookRow(db, ring, row, (sealed) => openRaw(ring, sealed));
    else result = await attempt(mailer, { id: row.id, from: row.envelopeFrom, to: await ring.open(row.envelopeToEnc), raw: await openRaw(ring, row.rawEnc), via: row.via, publicAddressId: row.publicAddressId });
  } catch (error) {
    // A row that cannot be read fails alone. Under a key id no longer configured it is retried
    // within the window (the old key can still be put back); a corrupted value fails for good.
    logUnreadable("outbox.retry", error);
    const missingKey = error instanceof SealedValueError && error.reason === "unknown_key";
    result = { ok: false, permanent: !missingKey, error: "stored message unreadable" };
  }
  const next = outcome(result, row.attempts, row.createdAt, now, row.kind === "webhook" ? "endpoint" : "provider");
  await db.update(outbox).set(next).where(eq(outbox.id, row.id));
  return next;
}

/**
 * The cron's pass: temporary failures that are due, and queued rows whose first attempt never
 * reported. With a delivery queue bound they are handed to it; otherwise sent here.
 */
export async function retryDue(db: Db, ring: Keyring, mailer: Mailer, now = Date.now()): Promise<number> {
  const due = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(or(and(eq(outbox.state, "failed-temporary"), lte(outbox.nextAttemptAt, now)), and(eq(outbox.state, "queued"), lt(outbox.updatedAt, now - 10 * MINUTE))))
    .limit(50);
  if (mailer.enqueue && due.length) {
    try {
      await mailer.enqueue(due.map((r) => r.id));
      return 0;
    } catch {
      // The queue is unavailable: this pass sends them itself.
    }
  }
  let sent = 0;
  for (const { id } of due) if ((await deliverRow(db, ring, mailer, id, now))?.state === "sent") sent++;
  return sent;
}

/** Decrypts outbox rows for the local sink API. */
export async function readOutbox(db: Db, ring: Keyring, limit = 100) {
  const rows = await db.select().from(outbox).orderBy(desc(outbox.createdAt), desc(sql`rowid`)).limit(limit);
  return Promise.all(
    rows.map(async (row) => {
      const raw = await openRaw(ring, row.rawEnc);
      return {
      id: row.id,
      kind: row.kind,
      state: row.state,
      envelopeFrom: row.envelopeFrom,
      envelopeTo: await ring.open(row.envelopeToEnc),
        /** The message as text (8-bit parts in other charsets show as replacement characters). */
        raw: new TextDecoder().decode(raw),
        /** The exact bytes. */
        rawBase64: toBase64(raw),
        lastError: row.lastError,
        attempts: row.attempts,
        /** The sender this row goes through; null = the default. */
        via: row.via,
        createdAt: row.createdAt,
      };
    }),
  );
}

/** Sealed raw MIME as "keyId:base64" text; rows written before key ids are bare base64 (still read). */
export async function sealRaw(ring: Keyring, raw: Uint8Array): Promise<string> {
  return ring.sealBytes(raw);
}

export async function openRaw(ring: Keyring, sealed: string): Promise<Uint8Array> {
  return ring.openBytes(sealed);
}
