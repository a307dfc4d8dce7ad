/**
 * Issue #5: GET /api/openapi.json documents exactly the app's routes, with request bodies taken
 * from the zod schemas the routes validate with.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../../../worker/app";
import { openApiPath } from "../../../worker/openapi";
import { resetDatabase } from "../../helpers/factories";
import { api } from "../../helpers/relay";
import { followLatestLink } from "../../helpers/sign-in";

/**
 * What must be documented: every /api, /f and /verify route (a recipient's confirmation is a POST
 * a client may make). Left out: middleware ("ALL"), CORS preflights (OPTIONS), the sign-in
 * callback reached from mail links (/auth) and probes (/healthz).
 */
function appOperations(): string[] {
  const ops = app.routes
    .filter((r) => r.method !== "ALL" && r.method !== "OPTIONS" && /^\/(api|f|verify)\//.test(r.path))
    .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path.replace(/(.)\/$/, "$1"))}`);
  return [...new Set(ops)].sort();
}

async function document() {
  const res = await api("GET", "/api/openapi.json", undefined, {});
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.json();
}

describe("GET /api/openapi.json", () => {
  beforeEach(resetDatabase);
  it("is an OpenAPI 3.1 document, open to anyone", async () => {
    const doc = await document();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: "Kakuremino", version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: "http://relay.test" }]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(15);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["adminToken", "apiKey", "csrf", "session"]);
    expect(doc.components.securitySchemes.csrf).toMatchObject({ type: "apiKey", in: "header", name: "X-Kakuremino" });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: "apiKey", in: "cookie", name: "km_session" });
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { summary: string; responses: object; parameters?: { name: string; in: string }[] }>>)) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
        expect(declared, `${method} ${path}`).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      }
    }
  });

  it("documents every /api, /f and /verify route of the app, and none it does not have", async () => {
    const doc = await document();
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`)).sort();
    const routes = appOperations();
    expect(routes.length).toBeGreaterThan(20);
    // The diff names each route: add a line to OPERATIONS in worker/openapi.ts for a "missing" one.
    expect(
      { missing: routes.filter((r) => !documented.includes(r)), extra: documented.filter((d) => !routes.includes(d)) },
      "missing = app routes without a line in OPERATIONS (worker/openapi.ts); extra = lines for routes the app does not have",
    ).toEqual({ missing: [], extra: [] });
  });

  it("request bodies are the zod schemas the routes validate with (input side)", async () => {
    const doc = await document();
    const body = (path: string, method = "post") => doc.paths[path][method].requestBody;
    expect(body("/api/addresses").content["application/json"].schema).toMatchObject({
      type: "object",
      properties: { address: { type: "string", maxLength: 254 }, displayName: { type: "string", maxLength: 100, default: "" } },
      required: ["address"],
      additionalProperties: false,
    });
    expect(body("/api/addresses/{id}", "patch").content["application/json"].schema.properties.status).toEqual({ type: "string", enum: ["active", "disabled"] });
    const reseal = body("/api/keys/reseal");
    expect(reseal.required).toBe(false);
    expect(reseal.content["application/json"].schema.properties.limit).toMatchObject({ type: "integer", minimum: 1, maximum: 500, default: 100 });
    const form = body("/f/{formId}");
    expect(Object.keys(form.content).sort()).toEqual(["application/json", "application/x-www-form-urlencoded"]);
    expect(form.content["application/json"].schema.required.sort()).toEqual(["email", "name"]);
    const send = body("/api/conversations/{id}/messages").content["application/json"].schema;
    expect(send.properties.attachments.items.required.sort()).toEqual(["contentBase64", "contentType", "filename"]);
    expect(doc.paths["/api/conversations"].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["address", "limit", "offset", "q"]);
    // Every 409 the route can answer is named (service-mailboxes.test.ts: the service's own mailboxes).
    expect(doc.paths["/api/addresses"].post.responses["409"].description).toBe("address_exists / reserved_address");
    expect(doc.paths["/api/addresses/{id}/recipients/{rid}/resend"].post.responses["409"].description).toBe("already_verified / not_a_mailbox");
    // A form post delivered at once, or confirmed later, can be refused by the address (routes/forms.ts).
    expect(doc.paths["/f/{formId}"].post.responses["422"].description).toMatch(/^not_delivered/);
    expect(doc.paths["/f/confirm/{token}"].post.responses["422"].description).toMatch(/^not_delivered/);
    // A recipient's confirmation link: opening it changes nothing, the POST confirms (routes/verify.ts).
    expect(doc.paths["/verify/{token}"].get.responses["200"].content).toEqual({ "text/html": {} });
    expect(doc.paths["/verify/{token}"].post.responses["404"].description).toMatch(/^invalid_token/);
  });

  it("security follows the route's guard: operator token, session + CSRF header on changes, API keys", async () => {
    const doc = await document();
    // Account staff: the operator's token, or a signed-in admin (session + CSRF on changes).
    expect(doc.paths["/api/addresses"].post.security).toEqual([{ adminToken: [] }, { session: [], csrf: [] }]);
    expect(doc.paths["/api/addresses"].post["x-kakuremino-role"]).toBe("admin");
    expect(doc.paths["/api/users"].post["x-kakuremino-role"]).toBe("owner");
    expect(doc.paths["/api/keys/reseal"].post.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths["/api/keys/reseal"].post["x-kakuremino-role"]).toBe("operator");
    expect(doc.paths["/api/conversations/{id}/messages"].post.security).toEqual([{ session: [], csrf: [] }, { apiKey: [] }]);
    expect(doc.paths["/api/conversations"].get.security).toEqual([{ session: [] }, { apiKey: [] }]);
    expect(doc.paths["/api/session/request"].post.security).toEqual([]);
    expect(doc.paths["/api/conversations/{id}/messages"].post.responses["403"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
    // The guards themselves agree with the document.
    expect((await api("POST", "/api/keys/reseal", undefined, {})).status).toBe(401);
    expect((await api("GET", "/api/conversations", undefined, {})).status).toBe(401);
    // A signed-in admin (not the operator) may not re-seal the whole database.
    expect((await api("POST", "/api/users", { email: "admin@example.org", role: "admin" })).status).toBe(201);
    expect((await api("POST", "/api/keys/reseal", {}, await followLatestLink("admin@example.org"))).status).toBe(403);
  });
});
