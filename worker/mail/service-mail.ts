/**
 * Mail the relay writes itself (confirmations, sign-in links, notices) goes the same durable
 * way as relayed mail: recorded in the outbox, then sent after the response.
 */
import type { Db } from "../../db/client";
import { recordAndQueue, type NewOutbox } from "../../db/queries/relay";
import type { Keyring } from "../crypto/sealed";
import { randomToken } from "../crypto/tokens";
import { sealRaw, sendQueued } from "./deliver";
import type { Mailer } from "./mailer";

export interface ServiceMail {
  kind: NewOutbox["kind"];
  from: string;
  to: string;
  raw: Uint8Array;
  publicAddressId?: string;
  recipientId?: string;
  userId?: string;
}

export async function queueServiceMail(deps: { db: Db; ring: Keyring; mailer: Mailer }, waitUntil: (p: Promise<unknown>) => void, mail: ServiceMail): Promise<void> {
  const id = randomToken();
  await recordAndQueue(deps.db, {
    outbox: [{ id, idempotencyKey: `${mail.kind}:${id}`, kind: mail.kind, publicAddressId: mail.publicAddressId ?? null, recipientId: mail.recipientId ?? null, userId: mail.userId ?? null, envelopeFrom: mail.from, envelopeToEnc: await deps.ring.seal(mail.to), rawEnc: await sealRaw(deps.ring, mail.raw) }],
  });
  waitUntil(sendQueued(deps.db, deps.mailer, [{ id, from: mail.from, to: mail.to, raw: mail.raw }]));
}
