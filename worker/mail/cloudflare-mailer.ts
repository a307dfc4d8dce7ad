import { EmailMessage } from "cloudflare:email";
import type { Mailer } from "./mailer";

/**
 * Cloudflare's send_email binding with a raw EmailMessage: the MIME we built goes out as is,
 * so threading headers and attachments are untouched.
 */
export function cloudflareMailer(binding: SendEmail): Mailer {
  return {
    name: "cloudflare",
    async send({ from, to, raw }) {
      try {
        await binding.send(new EmailMessage(from, to, new ReadableStream({ start(c) { c.enqueue(raw); c.close(); } })));
        return { ok: true };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // The binding throws for destinations that are not verified and for malformed mail:
        // those will not succeed on retry.
        const permanent = /not verified|destination|invalid|malformed/i.test(message);
        return { ok: false, permanent, error: message.slice(0, 200) };
      }
    },
  };
}
