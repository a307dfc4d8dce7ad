/**
 * The delivery queue's consumer (when OUTBOX_QUEUE is bound): each message names one outbox
 * row; the row is claimed, sent and its outcome recorded exactly as the cron would. A temporary
 * failure comes back after the row's backoff; the row in D1 stays the truth, so a message the
 * queue gives up on is still swept by the cron — nothing is lost, and the claim keeps a
 * duplicate message from sending twice.
 */
import { createDb } from "../../db/client";
import { keyringFor } from "../crypto/sealed";
import { getConfig, type Env } from "../env";
import { relayMailer } from "./choose-mailer";
import { deliverRow } from "./deliver";

export interface OutboxJob {
  outboxId: string;
}

/** Queues allow at most 12 hours of delay; the backoff tops out at 6. */
const MAX_DELAY_SECONDS = 12 * 60 * 60;

export async function deliverBatch(batch: MessageBatch<OutboxJob>, env: Env, now = () => Date.now()): Promise<void> {
  const config = getConfig(env);
  const db = createDb(env.DB);
  const ring = await keyringFor(config);
  const mailer = relayMailer(config, env, db, ring);
  for (const message of batch.messages) {
    try {
      const at = now();
      const state = await deliverRow(db, ring, mailer, message.body.outboxId, at);
      if (state?.state === "failed-temporary" && state.nextAttemptAt) message.retry({ delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil((state.nextAttemptAt - at) / 1000)) });
      else message.ack();
    } catch {
      // D1 unreachable: the queue tries again; the row is untouched or swept by the cron.
      message.retry();
    }
  }
}
