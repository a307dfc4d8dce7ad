/**
 * The forward step for a webhook recipient: the same anonymised view of the message that a
 * mailbox recipient's copy carries (contacts behind their reverse alias, every address in the
 * text resolved the same way), as a JSON payload queued in the outbox and posted after the
 * SMTP transaction.
 */
import type { NewOutbox } from "../../db/queries/relay";
import { randomToken } from "../crypto/tokens";
import { sealRaw, settleQueued } from "../mail/deliver";
import { postWebhook, type WebhookPayload } from "../mail/webhook";
import type { AddressResolver } from "../mime/addresses-in-text";
import { scrubDisplayName } from "../mime/address";
import type { MessageSummary } from "../mime/summary";
import type { RelayContext } from "./context";
import { resolvedSummary } from "./bodies";

export interface QueuedWebhook {
  id: string;
  url: string;
  secret: string;
  body: string;
}

export interface WebhookCopyInput {
  recipient: { id: string; webhookSecretEnc: string | null };
  url: string;
  publicAddressId: string;
  /** The messages row this copy belongs to (null for a bounce). */
  messageId: string | null;
  idempotencyKey: string;
  envelopeFrom: string;
  reverseAlias: string | null;
  conversationId: string | null;
  fromName: string;
  subject: string;
  relayMessageId: string;
  summary: MessageSummary;
  resolve: AddressResolver;
}

/** The outbox row (sealed JSON body) and what the first attempt needs to post it. */
export async function webhookCopy(ctx: RelayContext, input: WebhookCopyInput): Promise<{ row: NewOutbox; queued: QueuedWebhook } | null> {
  // A webhook recipient without a secret cannot sign: it gets nothing rather than unsigned data.
  if (!input.recipient.webhookSecretEnc) return null;
  // Larger text or HTML is not posted (the HTML is dropped, the text cut), as the web UI stores it.
  const { text, html, attachments } = resolvedSummary(input.summary, input.resolve);
  const payload: WebhookPayload = {
    reverseAlias: input.reverseAlias,
    conversationId: input.conversationId,
    displayName: scrubDisplayName(input.fromName),
    subject: input.subject,
    text,
    html,
    attachments,
    messageId: input.relayMessageId,
    receivedAt: new Date().toISOString(),
  };
  const body = JSON.stringify(payload);
  const id = randomToken();
  const row: NewOutbox = {
    id,
    idempotencyKey: input.idempotencyKey,
    kind: "webhook",
    via: "webhook",
    publicAddressId: input.publicAddressId,
    recipientId: input.recipient.id,
    messageId: input.messageId,
    envelopeFrom: input.envelopeFrom,
    envelopeToEnc: await ctx.ring.seal(input.url),
    rawEnc: await sealRaw(ctx.ring, new TextEncoder().encode(body)),
  };
  return { row, queued: { id, url: input.url, secret: await ctx.ring.open(input.recipient.webhookSecretEnc), body } };
}

/** First attempt, in waitUntil; failures become states the cron retries. */
export function sendWebhooks(ctx: RelayContext, hooks: QueuedWebhook[]): Promise<void> {
  return settleQueued(ctx.db, hooks, (hook) => postWebhook(hook.url, hook.secret, hook.id, hook.body), "endpoint");
}
