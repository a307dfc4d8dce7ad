/**
 * The one way the web UI talks to the worker: same-origin JSON with the session cookie, the
 * CSRF header on every call, and one error type carrying the API's {error:{code,message}}.
 */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Conversation {
  id: string;
  contactName: string;
  alias: string;
  publicAddress: string;
  publicName: string;
  subject: string;
  lastAt: number;
  unread: number;
  messageCount: number;
}

export interface ThreadMessage {
  id: string;
  direction: "inbound" | "outbound";
  subject: string;
  createdAt: number;
  unread: boolean;
  fromName: string;
  text: string;
  html: string;
  attachments: { filename: string | null; mimeType: string; size: number }[];
  /** Delivery of this copy: queued, sent, failed-temporary (retrying) or failed-permanent. */
  state: string;
  attempts: number;
  /** "503 the provider failed temporarily": status codes, then a fixed phrase. */
  lastError: string | null;
}

export interface Thread {
  id: string;
  contactName: string;
  alias: string;
  publicAddress: string;
  publicName: string;
  messages: ThreadMessage[];
}

export interface Me {
  email: string;
  role: string;
  addresses: { address: string; displayName: string }[];
}

/** A web form and its ready-to-paste embed snippets (GET /api/forms). */
export interface FormEmbed {
  id: string;
  name: string;
  publicAddress: string;
  publicName: string;
  allowedOrigins: string[];
  confirmSubmitter: boolean;
  turnstile: boolean;
  postUrl: string;
  html: string;
  fetch: string;
}

export interface OutgoingAttachment {
  filename: string;
  contentType: string;
  contentBase64: string;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "x-kakuremino": "1", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiFailure(res.status, data?.error?.code ?? "http_error", data?.error?.message ?? `HTTP ${res.status}`);
  return data as T;
}

/** POST with upload progress (fetch cannot report it; XMLHttpRequest can). */
function upload<T>(path: string, body: unknown, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("content-type", "application/json");
    xhr.setRequestHeader("x-kakuremino", "1");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const data = JSON.parse(xhr.responseText || "null");
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else reject(new ApiFailure(xhr.status, data?.error?.code ?? "http_error", data?.error?.message ?? `HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new ApiFailure(0, "network", "Network error"));
    xhr.send(JSON.stringify(body));
  });
}

export const api = {
  me: () => request<Me>("GET", "/api/session/me"),
  requestLink: (email: string) => request<{ ok: boolean }>("POST", "/api/session/request", { email }),
  signOut: () => request<void>("POST", "/api/session/sign-out"),
  conversations: (q: string, offset: number, address = "") =>
    request<{ total: number; offset: number; items: Conversation[] }>("GET", `/api/conversations?q=${encodeURIComponent(q)}&address=${encodeURIComponent(address)}&offset=${offset}&limit=50`),
  thread: (id: string) => request<Thread>("GET", `/api/conversations/${encodeURIComponent(id)}`),
  forms: () => request<FormEmbed[]>("GET", "/api/forms"),
  send: (id: string, body: { subject?: string; text: string; html?: string; attachments: OutgoingAttachment[] }, onProgress: (f: number) => void) =>
    upload<{ id: string; state: string }>(`/api/conversations/${encodeURIComponent(id)}/messages`, body, onProgress),
};

export type Api = typeof api;
