/**
 * A reply that failed for good is not dropped silently: its recipient is told (once), by the
 * cron, which reply to which conversation could not be delivered and why — the reason scrubbed
 * of addresses, the contact named only by its reverse alias.
 */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { messages, outbox, recipients, reverseAliases } from "../../db/schema";
import { logUnreadable, SealedValueError, type Keyring } from "../crypto/sealed";
import { composePlain } from "./compose";
import type { Mailer } from "./mailer";
import { queueServiceMail } from "./service-mail";

/** Notices sent per cron pass: bounded so one pass stays within the Workers limits on subrequests. */
export const NOTICES_PER_PASS = 50;

export async function noticePermanentFailures(db: Db, ring: Keyring, mailer: Mailer, waitUntil: (p: Promise<unknown>) => void): Promise<number> {
  const failed = await db
    .select({ id: outbox.id, from: outbox.envelopeFrom, reason: outbox.lastError, publicAddressId: outbox.publicAddressId, recipientId: outbox.recipientId, recipientEmailEnc: recipients.emailEnc, subject: messages.subject, aliasLocalPart: reverseAliases.localPart, aliasDomain: reverseAliases.domain })
    .from(outbox)
    .innerJoin(messages, eq(messages.id, outbox.messageId))
    .innerJoin(reverseAliases, eq(reverseAliases.id, messages.aliasId))
    .innerJoin(recipients, eq(recipients.id, outbox.recipientId))
    // Webhook recipients have no mailbox to tell: their system sees the state through the API.
    .where(and(eq(outbox.state, "failed-permanent"), eq(outbox.kind, "relay"), eq(messages.direction, "outbound"), eq(recipients.kind, "mailbox"), isNull(outbox.notifiedAt)))
    // Least recently considered first: a deferred row goes to the back (below), so a batch of
    // rows that cannot be noticed yet never keeps newer failures from being noticed.
    .orderBy(asc(outbox.updatedAt), asc(outbox.id))
    .limit(NOTICES_PER_PASS);
  for (const row of failed) {
    const claimed = await db.update(outbox).set({ notifiedAt: sql`(cast(unixepoch('subsec') * 1000 as integer))` }).where(and(eq(outbox.id, row.id), isNull(outbox.notifiedAt))).returning({ id: outbox.id });
    if (!claimed.length) continue;
    let to: string;
    try {
      to = await ring.open(row.recipientEmailEnc);
    } catch (error) {
      if (!(error instanceof SealedValueError)) throw error;
      // Sealed under a key no longer configured: logged, claim released for when it is back,
      // and the row moved to the back of the queue.
      logUnreadable("failure-notice", error);
      await db.update(outbox).set({ notifiedAt: null, updatedAt: Date.now() }).where(eq(outbox.id, row.id));
      continue;
    }
    const alias = `${row.aliasLocalPart}@${row.aliasDomain}`;
    const raw = composePlain({
      from: { name: "Kakuremino", address: row.from },
      to: { address: to },
      subject: `Not delivered: ${row.subject}`.slice(0, 200),
      text: [
        `Your reply "${row.subject}" to ${alias} could not be delivered and will not be retried.`,
        `Reason: ${row.reason ?? "unknown"}`,
        "",
        `あなたの返信「${row.subject}」（宛先 ${alias}）は配送できませんでした。再送は行いません。`,
      ].join("\n"),
      headers: { "Auto-Submitted": "auto-generated" },
    });
    try {
      await queueServiceMail({ db, ring, mailer }, waitUntil, { kind: "notice", from: row.from, to, raw, publicAddressId: row.publicAddressId ?? undefined, recipientId: row.recipientId ?? undefined });
    } catch (error) {
      // Not recorded: release the claim so the next pass tries again (never lost silently).
      await db.update(outbox).set({ notifiedAt: null }).where(eq(outbox.id, row.id));
      throw error;
    }
  }
  return failed.length;
}
