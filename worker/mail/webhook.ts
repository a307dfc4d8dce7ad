/**
 * Webhook recipients: instead of a mailbox, an HTTPS endpoint receives each inbound message as
 * signed JSON. Delivery shares the outbox with mail (kind "webhook", the JSON body sealed like
 * raw MIME), so a webhook is queued durably, sent in waitUntil and retried by the cron until
 * the endpoint answers 2xx — or refuses it for good.
 *
 * Signature: X-Kakuremino-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>, with
 * the Unix timestamp (seconds) in X-Kakuremino-Timestamp. Signing the timestamp with the body
 * lets a receiver refuse replays older than a few minutes (the Stripe/Slack scheme).
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { outbox, recipients } from "../../db/schema";
import type { Keyring } from "../crypto/sealed";
import { randomToken } from "../crypto/tokens";
import type { SendResult } from "./mailer";

export const SIGNATURE_HEADER = "X-Kakuremino-Signature";
export const TIMESTAMP_HEADER = "X-Kakuremino-Timestamp";
export const DELIVERY_HEADER = "X-Kakuremino-Delivery";
/** An endpoint that has not answered in this long is retried later (the worker must not hang). */
const TIMEOUT_MS = 15_000;

/** What the endpoint receives: the message as the recipient's copy shows it, contacts behind their alias. */
export interface WebhookPayload {
  /** The contact's reverse alias (null for a bounce, which has no contact). Answer via the API. */
  reverseAlias: string | null;
  /** The API's conversation id for this reverse alias: POST /api/conversations/:id/messages answers it. */
  conversationId: string | null;
  displayName: string;
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string | null; mimeType: string; size: number }[];
  /** The relay's Message-ID of this copy (never the contact's own). */
  messageId: string;
  receivedAt: string;
}

/** A new signing secret: 160 random bits, shown to the operator once, stored sealed. */
export function newWebhookSecret(): string {
  return `whsec_${randomToken(20)}`;
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** v1 signature of one delivery attempt. */
export async function signWebhook(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `v1=${hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${body}`)))}`;
}

/**
 * One POST. 2xx is acknowledged; 408, 429, 5xx and network errors are temporary (retried with
 * backoff); any other answer — other 4xx, and 3xx, since redirects are never followed (a
 * redirect could point inside a private network) — is permanent.
 */
export async function postWebhook(url: string, secret: string, deliveryId: string, body: string, now = Date.now()): Promise<SendResult> {
  const timestamp = String(Math.floor(now / 1000));
  try {
    const res = await fetch(url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "Kakuremino-Webhook/1",
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: await signWebhook(secret, timestamp, body),
        // Retries carry the same id: a receiver that saw it already can acknowledge and skip it.
        [DELIVERY_HEADER]: deliveryId,
      },
      body,
    });
    // The answer's body is not needed; cancel it so the connection is released.
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { ok: true };
    const temporary = res.status === 408 || res.status === 429 || res.status >= 500;
    return { ok: false, permanent: !temporary, error: `HTTP ${res.status}` };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { ok: false, permanent: false, error: timedOut ? "timed out" : "endpoint unreachable" };
  }
}

/** An outbox row of kind "webhook", as the cron reads it. */
export type WebhookRow = Pick<typeof outbox.$inferSelect, "id" | "recipientId" | "envelopeToEnc" | "rawEnc">;

/**
 * Sends a stored webhook row: the URL from the row, the secret from its recipient (read at send
 * time, so a rotated secret signs every later retry).
 */
export async function sendWebhookRow(db: Db, ring: Keyring, row: WebhookRow, openBody: (sealed: string) => Promise<Uint8Array>): Promise<SendResult> {
  const [recipient] = row.recipientId ? await db.select({ secretEnc: recipients.webhookSecretEnc }).from(recipients).where(eq(recipients.id, row.recipientId)) : [];
  if (!recipient?.secretEnc) return { ok: false, permanent: true, error: "webhook recipient has no secret" };
  const body = new TextDecoder().decode(await openBody(row.rawEnc));
  return postWebhook(await ring.open(row.envelopeToEnc), await ring.open(recipient.secretEnc), row.id, body);
}
