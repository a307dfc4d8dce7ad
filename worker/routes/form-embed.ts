/**
 * Embed snippets for web forms: a ready-to-paste HTML form and a fetch() call, built for the
 * form's real action URL, with the honeypot field and — when Turnstile is configured — its
 * widget. Shown to the operator (admin API) and in the web UI to the people who answer the form.
 *
 *   GET /api/addresses/:id/forms/:formId/embed   one form's snippets
 *   GET /api/forms                               every form the caller may see, with snippets
 */
import { and, eq, inArray, isNotNull, type SQL } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { forms, publicAddresses, recipients } from "../../db/schema";
import { ApiError } from "../errors";
import type { AppEnv } from "./app-env";

export interface EmbedSnippets {
  postUrl: string;
  html: string;
  fetch: string;
}

const TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js";

function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The snippets for one form. Field names are the ones POST /f/:formId reads (routes/forms.ts);
 * `website` is the honeypot, moved off-screen rather than `hidden` because bots skip hidden inputs.
 */
export function embedSnippets(appUrl: string, formId: string, allowedOrigins: string[], turnstileSiteKey: string | null): EmbedSnippets {
  const postUrl = `${appUrl}/f/${formId}`;
  const turnstile = turnstileSiteKey
    ? [`  <div class="cf-turnstile" data-sitekey="${attr(turnstileSiteKey)}"></div>`, `  <script src="${TURNSTILE_SCRIPT}" async defer></script>`]
    : [];
  const html = [
    `<form method="post" action="${attr(postUrl)}" accept-charset="utf-8">`,
    `  <label>お名前 / Name <input name="name" required maxlength="100" autocomplete="name"></label>`,
    `  <label>メールアドレス / E-mail <input name="email" type="email" required maxlength="254" autocomplete="email"></label>`,
    `  <label>件名 / Subject <input name="subject" maxlength="200"></label>`,
    `  <label>お問い合わせ内容 / Message <textarea name="message" rows="6" maxlength="20000"></textarea></label>`,
    `  <!-- Leave empty: only bots fill it, and their posts are refused. -->`,
    `  <div style="position:absolute;left:-10000px" aria-hidden="true"><input name="website" tabindex="-1" autocomplete="off"></div>`,
    ...turnstile,
    `  <button type="submit">送信 / Send</button>`,
    `</form>`,
  ].join("\n");
  const origins = allowedOrigins.length ? allowedOrigins.join(", ") : "none yet — add your site's origin to the form's allowedOrigins";
  const fetchSnippet = [
    `// From a page on an allowed origin (${origins}).`,
    `// 202 {"status":"pending-confirmation"|"delivered"}; errors are {"error":{"code","message"}}.`,
    `async function sendInquiry({ name, email, subject, message }) {`,
    `  const res = await fetch(${JSON.stringify(postUrl)}, {`,
    `    method: "POST",`,
    `    headers: { "content-type": "application/json" },`,
    turnstileSiteKey
      ? `    body: JSON.stringify({ name, email, subject, message, "cf-turnstile-response": turnstile.getResponse() }),`
      : `    body: JSON.stringify({ name, email, subject, message }),`,
    `  });`,
    `  const data = await res.json();`,
    `  if (!res.ok) throw new Error(data.error.message);`,
    `  return data.status;`,
    `}`,
  ].join("\n");
  return { postUrl, html, fetch: fetchSnippet };
}

type FormRow = typeof forms.$inferSelect;

/**
 * Which public addresses' forms the caller may see: the operator sees the account's; a signed-in
 * person the addresses they answer, or all of the account's if they are its owner or an admin.
 */
async function visibleAddresses(c: Context<AppEnv>): Promise<SQL> {
  const identity = c.var.identity;
  if (identity?.kind === "admin") return eq(publicAddresses.accountId, identity.accountId);
  if (identity?.kind !== "user") throw new ApiError("unauthorized", "Sign in first", 401);
  if (identity.role === "owner" || identity.role === "admin") return eq(publicAddresses.accountId, identity.accountId);
  const answered = c.var.db
    .select({ id: recipients.publicAddressId })
    .from(recipients)
    .where(and(eq(recipients.emailHash, identity.emailHash), isNotNull(recipients.verifiedAt)));
  return and(eq(publicAddresses.accountId, identity.accountId), inArray(publicAddresses.id, answered))!;
}

function present(c: Context<AppEnv>, form: FormRow, pa: { address: string; displayName: string }) {
  const origins = JSON.parse(form.allowedOrigins) as string[];
  return {
    id: form.id,
    name: form.name,
    publicAddress: pa.address,
    publicName: pa.displayName,
    allowedOrigins: origins,
    confirmSubmitter: form.confirmSubmitter,
    turnstile: Boolean(c.var.config.turnstileSiteKey),
    ...embedSnippets(c.var.config.appUrl, form.id, origins, c.var.config.turnstileSiteKey || null),
  };
}

/** Mounted at /api/forms. */
export const formList = new Hono<AppEnv>();

formList.get("/", async (c) => {
  const rows = await c.var.db
    .select({ form: forms, pa: publicAddresses })
    .from(forms)
    .innerJoin(publicAddresses, eq(publicAddresses.id, forms.publicAddressId))
    .where(await visibleAddresses(c))
    .orderBy(publicAddresses.address, forms.createdAt);
  return c.json(rows.map((r) => present(c, r.form, r.pa)));
});

/** Mounted at /api/addresses/:id/forms, beside the form admin routes. */
export const formEmbed = new Hono<AppEnv>();

formEmbed.get("/:formId/embed", async (c) => {
  const [row] = await c.var.db
    .select({ form: forms, pa: publicAddresses })
    .from(forms)
    .innerJoin(publicAddresses, eq(publicAddresses.id, forms.publicAddressId))
    .where(and(eq(forms.id, c.req.param("formId")), eq(publicAddresses.id, c.req.param("id")!), await visibleAddresses(c)));
  if (!row) throw new ApiError("not_found", "No such form", 404);
  return c.json(present(c, row.form, row.pa));
});
