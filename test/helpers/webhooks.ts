/** Webhook recipients in tests: the Node receiver (test/webhook-server.ts) behind an https URL. */
import { inject as provided } from "vitest";
import { vi } from "vitest";
import { api } from "./relay";

export const HOOK_HOST = "https://hooks.example.com";

export interface Delivery {
  method: string;
  headers: Record<string, string>;
  body: string;
  signatureValid: boolean;
  status: number;
}

/**
 * The relay fetches https://hooks.example.com/hook/<name>; without DNS and TLS here, that one
 * host is sent on, request unchanged, to the local receiver. Everything else fetches as before.
 */
export function routeHooksToReceiver(): void {
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(`${HOOK_HOST}/`)) return realFetch(input, init);
    return realFetch(`${provided("webhookServer")}${url.slice(HOOK_HOST.length)}`, init);
  });
}

/** Adds a webhook recipient through the API; returns its id and the secret shown once. */
export async function addWebhook(addressId: string, name: string): Promise<{ id: string; url: string; secret: string }> {
  const res = await api("POST", `/api/addresses/${addressId}/recipients`, { kind: "webhook", url: `${HOOK_HOST}/hook/${name}` });
  if (res.status !== 201) throw new Error(`webhook: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Registers what the receiver answers (then 200) and the secret it verifies with. */
export async function scriptReceiver(name: string, secret: string, statuses: number[] = []): Promise<void> {
  const res = await fetch(`${provided("webhookServer")}/_hook/${name}`, { method: "PUT", body: JSON.stringify({ secret, statuses }) });
  if (res.status !== 204) throw new Error(`receiver: ${res.status}`);
}

export async function deliveries(name: string): Promise<Delivery[]> {
  return (await fetch(`${provided("webhookServer")}/_hook/${name}`)).json();
}
