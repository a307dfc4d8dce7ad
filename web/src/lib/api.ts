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

export type Role = "owner" | "admin" | "member";

export interface Me {
  email: string;
  role: Role;
  accountId?: string;
  accountName?: string;
  addresses: { address: string; displayName: string }[];
  /** The signed-in person's own recipient rows (one per public address they receive). */
  recipients?: { id: string; address: string; displayName: string }[];
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

export interface Plan {
  id: string;
  name: string;
  maxAddresses: number | null;
  maxRecipients: number | null;
  maxDomains: number | null;
  monthlyMessages: number | null;
}

export interface Account {
  id: string;
  name: string;
  plan: Plan;
  usage: { addresses: number; recipients: number; domains: number; messages: number; month: string };
}

export interface User {
  id: string;
  email: string;
  role: Role;
  createdAt: number | string;
}

export interface DnsRecord {
  type: string;
  name: string;
  value: string;
}

export interface Domain {
  id: string;
  name: string;
  verified: boolean;
  verifiedAt: number | string | null;
  lastCheckedAt: number | string | null;
  records: DnsRecord[];
}

export interface PublicAddress {
  id: string;
  address: string;
  displayName: string;
  status: "active" | "disabled";
  retentionDays: number;
  noticeBanner: string | null;
  aliasIdleDays: number | null;
  recipientCount: number;
  createdAt: number | string;
}

export type AddressPatch = Partial<Pick<PublicAddress, "displayName" | "status" | "retentionDays" | "noticeBanner" | "aliasIdleDays">>;

export interface Recipient {
  id: string;
  /** A mailbox's address, or a webhook's URL. */
  email: string;
  kind: "mailbox" | "webhook";
  verified: boolean;
  createdAt: number | string;
}

/** The answer to creating a form (its snippets come with GET /api/forms). */
export interface WebForm {
  id: string;
  name: string;
  postUrl: string;
  allowedOrigins: string[];
  thankYouUrl?: string;
  confirmSubmitter: boolean;
}

export type NewForm = { name: string; allowedOrigins: string[]; thankYouUrl?: string; confirmSubmitter: boolean };

export interface SenderRule {
  id: string;
  kind: "allow" | "block";
  pattern: string;
  createdAt?: number | string;
}

/** A webhook recipient as created: its signing secret appears in this answer only. */
export interface NewWebhook {
  id: string;
  kind: "webhook";
  url: string;
  verified: boolean;
  secret: string;
}

/** A system's API key as created: the key appears in this answer only. */
export interface NewApiKey {
  id: string;
  key: string;
  label: string;
}

/** A key as listed: never the key itself (the server keeps only its hash). */
export interface ApiKey {
  id: string;
  label: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  username: string;
}

/** Which sender an address's replies go through; `mailer: null` = the relay's default. Never the password. */
export interface Sender {
  mailer: string | null;
  defaultMailer: string;
  smtp: SmtpSettings | null;
  /** The providers this relay is configured for (the local sink excluded): what an address may choose. */
  providers: string[];
}

export type SenderChoice = { mailer: "smtp"; smtp: { host: string; port: number; secure?: boolean; username: string; password: string } } | { mailer: string };

export interface AuditEntry {
  id: string;
  actor: string;
  actorEmail?: string | null;
  action: string;
  target: string;
  ip: string;
  createdAt: number | string;
}

const enc = encodeURIComponent;
const addressPath = (id: string) => `/api/addresses/${enc(id)}`;

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
  removeMe: (rid: string) => request<void>("DELETE", `/api/session/me/recipients/${enc(rid)}`),

  account: () => request<Account>("GET", "/api/account"),
  renameAccount: (name: string) => request<Account>("PATCH", "/api/account", { name }),
  deleteAccount: (confirm: string) => request<void>("DELETE", "/api/account", { confirm }),

  users: () => request<User[]>("GET", "/api/users"),
  inviteUser: (email: string, role: Role) => request<User>("POST", "/api/users", { email, role }),
  changeRole: (id: string, role: Role) => request<User>("PATCH", `/api/users/${enc(id)}`, { role }),
  removeUser: (id: string) => request<void>("DELETE", `/api/users/${enc(id)}`),

  domains: () => request<{ serviceDomains: string[]; domains: Domain[] }>("GET", "/api/domains"),
  addDomain: (name: string) => request<Domain>("POST", "/api/domains", { name }),
  verifyDomain: (id: string) => request<Domain>("POST", `/api/domains/${enc(id)}/verify`),
  deleteDomain: (id: string) => request<void>("DELETE", `/api/domains/${enc(id)}`),

  addresses: () => request<PublicAddress[]>("GET", "/api/addresses"),
  createAddress: (address: string, displayName: string) => request<PublicAddress>("POST", "/api/addresses", { address, displayName }),
  updateAddress: (id: string, patch: AddressPatch) => request<PublicAddress>("PATCH", addressPath(id), patch),
  deleteAddress: (id: string) => request<void>("DELETE", addressPath(id)),

  recipients: (id: string) => request<Recipient[]>("GET", `${addressPath(id)}/recipients`),
  inviteRecipient: (id: string, email: string) => request<Recipient>("POST", `${addressPath(id)}/recipients`, { email }),
  rotateRecipients: (id: string, emails: string[]) => request<{ added: number; removed: number; kept: number }>("PUT", `${addressPath(id)}/recipients`, { emails }),
  removeRecipient: (id: string, rid: string) => request<void>("DELETE", `${addressPath(id)}/recipients/${enc(rid)}`),
  resendInvitation: (id: string, rid: string) => request<void>("POST", `${addressPath(id)}/recipients/${enc(rid)}/resend`),
  addWebhook: (id: string, url: string) => request<NewWebhook>("POST", `${addressPath(id)}/recipients`, { kind: "webhook", url }),
  rotateWebhookSecret: (id: string, rid: string) => request<{ id: string; secret: string }>("POST", `${addressPath(id)}/recipients/${enc(rid)}/webhook-secret`),
  createKey: (id: string, rid: string, label: string) => request<NewApiKey>("POST", `${addressPath(id)}/recipients/${enc(rid)}/keys`, { label }),
  keys: (id: string, rid: string) => request<ApiKey[]>("GET", `${addressPath(id)}/recipients/${enc(rid)}/keys`),
  revokeKey: (id: string, rid: string, keyId: string) => request<void>("DELETE", `${addressPath(id)}/recipients/${enc(rid)}/keys/${enc(keyId)}`),

  deleteForm: (id: string, formId: string) => request<void>("DELETE", `${addressPath(id)}/forms/${enc(formId)}`),
  createForm: (id: string, form: NewForm) => request<WebForm>("POST", `${addressPath(id)}/forms`, form),

  sender: (id: string) => request<Sender>("GET", `${addressPath(id)}/sender`),
  setSender: (id: string, choice: SenderChoice) => request<Sender>("PUT", `${addressPath(id)}/sender`, choice),
  resetSender: (id: string) => request<Sender>("DELETE", `${addressPath(id)}/sender`),

  senderRules: (id: string) => request<SenderRule[]>("GET", `${addressPath(id)}/sender-rules`),
  addSenderRule: (id: string, kind: SenderRule["kind"], pattern: string) => request<SenderRule>("POST", `${addressPath(id)}/sender-rules`, { kind, pattern }),
  deleteSenderRule: (id: string, ruleId: string) => request<void>("DELETE", `${addressPath(id)}/sender-rules/${enc(ruleId)}`),

  audit: () => request<AuditEntry[]>("GET", "/api/audit"),
};

/** Where the audit log downloads as CSV (a plain link: the browser sends the cookie). */
export const AUDIT_CSV_URL = "/api/audit.csv";

export type Api = typeof api;
