/**
 * Which URLs may receive webhooks (SSRF). The relay POSTs message content to whatever URL an
 * operator gives it, so it must not be a way to reach the relay's own host or anything on a
 * private network: only https, no credentials in the URL, no local names, no IP literal in a
 * private, loopback, link-local, shared, documentation or multicast range. Redirects are never
 * followed at send time (mail/webhook.ts), so a public URL cannot bounce the POST inward.
 * The host rule itself is shared with the SMTP sender (public-host.ts).
 */
import { hostRefusal } from "./public-host";

/** Why a webhook URL is refused, or null when it is acceptable. The returned href is normalised. */
export function checkWebhookUrl(input: string): { ok: true; url: string } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { ok: false, reason: "url is not a valid URL" };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "url must use https" };
  if (url.username || url.password) return { ok: false, reason: "url must not contain credentials" };
  // WHATWG URL parsing already turned decimal, octal and hex IPv4 spellings into dotted quads.
  const refusal = hostRefusal(url.hostname);
  if (refusal) return { ok: false, reason: `url ${refusal}` };
  return { ok: true, url: withoutFragment(url) };
}

function withoutFragment(url: URL): string {
  url.hash = "";
  return url.href;
}
