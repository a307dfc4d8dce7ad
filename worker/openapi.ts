/**
 * The OpenAPI 3.1 document served at GET /api/openapi.json (issue #5). Request bodies are the
 * very zod schemas the routes validate with, converted by zod 4's z.toJSONSchema, so the
 * document cannot drift from what the API accepts. A new route is one line in OPERATIONS;
 * test/worker/routes/openapi.test.ts lists any route of the app that has none.
 */
import { z } from "zod";
import { createSchema as createAddressSchema, patchSchema as patchAddressSchema } from "./routes/addresses";
import { sendSchema } from "./routes/conversations";
import { createSchema as createFormSchema, submissionSchema } from "./routes/forms";
import { resealSchema } from "./routes/keys";
import { addSchema as addRecipientSchema, keySchema, rotateSchema } from "./routes/recipients";
import { signInRequestSchema } from "./routes/session";
import { createAccountSchema, deleteAccountSchema, renameAccountSchema, updateAccountSchema } from "./routes/accounts";
import { changeRoleSchema, inviteUserSchema } from "./routes/users";
import { createDomainSchema } from "./routes/domains";
import { putSenderSchema } from "./routes/sender";
import { createRuleSchema } from "./routes/sender-rules";
import { webhookSchema } from "./routes/webhook-recipients";

/**
 * cookie: the web UI's session (changes also need `X-Kakuremino: 1`); bearer: the operator's
 * ADMIN_TOKEN; apiKey: a system's `km_…` key; none: public.
 */
export type Auth = "cookie" | "bearer" | "apiKey" | "none";
/** The least role a signed-in caller needs (routes/identity.ts); the operator's token passes every check. */
export type Role = "member" | "admin" | "owner" | "operator";
type Method = "get" | "post" | "put" | "patch" | "delete";
type Response = string | { description: string; schema?: z.ZodType; contentType?: string };

export interface Operation {
  method: Method;
  /** Hono's spelling (`/api/addresses/:id`); turned into `{id}` here. */
  path: string;
  summary: string;
  tags: string[];
  /** Several entries = any one of them. */
  auth: Auth | Auth[];
  /** Written as `x-kakuremino-role` and in the description. */
  role?: Role;
  body?: z.ZodType;
  /** Set when the body may be left out (its defaults apply). */
  bodyOptional?: boolean;
  /** Also accepted as application/x-www-form-urlencoded (HTML forms). */
  formEncoded?: boolean;
  /** Query parameters, one property each. */
  query?: z.ZodObject;
  responses: Record<number, Response>;
}

// Query strings are read leniently by the routes (out-of-range numbers fall back to defaults);
// these describe what they honour.
const conversationQuery = z.object({
  q: z.string().optional().describe("Search in subjects and contact names"),
  address: z.string().optional().describe("Only conversations of this public address"),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(100).default(50),
});
const outboxQuery = z.object({ limit: z.number().int().min(1).max(500).default(100) });
const resealProgress = z.object({ keyId: z.string(), resealed: z.number().int(), unreadable: z.number().int(), remaining: z.number().int().describe("Rows not yet under the current key; 0 = done") });
const html = { description: "An HTML page (ja/en)", contentType: "text/html" };
/** Account staff: the operator's token or a signed-in user of high enough role. */
const STAFF: Auth[] = ["bearer", "cookie"];

/** Every documented route. Adding one: a line here. */
export const OPERATIONS: Operation[] = [
  { method: "get", path: "/api/openapi.json", summary: "This document", tags: ["meta"], auth: "none", responses: { 200: "The OpenAPI 3.1 document" } },
  { method: "get", path: "/api/plans", summary: "The plans and their limits (null = unlimited)", tags: ["account"], auth: STAFF, role: "member", responses: { 200: "The plans" } },
  { method: "get", path: "/api/account", summary: "The caller's account, its plan and usage", tags: ["account"], auth: STAFF, role: "admin", responses: { 200: "{id, name, plan, usage}" } },
  { method: "patch", path: "/api/account", summary: "Rename the account", tags: ["account"], auth: STAFF, role: "owner", body: renameAccountSchema, responses: { 200: "The account" } },
  { method: "delete", path: "/api/account", summary: "Delete the account and everything in it", tags: ["account"], auth: STAFF, role: "owner", body: deleteAccountSchema, responses: { 204: "Deleted", 400: "confirmation_mismatch", 409: "operator_account" } },
  { method: "get", path: "/api/accounts", summary: "Every account with its plan and usage", tags: ["operator"], auth: "bearer", role: "operator", responses: { 200: "The accounts" } },
  { method: "post", path: "/api/accounts", summary: "Create an account; its owner is mailed an invitation", tags: ["operator"], auth: "bearer", role: "operator", body: createAccountSchema, responses: { 201: "The account" } },
  { method: "patch", path: "/api/accounts/:accountId", summary: "Rename an account or change its plan", tags: ["operator"], auth: "bearer", role: "operator", body: updateAccountSchema, responses: { 200: "The account" } },
  { method: "delete", path: "/api/accounts/:accountId", summary: "Delete an account and everything in it", tags: ["operator"], auth: "bearer", role: "operator", responses: { 204: "Deleted", 409: "operator_account" } },
  { method: "get", path: "/api/users", summary: "The account's users and their roles", tags: ["users"], auth: STAFF, role: "admin", responses: { 200: "The users" } },
  { method: "post", path: "/api/users", summary: "Invite a user (mails a sign-in link)", tags: ["users"], auth: STAFF, role: "owner", body: inviteUserSchema, responses: { 201: "The user", 409: "user_exists" } },
  { method: "patch", path: "/api/users/:userId", summary: "Change a user's role", tags: ["users"], auth: STAFF, role: "owner", body: changeRoleSchema, responses: { 200: "The user", 409: "last_owner" } },
  { method: "delete", path: "/api/users/:userId", summary: "Remove a user", tags: ["users"], auth: STAFF, role: "owner", responses: { 204: "Removed", 409: "last_owner" } },
  { method: "get", path: "/api/domains", summary: "The service domains and the account's own domains with the records to set", tags: ["domains"], auth: STAFF, role: "admin", responses: { 200: "{serviceDomains, domains}" } },
  { method: "post", path: "/api/domains", summary: "Claim a customer domain", tags: ["domains"], auth: STAFF, role: "admin", body: createDomainSchema, responses: { 201: "The domain and its DNS records", 403: "quota_domains", 409: "domain_exists / domain_taken" } },
  { method: "post", path: "/api/domains/:domainId/verify", summary: "Check the TXT record over DNS-over-HTTPS", tags: ["domains"], auth: STAFF, role: "admin", responses: { 200: "The domain, verified", 422: "verification_failed", 503: "dns_unavailable" } },
  { method: "delete", path: "/api/domains/:domainId", summary: "Remove a domain no address uses", tags: ["domains"], auth: STAFF, role: "admin", responses: { 204: "Removed", 409: "domain_in_use" } },
  { method: "post", path: "/api/addresses", summary: "Create a public address", tags: ["addresses"], auth: STAFF, role: "admin", body: createAddressSchema, responses: { 201: "The address", 403: "quota_addresses / domain_not_verified", 409: "address_exists / reserved_address" } },
  { method: "get", path: "/api/addresses", summary: "List public addresses with recipient counts", tags: ["addresses"], auth: STAFF, role: "admin", responses: { 200: "The addresses" } },
  { method: "patch", path: "/api/addresses/:id", summary: "Rename, disable, change retention, banner or idle-alias purge", tags: ["addresses"], auth: STAFF, role: "admin", body: patchAddressSchema, responses: { 200: "The address" } },
  { method: "delete", path: "/api/addresses/:id", summary: "Delete an address with its contacts, aliases, messages and queued mail", tags: ["addresses"], auth: STAFF, role: "admin", responses: { 204: "Deleted" } },
  { method: "get", path: "/api/addresses/:id/sender", summary: "The address's sender (null = the default MAILER); never the password", tags: ["addresses"], auth: STAFF, role: "admin", responses: { 200: "{mailer, defaultMailer, smtp, providers}: providers = the ones this relay is configured for" } },
  { method: "put", path: "/api/addresses/:id/sender", summary: "Send this address's replies through another provider or its own SMTP server", tags: ["addresses"], auth: STAFF, role: "admin", body: putSenderSchema, responses: { 200: "The sender", 422: "sender_unavailable" } },
  { method: "delete", path: "/api/addresses/:id/sender", summary: "Back to the default sender", tags: ["addresses"], auth: STAFF, role: "admin", responses: { 200: "The sender, now the default" } },
  { method: "get", path: "/api/addresses/:id/sender-rules", summary: "Sender allow/block rules", tags: ["addresses"], auth: STAFF, role: "admin", responses: { 200: "The rules" } },
  { method: "post", path: "/api/addresses/:id/sender-rules", summary: "Add an allow or block rule (an address or @domain)", tags: ["addresses"], auth: STAFF, role: "admin", body: createRuleSchema, responses: { 201: "The rule", 409: "rule_exists" } },
  { method: "delete", path: "/api/addresses/:id/sender-rules/:ruleId", summary: "Remove a rule", tags: ["addresses"], auth: STAFF, role: "admin", responses: { 204: "Removed" } },
  { method: "post", path: "/api/addresses/:id/recipients", summary: "Add a recipient: a mailbox (mails a confirmation link) or a webhook (its secret shown once)", tags: ["recipients"], auth: STAFF, role: "admin", body: z.union([addRecipientSchema, webhookSchema]), responses: { 201: "The recipient", 403: "quota_recipients", 409: "recipient_exists" } },
  { method: "put", path: "/api/addresses/:id/recipients", summary: "Replace the set of recipients", tags: ["recipients"], auth: STAFF, role: "admin", body: rotateSchema, responses: { 200: "Counts added, removed, kept", 403: "quota_recipients" } },
  { method: "get", path: "/api/addresses/:id/recipients", summary: "List recipients and whether they are verified", tags: ["recipients"], auth: STAFF, role: "admin", responses: { 200: "The recipients" } },
  { method: "post", path: "/api/addresses/:id/recipients/:rid/resend", summary: "A fresh confirmation link (the old one stops working)", tags: ["recipients"], auth: STAFF, role: "admin", responses: { 202: "Sent", 409: "already_verified / not_a_mailbox" } },
  { method: "get", path: "/verify/:token", summary: "A recipient's confirmation page (a button; opening it confirms nothing)", tags: ["recipients"], auth: "none", responses: { 200: html, 404: "invalid_token: invalid or already used (a ja/en page unless Accept: application/json)" } },
  { method: "post", path: "/verify/:token", summary: "Confirm a recipient: mail to the public address is forwarded to it from now on", tags: ["recipients"], auth: "none", responses: { 200: "Confirmed: a ja/en page, or {verified: true} with Accept: application/json", 404: "invalid_token: invalid or already used (a ja/en page unless Accept: application/json)" } },
  { method: "post", path: "/api/addresses/:id/recipients/:rid/webhook-secret", summary: "A new signing secret for a webhook recipient (shown once)", tags: ["recipients"], auth: STAFF, role: "admin", responses: { 200: "{secret}" } },
  { method: "delete", path: "/api/addresses/:id/recipients/:rid", summary: "Remove a recipient and its conversations", tags: ["recipients"], auth: STAFF, role: "admin", responses: { 204: "Removed" } },
  { method: "post", path: "/api/addresses/:id/recipients/:rid/keys", summary: "Create a system API key for one recipient (shown once)", tags: ["recipients"], auth: STAFF, role: "admin", body: keySchema, bodyOptional: true, responses: { 201: "{id, key, label}" } },
  { method: "get", path: "/api/addresses/:id/recipients/:rid/keys", summary: "A recipient's API keys (never the key itself), revoked ones included", tags: ["recipients"], auth: STAFF, role: "admin", responses: { 200: "[{id, label, createdAt, revokedAt}]" } },
  { method: "delete", path: "/api/addresses/:id/recipients/:rid/keys/:keyId", summary: "Revoke an API key", tags: ["recipients"], auth: STAFF, role: "admin", responses: { 204: "Revoked" } },
  { method: "post", path: "/api/addresses/:id/forms", summary: "Create a web form", tags: ["forms"], auth: STAFF, role: "admin", body: createFormSchema, responses: { 201: "The form and its post URL" } },
  { method: "get", path: "/api/addresses/:id/forms", summary: "The address's web forms", tags: ["forms"], auth: STAFF, role: "admin", responses: { 200: "The forms" } },
  { method: "delete", path: "/api/addresses/:id/forms/:formId", summary: "Delete a web form (later posts get 404)", tags: ["forms"], auth: STAFF, role: "admin", responses: { 204: "Deleted" } },
  { method: "get", path: "/api/addresses/:id/forms/:formId/embed", summary: "A form's ready-to-paste HTML and fetch() snippets", tags: ["forms"], auth: STAFF, role: "member", responses: { 200: "The form with its snippets" } },
  { method: "get", path: "/api/forms", summary: "Every form the caller may see, with its snippets", tags: ["forms"], auth: STAFF, role: "member", responses: { 200: "The forms" } },
  { method: "get", path: "/api/outbox", summary: "The local sink, newest first (MAILER=outbox only)", tags: ["operator"], auth: "bearer", role: "operator", query: outboxQuery, responses: { 200: "Outbound messages" } },
  { method: "get", path: "/api/audit", summary: "Every admin action of the account", tags: ["account"], auth: STAFF, role: "admin", responses: { 200: "Audit entries" } },
  { method: "get", path: "/api/audit.csv", summary: "Every admin action of the account, as CSV", tags: ["account"], auth: STAFF, role: "admin", responses: { 200: { description: "CSV", contentType: "text/csv" } } },
  { method: "post", path: "/api/keys/reseal", summary: "Re-seal a chunk of stored values under the current DATA_KEY", tags: ["operator"], auth: "bearer", role: "operator", body: resealSchema, bodyOptional: true, responses: { 200: { description: "Progress", schema: resealProgress }, 409: "index_key_mismatch" } },
  { method: "post", path: "/api/session/request", summary: "Mail a sign-in link (same answer for every address)", tags: ["session"], auth: "none", body: signInRequestSchema, responses: { 202: "Accepted", 429: "rate_limited" } },
  { method: "post", path: "/api/session/sign-out", summary: "End the session", tags: ["session"], auth: "cookie", role: "member", responses: { 204: "Signed out" } },
  { method: "get", path: "/api/session/me", summary: "The signed-in user, its role, account and public addresses", tags: ["session"], auth: "cookie", role: "member", responses: { 200: "The user" } },
  { method: "delete", path: "/api/session/me/recipients/:rid", summary: "Remove oneself as a recipient (a member's last address in the account ends its membership and session)", tags: ["session"], auth: "cookie", role: "member", responses: { 204: "Removed" } },
  { method: "get", path: "/api/conversations", summary: "Own conversations (contacts by name and alias only)", tags: ["conversations"], auth: ["cookie", "apiKey"], query: conversationQuery, responses: { 200: "{total, offset, items}" } },
  { method: "get", path: "/api/conversations/:id", summary: "One conversation with its messages (marks them read)", tags: ["conversations"], auth: ["cookie", "apiKey"], responses: { 200: "The conversation" } },
  { method: "post", path: "/api/conversations/:id/messages", summary: "Reply through the relay (same path and policy as mail)", tags: ["conversations"], auth: ["cookie", "apiKey"], body: sendSchema, responses: { 201: "Queued", 413: "attachments_too_large", 422: "send_refused" } },
  { method: "post", path: "/f/:formId", summary: "Submit a form (JSON: 202; form-encoded: 303 to the thank-you page)", tags: ["forms"], auth: "none", body: submissionSchema, formEncoded: true, responses: { 202: "Delivered or pending confirmation", 303: "Redirect to the thank-you page", 403: "origin_not_allowed / turnstile_failed", 413: "too_large (over 256 KiB)", 415: "unsupported_media_type", 422: "not_delivered (without submitter confirmation: the address refused it)", 429: "rate_limited / confirmation_pending (one confirmation mail per address, form and hour)" } },
  { method: "get", path: "/f/:formId/thanks", summary: "Built-in thank-you page (`?status=delivered` once the message was delivered)", tags: ["forms"], auth: "none", responses: { 200: html } },
  { method: "get", path: "/f/confirm/:token", summary: "Confirmation page (a button; opening it confirms nothing)", tags: ["forms"], auth: "none", responses: { 200: html, 404: "invalid_token (a page, or JSON for Accept: application/json)" } },
  { method: "post", path: "/f/confirm/:token", summary: "Confirm and deliver a pending submission", tags: ["forms"], auth: "none", responses: { 303: "Redirect to the thank-you page", 404: "invalid_token (a page, or JSON for Accept: application/json)", 422: "not_delivered: the address refused it" } },
];

/** `/api/addresses/:id` → `/api/addresses/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // io "input": what a client sends (before transforms and defaults); refinements and
  // transforms have no JSON Schema form and are left out rather than failing.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  return rest;
}

const ERROR = { $ref: "#/components/schemas/Error" };
const SCHEMES: Record<Exclude<Auth, "none">, string> = { cookie: "session", bearer: "adminToken", apiKey: "apiKey" };

function security(op: Operation): Record<string, string[]>[] {
  const auths = (Array.isArray(op.auth) ? op.auth : [op.auth]).filter((a): a is Exclude<Auth, "none"> => a !== "none");
  // CSRF: a cookie alone never authorises a change.
  return auths.map((a) => (a === "cookie" && op.method !== "get" ? { session: [], csrf: [] } : { [SCHEMES[a]]: [] }));
}

function responses(op: Operation) {
  const out: Record<string, unknown> = {};
  const error = (description: string) => ({ description, content: { "application/json": { schema: ERROR } } });
  if (op.body) out["400"] = error("Invalid input (invalid_json, unknown_field, invalid_request, invalid_address, invalid_field)");
  if (security(op).length) out["401"] = error("unauthorized");
  const forbidden = [op.role && op.role !== "member" ? "forbidden: the role is too low" : "", security(op).some((s) => "csrf" in s) ? "csrf: missing X-Kakuremino header" : ""].filter(Boolean);
  if (forbidden.length) out["403"] = error(forbidden.join("; "));
  if (op.path.includes(":")) out["404"] = error("not_found");
  for (const [status, response] of Object.entries(op.responses)) {
    const r = typeof response === "string" ? { description: response } : response;
    if (Number(status) >= 400) out[status] = error(r.description);
    else if (r.schema || r.contentType) out[status] = { description: r.description, content: { [r.contentType ?? "application/json"]: r.schema ? { schema: jsonSchema(r.schema) } : {} } };
    else out[status] = { description: r.description };
  }
  return out;
}

function operation(op: Operation) {
  const params = [...op.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  if (op.query) {
    const shape = jsonSchema(op.query) as { properties?: Record<string, { description?: string }>; required?: string[] };
    for (const [name, schema] of Object.entries(shape.properties ?? {})) params.push({ name, in: "query", required: (shape.required ?? []).includes(name), schema, ...(schema.description ? { description: schema.description } : {}) } as never);
  }
  const body = op.body && jsonSchema(op.body);
  return {
    summary: op.summary,
    ...(op.role ? { description: `Needs the ${op.role} role.`, "x-kakuremino-role": op.role } : {}),
    tags: op.tags,
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
    security: security(op),
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: { required: !op.bodyOptional, content: { "application/json": { schema: body }, ...(op.formEncoded ? { "application/x-www-form-urlencoded": { schema: body } } : {}) } } } : {}),
    responses: responses(op),
  };
}

let paths: Record<string, Record<string, unknown>> | null = null;

/** The whole document; paths are built once per isolate, the server URL per configuration. */
export function openApiDocument(appUrl: string) {
  if (!paths) {
    paths = {};
    for (const op of OPERATIONS) (paths[openApiPath(op.path)] ??= {})[op.method] = operation(op);
  }
  return {
    openapi: "3.1.0",
    info: { title: "Kakuremino", version: "0.1.0", description: "Anonymizing two-way email relay. Errors are always {\"error\":{\"code\",\"message\"}}." },
    servers: [{ url: appUrl }],
    paths,
    components: {
      schemas: { Error: { type: "object", required: ["error"], properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } } } },
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "km_session", description: "Web UI session from a magic link; every change also needs the csrf header" },
        csrf: { type: "apiKey", in: "header", name: "X-Kakuremino", description: "CSRF guard: the value 1, on every cookie-authenticated change" },
        adminToken: { type: "http", scheme: "bearer", description: "The operator's ADMIN_TOKEN" },
        apiKey: { type: "http", scheme: "bearer", bearerFormat: "km_…", description: "A system's API key, scoped to one recipient" },
      },
    },
  };
}
