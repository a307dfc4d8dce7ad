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

/**
 * cookie: the web UI's session (changes also need `X-Kakuremino: 1`); bearer: the operator's
 * ADMIN_TOKEN; apiKey: a system's `km_…` key; none: public.
 */
export type Auth = "cookie" | "bearer" | "apiKey" | "none";
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

/** Every documented route. Adding one: a line here. */
export const OPERATIONS: Operation[] = [
  { method: "get", path: "/api/openapi.json", summary: "This document", tags: ["meta"], auth: "none", responses: { 200: "The OpenAPI 3.1 document" } },
  { method: "post", path: "/api/addresses", summary: "Create a public address", tags: ["addresses"], auth: "bearer", body: createAddressSchema, responses: { 201: "The address", 409: "address_exists" } },
  { method: "get", path: "/api/addresses", summary: "List public addresses with recipient counts", tags: ["addresses"], auth: "bearer", responses: { 200: "The addresses" } },
  { method: "patch", path: "/api/addresses/:id", summary: "Rename, disable or change retention", tags: ["addresses"], auth: "bearer", body: patchAddressSchema, responses: { 200: "The address" } },
  { method: "delete", path: "/api/addresses/:id", summary: "Delete an address with its contacts, aliases, messages and queued mail", tags: ["addresses"], auth: "bearer", responses: { 204: "Deleted" } },
  { method: "post", path: "/api/addresses/:id/recipients", summary: "Add a recipient (mails a confirmation link)", tags: ["recipients"], auth: "bearer", body: addRecipientSchema, responses: { 201: "The recipient, unverified", 409: "recipient_exists" } },
  { method: "put", path: "/api/addresses/:id/recipients", summary: "Replace the set of recipients", tags: ["recipients"], auth: "bearer", body: rotateSchema, responses: { 200: "Counts added, removed, kept" } },
  { method: "get", path: "/api/addresses/:id/recipients", summary: "List recipients and whether they are verified", tags: ["recipients"], auth: "bearer", responses: { 200: "The recipients" } },
  { method: "delete", path: "/api/addresses/:id/recipients/:rid", summary: "Remove a recipient and its conversations", tags: ["recipients"], auth: "bearer", responses: { 204: "Removed" } },
  { method: "post", path: "/api/addresses/:id/recipients/:rid/keys", summary: "Create a system API key for one recipient (shown once)", tags: ["recipients"], auth: "bearer", body: keySchema, responses: { 201: "{id, key, label}" } },
  { method: "delete", path: "/api/addresses/:id/recipients/:rid/keys/:keyId", summary: "Revoke an API key", tags: ["recipients"], auth: "bearer", responses: { 204: "Revoked" } },
  { method: "post", path: "/api/addresses/:id/forms", summary: "Create a web form", tags: ["forms"], auth: "bearer", body: createFormSchema, responses: { 201: "The form and its post URL" } },
  { method: "get", path: "/api/outbox", summary: "The local sink, newest first (MAILER=outbox only)", tags: ["admin"], auth: "bearer", query: outboxQuery, responses: { 200: "Outbound messages" } },
  { method: "get", path: "/api/audit", summary: "Every admin action", tags: ["admin"], auth: "bearer", responses: { 200: "Audit entries" } },
  { method: "get", path: "/api/audit.csv", summary: "Every admin action, as CSV", tags: ["admin"], auth: "bearer", responses: { 200: { description: "CSV", contentType: "text/csv" } } },
  { method: "post", path: "/api/keys/reseal", summary: "Re-seal a chunk of stored values under the current DATA_KEY", tags: ["admin"], auth: "bearer", body: resealSchema, bodyOptional: true, responses: { 200: { description: "Progress", schema: resealProgress }, 409: "index_key_mismatch" } },
  { method: "post", path: "/api/session/request", summary: "Mail a sign-in link (same answer for every address)", tags: ["session"], auth: "none", body: signInRequestSchema, responses: { 202: "Accepted", 429: "rate_limited" } },
  { method: "post", path: "/api/session/sign-out", summary: "End the session", tags: ["session"], auth: "cookie", responses: { 204: "Signed out" } },
  { method: "get", path: "/api/session/me", summary: "The signed-in user and their public addresses", tags: ["session"], auth: "cookie", responses: { 200: "The user" } },
  { method: "get", path: "/api/conversations", summary: "Own conversations (contacts by name and alias only)", tags: ["conversations"], auth: ["cookie", "apiKey"], query: conversationQuery, responses: { 200: "{total, offset, items}" } },
  { method: "get", path: "/api/conversations/:id", summary: "One conversation with its messages (marks them read)", tags: ["conversations"], auth: ["cookie", "apiKey"], responses: { 200: "The conversation" } },
  { method: "post", path: "/api/conversations/:id/messages", summary: "Reply through the relay (same path and policy as mail)", tags: ["conversations"], auth: ["cookie", "apiKey"], body: sendSchema, responses: { 201: "Queued", 413: "attachments_too_large", 422: "send_refused" } },
  { method: "post", path: "/f/:formId", summary: "Submit a form (JSON: 202; form-encoded: 303 to the thank-you page)", tags: ["forms"], auth: "none", body: submissionSchema, formEncoded: true, responses: { 202: "Delivered or pending confirmation", 303: "Redirect to the thank-you page", 403: "origin_not_allowed / turnstile_failed", 415: "unsupported_media_type", 429: "rate_limited" } },
  { method: "get", path: "/f/:formId/thanks", summary: "Built-in thank-you page", tags: ["forms"], auth: "none", responses: { 200: html } },
  { method: "get", path: "/f/confirm/:token", summary: "Confirmation page (a button; opening it confirms nothing)", tags: ["forms"], auth: "none", responses: { 200: html } },
  { method: "post", path: "/f/confirm/:token", summary: "Confirm and deliver a pending submission", tags: ["forms"], auth: "none", responses: { 303: "Redirect to the thank-you page" } },
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
  if (security(op).length) out["401"] = error("unauthorized / unauthenticated");
  if (security(op).some((s) => "csrf" in s)) out["403"] = error("csrf: missing X-Kakuremino header");
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
