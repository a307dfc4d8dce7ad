/**
 * Cloudflare Email Service over its REST API (MAILER = "cloudflare-api"), for a relay that
 * sends without the send_email binding. It uses the documented raw-MIME variant,
 * `POST /accounts/{account_id}/email/sending/send_raw` with JSON `{from, recipients,
 * mime_message}` and a Bearer API token, so the relay's message goes out as built (the JSON
 * `/send` variant would lose the MIME structure like the other JSON providers).
 * The answer is Cloudflare's envelope `{success, errors, result: {delivered, permanent_bounces,
 * queued}}`: a recipient listed in `permanent_bounces` is a permanent failure even on HTTP 200.
 */
import type { Mailer, OutboundEnvelope, SendResult } from "./mailer";
import { NOT_TEXT, rawAsText } from "./raw-as-text";

export interface CloudflareApiOptions {
  accountId: string;
  apiToken: string;
  baseUrl?: string;
  timeoutMs?: number;
}

interface Envelope {
  success?: boolean;
  errors?: { code?: number }[];
  result?: { delivered?: string[]; permanent_bounces?: string[]; queued?: string[] };
}

export function cloudflareApiMailer(options: CloudflareApiOptions): Mailer {
  const base = options.baseUrl ?? "https://api.cloudflare.com/client/v4";
  const url = `${base}/accounts/${encodeURIComponent(options.accountId)}/email/sending/send_raw`;
  return {
    name: "cloudflare-api",
    async send({ from, to, raw }: OutboundEnvelope): Promise<SendResult> {
      const mime = rawAsText(raw);
      if (mime === null) return { ok: false, permanent: true, error: NOT_TEXT };
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${options.apiToken}`, "content-type": "application/json" },
          body: JSON.stringify({ from, recipients: [to], mime_message: mime }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        return { ok: false, permanent: false, error: error instanceof Error && error.name === "TimeoutError" ? "provider timed out" : "provider unreachable" };
      }
      const body = (await res.json().catch(() => ({}))) as Envelope;
      // Only Cloudflare's numeric error codes are kept: its messages may quote the address.
      const codes = (body.errors ?? []).map((e) => e.code).filter((c) => typeof c === "number").join(",");
      if (!res.ok) return { ok: false, permanent: res.status >= 400 && res.status < 500 && res.status !== 429, error: `HTTP ${res.status} ${codes}`.trim() };
      if (body.success === false) return { ok: false, permanent: true, error: `HTTP ${res.status} success=false ${codes}`.trim() };
      if (body.result?.permanent_bounces?.some((a) => a.toLowerCase() === to.toLowerCase())) return { ok: false, permanent: true, error: "550 permanent bounce" };
      return { ok: true };
    },
  };
}
