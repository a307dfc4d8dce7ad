/**
 * The inbound pipeline, top to bottom:
 *   1. refuse what is cheap to refuse: too large, no usable recipient, a forged alias, a loop;
 *   2. read and parse the message once, within the size limit;
 *   3. relay it: a public address forwards to its recipients, a reverse alias sends the bound
 *      recipient's reply to the contact.
 * A refusal is an SMTP rejection with a reason. A failure to record or queue throws, so the
 * sending server keeps the message and retries (nothing is accepted and then lost).
 */
import { createDb } from "../../db/client";
import { keyringFor, logUnreadable } from "../crypto/sealed";
import { isGenuineAlias } from "../crypto/tokens";
import { getConfig, type Env } from "../env";
import { relayMailer } from "../mail/choose-mailer";
import { cleanAddrSpec, normalizeAddress } from "../mime/address";
import { readAll } from "../mime/bytes";
import { parseMessage } from "../mime/message";
import { MimeLimitError } from "../mime/mime-tree";
import { withoutSubaddress } from "../mime/addresses-in-text";
import { failedLookup, reject, type InboundMail, type RelayContext, type Verdict } from "./context";
import { forwardToRecipients } from "./forward";
import { relayReply } from "./reply";
import { allowed } from "../rate-limit";

export async function handleEmail(message: ForwardableEmailMessage, env: Env, ctx: ExecutionContext): Promise<Verdict> {
  const config = getConfig(env);
  const db = createDb(env.DB);
  const ring = await keyringFor(config);
  const relay: RelayContext = {
    db,
    ring,
    config,
    mailer: relayMailer(config, env, db, ring),
    waitUntil: (p) => ctx.waitUntil(p),
    limits: { alias: env.RL_ALIAS },
  };
  const verdict = await relayMessage(relay, message).catch((error) => {
    // An old key removed too early: say so in the log, then fail the delivery so the sending
    // server keeps the message and retries (the key can be put back in DATA_KEYS_OLD).
    logUnreadable("email", error);
    throw error;
  });
  if (verdict.kind === "rejected") {
    message.setReject(verdict.reason);
    // Log the reason only: never an address (issue 9, logs).
    console.log(JSON.stringify({ event: "rejected", reason: verdict.reason }));
  }
  return verdict;
}

async function relayMessage(relay: RelayContext, message: ForwardableEmailMessage): Promise<Verdict> {
  // 1. Cheap refusals, before reading a byte of the body.
  if (message.rawSize > relay.config.maxMessageBytes) {
    return { kind: "rejected", reason: `552 5.3.4 Message too large: the limit is ${relay.config.maxMessageBytes} bytes` };
  }
  const rcpt = cleanAddrSpec(message.to ?? "");
  if (!rcpt) return { kind: "rejected", reason: "550 5.1.3 Bad recipient address" };
  const rcptNormal = normalizeAddress(rcpt);
  const envelopeFrom = message.from && message.from !== "<>" ? normalizeAddress(message.from) : "";
  if (envelopeFrom && (await isGenuineAlias(relay.ring, envelopeFrom.split("@")[0]))) {
    return { kind: "rejected", reason: "554 5.4.6 Mail from the relay's own reverse aliases is not accepted (loop)" };
  }
  const localPart = rcptNormal.split("@")[0];
  const looksLikeAlias = /^r-/.test(localPart);
  if (looksLikeAlias && !(await isGenuineAlias(relay.ring, localPart))) {
    // A guessed alias fails its keyed tag: refused without touching the database.
    return limitFailedLookups(relay, envelopeFrom, failedLookup("550 5.1.1 No such address here"));
  }

  // 2. Read and parse once.
  const raw = await readAll(message.raw, relay.config.maxMessageBytes);
  try {
    const parsed = parseMessage(raw);
    const verdict = await relayParsed(relay, { envelopeFrom, rcpt: rcptNormal, message: parsed }, looksLikeAlias, localPart, rcptNormal);
    return limitFailedLookups(relay, envelopeFrom, verdict);
  } catch (error) {
    if (error instanceof MimeLimitError) return { kind: "rejected", reason: "554 5.6.0 Message structure too deep or too fragmented to anonymize safely" };
    throw error;
  }
}

/**
 * Failed alias lookups are limited per sending domain: past the limit they answer a temporary
 * refusal, so probing which aliases exist (or are still bound) learns nothing. Only failures
 * count — a busy domain's genuine replies never meet the limit, whatever one of its users does.
 */
async function limitFailedLookups(relay: RelayContext, envelopeFrom: string, verdict: Verdict): Promise<Verdict> {
  if (verdict.kind !== "rejected" || !verdict.failedLookup) return verdict;
  const domain = (envelopeFrom.split("@")[1] ?? "null").toLowerCase();
  if (await allowed(relay.limits?.alias, `alias:${domain}`)) return verdict;
  return reject("450 4.7.1 Too many failed deliveries to reverse aliases from your domain; try again later");
}

// 3. Relay.
async function relayParsed(relay: RelayContext, mail: InboundMail, looksLikeAlias: boolean, localPart: string, rcptNormal: string): Promise<Verdict> {
  if (looksLikeAlias) return relayReply(relay, mail, localPart);
  return forwardToRecipients(relay, mail, withoutSubaddress(rcptNormal));
}
