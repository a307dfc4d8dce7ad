/** The HTTP side: middleware, one error shape, and one sub-app per resource. */
import { Hono } from "hono";
import { createDb } from "../db/client";
import { keyringFor, logUnreadable, SealedValueError } from "./crypto/sealed";
import { ConfigError, getConfig } from "./env";
import { ApiError, errorBody } from "./errors";
import { relayMailer } from "./mail/choose-mailer";
import { addresses } from "./routes/addresses";
import type { AppEnv } from "./routes/app-env";
import { outboxRoutes } from "./routes/outbox";
import { recipientRoutes } from "./routes/recipients";
import { webhookRecipientRoutes } from "./routes/webhook-recipients";
import { senderRuleRoutes } from "./routes/sender-rules";
import { verify } from "./routes/verify";
import { identify } from "./routes/identity";
import { session, authCallback } from "./routes/session";
import { conversations } from "./routes/conversations";
import { formAdmin, formPosts } from "./routes/forms";
import { formEmbed, formList } from "./routes/form-embed";
import { auditCsv, auditRoutes } from "./routes/audit";
import { accountRoutes, operatorAccountRoutes, planRoutes } from "./routes/accounts";
import { userRoutes } from "./routes/users";
import { domainRoutes } from "./routes/domains";
import { senderRoutes } from "./routes/sender";
import { keyRoutes } from "./routes/keys";
import { openApiDocument } from "./openapi";

export const app = new Hono<AppEnv>();

app.use("*", async (c, next) => {
  const config = getConfig(c.env);
  c.set("config", config);
  c.set("db", createDb(c.env.DB));
  c.set("ring", await keyringFor(config));
  c.set("mailer", relayMailer(config, c.env, c.var.db, c.var.ring));
  await next();
});

// API answers are never framed, sniffed or cached, and carry no referrer.
app.use("*", async (c, next) => {
  await next();
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  if (c.req.path.startsWith("/api/")) c.header("Cache-Control", "no-store");
  if (!c.res.headers.has("Content-Security-Policy")) c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
});

app.use("/api/*", identify);

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/api/addresses", addresses);
// Webhook recipients first: their POST takes {kind: "webhook"} bodies and passes the rest on.
app.route("/api/addresses/:id/recipients", webhookRecipientRoutes);
app.route("/api/addresses/:id/recipients", recipientRoutes);
app.route("/api/addresses/:id/sender-rules", senderRuleRoutes);
app.route("/api/outbox", outboxRoutes);
app.route("/verify", verify);
app.route("/api/session", session);
app.route("/auth", authCallback);
app.route("/api/conversations", conversations);
app.route("/api/addresses/:id/forms", formAdmin);
app.route("/api/addresses/:id/sender", senderRoutes);
app.route("/api/addresses/:id/forms", formEmbed);
app.route("/api/forms", formList);
app.route("/f", formPosts);
app.route("/api/account", accountRoutes);
app.route("/api/accounts", operatorAccountRoutes);
app.route("/api/plans", planRoutes);
app.route("/api/users", userRoutes);
app.route("/api/domains", domainRoutes);
app.get("/api/audit.csv", auditCsv);
app.route("/api/audit", auditRoutes);
app.route("/api/keys", keyRoutes);
app.get("/api/openapi.json", (c) => c.json(openApiDocument(c.var.config.appUrl)));

app.notFound((c) => c.json(errorBody("not_found", "No such route"), 404));

app.onError((error, c) => {
  if (error instanceof ApiError) return c.json(errorBody(error.code, error.message), error.status);
  if (error instanceof ConfigError) {
    console.error(JSON.stringify({ event: "config_error", message: error.message }));
    return c.json(errorBody("misconfigured", "The relay is not configured correctly; see its logs"), 500);
  }
  if (error instanceof SealedValueError) {
    logUnreadable(`${c.req.method} ${c.req.routePath}`, error);
    return c.json(errorBody("key_unavailable", "Stored data is sealed under a key this relay does not have; see its logs"), 500);
  }
  // Unknown errors: log the type only (messages may quote input), answer generically.
  console.error(JSON.stringify({ event: "unhandled", type: error.name }));
  return c.json(errorBody("internal", "Internal error"), 500);
});
