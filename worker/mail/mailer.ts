/**
 * One interface for every way mail leaves the relay. Adapters only transmit; queueing,
 * retries and states live in the outbox (deliver.ts).
 */

export interface OutboundEnvelope {
  from: string;
  to: string;
  /** Complete RFC 5322 message, CRLF line ends. */
  raw: Uint8Array;
}

export type SendResult = { ok: true } | { ok: false; permanent: boolean; error: string };

export interface Mailer {
  readonly name: string;
  send(message: OutboundEnvelope): Promise<SendResult>;
  /**
   * The mailer for an outbox row that names another one (`outbox.via`, set from a public
   * address's own sender). Only the relay's configured mailer (choose-mailer.ts) has it; an
   * adapter sends everything itself.
   */
  via?(name: string, publicAddressId: string | null): Promise<Mailer>;
  /** With a delivery queue bound (OUTBOX_QUEUE): hands outbox rows to it instead of sending now. */
  enqueue?(outboxIds: string[]): Promise<void>;
}
