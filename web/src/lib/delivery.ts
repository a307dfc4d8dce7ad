import type { Messages } from "../i18n/en";
import type { ThreadMessage } from "./api";

/**
 * What the thread shows of an outbound message's delivery besides its state: attempts so far and
 * the last failure — its status codes and its fixed phrase in the UI's language
 * ("550 5.1.1 the provider refused the message"). Empty once it is sent.
 */
export function deliveryDetail(message: Pick<ThreadMessage, "state" | "attempts" | "lastError">, t: Messages): string {
  if (message.state === "sent" || message.attempts < 1) return "";
  if (!message.lastError) return t.attempts(message.attempts);
  const [, codes, phrase] = message.lastError.match(/^([\d.]+(?: [\d.]+)?) (.*)$/) ?? ["", "", message.lastError];
  return `${t.attempts(message.attempts)} · ${[codes, t.deliveryErrors[phrase] ?? phrase].filter(Boolean).join(" ")}`;
}
