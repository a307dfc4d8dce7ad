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
}
