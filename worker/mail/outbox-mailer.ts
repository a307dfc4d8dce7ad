import type { Mailer } from "./mailer";

/**
 * The local default: nothing leaves the machine. Every message is already stored in the
 * outbox table before a mailer is asked to send it, so "sending" only marks it done; the
 * stored copy is what `GET /api/outbox` shows.
 */
export const outboxMailer: Mailer = {
  name: "outbox",
  async send() {
    return { ok: true };
  },
};
