/** Drives the real worker: inject mail through email(), call the API through fetch(). */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../worker/index";
import { fakeEmail } from "./fake-email";

export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

export interface OutboxItem {
  id: string;
  kind: string;
  state: string;
  envelopeFrom: string;
  envelopeTo: string;
  raw: string;
  rawBase64: string;
  createdAt: number;
}

export function rawBytes(item: OutboxItem): Uint8Array {
  return Uint8Array.from(atob(item.rawBase64), (c) => c.charCodeAt(0));
}

/** The binary-string view of an outbox item (one char per byte). */
export function rawBinary(item: OutboxItem): string {
  return atob(item.rawBase64);
}

/** A Response whose JSON tests read as they like. */
export interface JsonResponse extends Response {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): Promise<any>;
}

export async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN): Promise<JsonResponse> {
  const ctx = createExecutionContext();
  const init: RequestInit = { method, headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await worker.fetch(new Request(`http://relay.test${path}`, init) as never, env, ctx);
  await waitOnExecutionContext(ctx);
  return response as unknown as JsonResponse;
}

export async function outbox(): Promise<OutboxItem[]> {
  const res = await api("GET", "/api/outbox?limit=500");
  if (res.status !== 200) throw new Error(`outbox: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Injects one message as the MTA would (envelope from/to, raw bytes) and returns the SMTP
 * verdict and the outbox items it produced.
 */
export async function inject(input: { from: string; to: string; raw: Uint8Array | string }): Promise<{ rejected: string | null; sent: OutboxItem[] }> {
  const before = new Set((await outbox()).map((o) => o.id));
  const message = fakeEmail(input);
  const ctx = createExecutionContext();
  await worker.email(message, env, ctx);
  await waitOnExecutionContext(ctx);
  const sent = (await outbox()).filter((o) => !before.has(o.id)).reverse();
  return { rejected: message.rejectedWith, sent };
}

/** What Cloudflare's MX adds on top of mail it received from an authenticated sender. */
export function authenticated(raw: string, sender: string): string {
  return `Authentication-Results: mx.cloudflare.net; dkim=pass header.d=${sender.split("@")[1]}; spf=pass smtp.mailfrom=${sender}\r\n${raw}`;
}

/** Headers of a raw message, unfolded, as [lowercased name, value] pairs. */
export function headersOf(raw: string): [string, string][] {
  const block = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n(?=[ \t])/g, "");
  return block.split(/\r?\n/).map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
  });
}

export function header(raw: string, name: string): string | undefined {
  return headersOf(raw).find(([k]) => k === name.toLowerCase())?.[1];
}
