/** What every pipeline step gets: storage, keys, configuration, the mailer and the request's context. */
import type { Db } from "../../db/client";
import type { Config } from "../env";
import type { Keyring } from "../crypto/sealed";
import type { Mailer } from "../mail/mailer";
import type { ParsedMessage } from "../mime/message";

export interface RelayContext {
  db: Db;
  ring: Keyring;
  config: Config;
  mailer: Mailer;
  waitUntil(promise: Promise<unknown>): void;
  /** Rate limiters, where configured. */
  limits?: { alias?: RateLimit };
}

export interface InboundMail {
  /** Envelope MAIL FROM, "" for a null reverse-path. */
  envelopeFrom: string;
  /** Envelope RCPT TO, lowercased. */
  rcpt: string;
  message: ParsedMessage;
}

/** The outcome: relayed (with the message log rows written), or an SMTP rejection reason. */
export type Verdict =
  | { kind: "relayed"; copies: number; messageIds: string[] }
  | {
      kind: "rejected";
      reason: string;
      /** A reverse alias that did not resolve for this sender (forged, unknown, deleted, not the bound recipient's, or the bound recipient's address unauthenticated): what the per-domain limit counts. */
      failedLookup?: true;
    };

export function reject(reason: string): Verdict {
  return { kind: "rejected", reason };
}

export function failedLookup(reason: string): Verdict {
  return { kind: "rejected", reason, failedLookup: true };
}
