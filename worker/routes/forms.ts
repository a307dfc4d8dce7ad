/**
 * Web forms: POST /f/:formId turns a submission into mail from the submitter (a contact behind
 * a reverse alias) to the public address's recipients. Single-line fields with CR, LF or other
 * control characters are refused with 400 (case-27: header injection); by default the
 * submitter must confirm their address first, so a form cannot make the relay mail a third party.
 */
import { and, eq, gt } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { createMimeMessage } from "mimetext/browser";
import { z } from "zod";
import { forms, pendingSubmissions, publicAddresses } from "../../db/schema";
import { linkTokenHash, randomToken, sha256Hex } from "../crypto/tokens";
import { forwardToRecipients } from "../email/forward";
import { ApiError } from "../errors";
import { composePlain, textPart } from "../mail/compose";
import { openRaw, sealRaw } from "../mail/deliver";
import { queueServiceMail } from "../mail/service-mail";
import { binaryToBytes, readAll, utf8ToBinary } from "../mime/bytes";
import { parseMessage } from "../mime/message";
import type { AppEnv } from "./app-env";
import { requireAdmin } from "./identity";
import { invalidLink, simplePage, wantsJson } from "./page";
import { relayContextOf } from "./relay-context";
import { record } from "./audit";
import { allowed } from "../rate-limit";
import { emailField, readJson, singleLine } from "./validate";

const CONFIRM_TTL = 24 * 60 * 60 * 1000;
const RESERVED = new Set(["name", "email", "subject", "message", "website", "cf-turnstile-response"]);
const SITEVERIFY = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/** Turnstile's server-side check: form-encoded secret, response token and client IP (Cloudflare docs). */
async function turnstilePasses(secret: string, token: unknown, ip: string | undefined): Promise<boolean> {
  if (typeof token !== "string" || !token || token.length > 2048) return false;
  const body = new URLSearchParams({ secret, response: token });
  if (ip) body.set("remoteip", ip);
  try {
    const res = await fetch(SITEVERIFY, { method: "POST", body });
    return Boolean(((await res.json()) as { success?: boolean }).success);
  } catch {
    return false;
  }
}

export const formAdmin = new Hono<AppEnv>();
export const formPosts = new Hono<AppEnv>();

/**
 * An http(s) URL. Anything else has no web origin: data:, javascript:, file: and blob: URLs all
 * serialise to the origin "null", which every sandboxed iframe sends — allowing it would let
 * any page post to the form; and a thank-you redirect to javascript: or data: is no page.
 */
const webUrl = z
  .string()
  .max(2000)
  .url()
  .refine((v) => /^https?:$/.test(new URL(v).protocol) && new URL(v).hostname !== "", "must be an http(s) URL");

export const createSchema = z.strictObject({
  name: singleLine(100).min(1),
  allowedOrigins: z.array(webUrl).max(20).default([]),
  thankYouUrl: webUrl.optional(),
  confirmSubmitter: z.boolean().default(true),
});

/** The public address of the route, if the caller's account holds it. */
async function ownedAddress(c: Context<AppEnv>) {
  const { accountId } = requireAdmin(c);
  const [pa] = await c.var.db.select().from(publicAddresses).where(and(eq(publicAddresses.id, c.req.param("id")!), eq(publicAddresses.accountId, accountId)));
  if (!pa) throw new ApiError("not_found", "No such public address", 404);
  return pa;
}

function presentForm(appUrl: string, form: typeof forms.$inferSelect) {
  return { id: form.id, name: form.name, postUrl: `${appUrl}/f/${form.id}`, allowedOrigins: JSON.parse(form.allowedOrigins) as string[], thankYouUrl: form.thankYouUrl, confirmSubmitter: form.confirmSubmitter, createdAt: form.createdAt };
}

formAdmin.get("/", async (c) => {
  const pa = await ownedAddress(c);
  const rows = await c.var.db.select().from(forms).where(eq(forms.publicAddressId, pa.id)).orderBy(forms.createdAt);
  return c.json(rows.map((f) => presentForm(c.var.config.appUrl, f)));
});

/** Later posts to a deleted form get 404; submissions waiting for confirmation go with it. */
formAdmin.delete("/:formId", async (c) => {
  const pa = await ownedAddress(c);
  const formId = c.req.param("formId");
  const [form] = await c.var.db.select({ id: forms.id }).from(forms).where(and(eq(forms.id, formId), eq(forms.publicAddressId, pa.id)));
  if (!form) throw new ApiError("not_found", "No such form", 404);
  await c.var.db.batch([c.var.db.delete(pendingSubmissions).where(eq(pendingSubmissions.formId, form.id)), c.var.db.delete(forms).where(eq(forms.id, form.id))]);
  await record(c, "form.delete", form.id);
  return c.body(null, 204);
});

formAdmin.post("/", async (c) => {
  const pa = await ownedAddress(c);
  const body = await readJson(c, createSchema);
  const id = randomToken(10);
  const [form] = await c.var.db.insert(forms).values({ id, publicAddressId: pa.id, name: body.name, allowedOrigins: JSON.stringify(body.allowedOrigins.map((o) => new URL(o).origin)), thankYouUrl: body.thankYouUrl ?? null, confirmSubmitter: body.confirmSubmitter }).returning();
  await record(c, "form.create", id);
  // The form as stored (origins, not the URLs they were given as), as GET lists it.
  return c.json(presentForm(c.var.config.appUrl, form), 201);
});

/** A submission after validation: the fixed fields and any custom (survey) fields. */
export const submissionSchema = z.object({
  name: singleLine(100).min(1),
  email: emailField,
  subject: singleLine(200).optional(),
  message: z.string().max(20_000).default(""),
  website: z.string().max(0, "must be empty").optional(),
});

/**
 * Form posts come from anyone: the body is read up to this size and no further (the fields'
 * own limits — 20 000 characters of message, 30 custom fields of 500 — fit well within it).
 */
export const MAX_SUBMISSION_BYTES = 256 * 1024;

async function submissionBytes(c: Context<AppEnv>): Promise<Uint8Array> {
  const tooLarge = new ApiError("too_large", `A submission may be at most ${MAX_SUBMISSION_BYTES / 1024} KiB`, 413);
  if (Number(c.req.header("content-length") ?? 0) > MAX_SUBMISSION_BYTES) throw tooLarge;
  if (!c.req.raw.body) return new Uint8Array();
  try {
    return await readAll(c.req.raw.body, MAX_SUBMISSION_BYTES);
  } catch (error) {
    if (error instanceof RangeError) throw tooLarge;
    throw error;
  }
}

async function readSubmission(c: Context<AppEnv>): Promise<{ fields: z.infer<typeof submissionSchema>; custom: [string, string][]; json: boolean }> {
  const type = c.req.header("content-type") ?? "";
  let raw: Record<string, unknown>;
  const json = postsJson(c);
  const isForm = type.includes("application/x-www-form-urlencoded") || type.includes("multipart/form-data");
  if (!json && !isForm) throw new ApiError("unsupported_media_type", "Post JSON or application/x-www-form-urlencoded", 415);
  const bytes = await submissionBytes(c);
  if (json) {
    try {
      raw = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    } catch {
      throw new ApiError("invalid_json", "The request body is not valid JSON");
    }
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new ApiError("invalid_request", "Expected a JSON object");
  } else {
    let form: FormData;
    try {
      form = await new Response(bytes, { headers: { "content-type": type } }).formData();
    } catch {
      // A multipart body without its boundary, or cut short, throws a TypeError: the sender's fault.
      throw new ApiError("invalid_request", "The request body is not valid form data");
    }
    raw = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === "string"));
  }
  if (typeof raw.website === "string" && raw.website) throw new ApiError("rejected_as_spam", "Submission refused", 400);
  if (c.env.TURNSTILE_SECRET && !(await turnstilePasses(c.env.TURNSTILE_SECRET, raw["cf-turnstile-response"], c.req.header("cf-connecting-ip")))) {
    throw new ApiError("turnstile_failed", "The anti-spam check failed; reload the page and try again", 403);
  }
  const parsed = submissionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(issue.message === "invalid_address" ? "invalid_address" : "invalid_field", `${issue.path.join(".")}: ${issue.message}`);
  }
  const custom: [string, string][] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (RESERVED.has(key)) continue;
    if (custom.length >= 30) throw new ApiError("invalid_field", "At most 30 custom fields");
    const text = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : null;
    if (text === null || !/^[\p{L}\p{N}_ .-]{1,40}$/u.test(key) || /[\x00-\x1f\x7f]/.test(text) || text.length > 500) throw new ApiError("invalid_field", `${key.slice(0, 40)}: must be a single line of at most 500 characters`);
    custom.push([key, text]);
  }
  return { fields: parsed.data, custom, json };
}

function compose(form: { name: string }, pa: { address: string; displayName: string }, s: Awaited<ReturnType<typeof readSubmission>>): Uint8Array {
  const msg = createMimeMessage();
  msg.setSender({ name: s.fields.name, addr: s.fields.email });
  msg.setRecipient({ name: pa.displayName, addr: pa.address });
  msg.setSubject(s.fields.subject || form.name);
  msg.setHeader("Message-ID", `<${randomToken()}@form.kakuremino.invalid>`);
  const table = s.custom.map(([k, v]) => `${k}: ${v}`).join("\n");
  const text = [s.fields.message, table && `\n--- ${form.name} ---\n${table}`].filter(Boolean).join("\n") || "(empty)";
  msg.addMessage({ contentType: "text/plain", ...textPart(text) });
  return binaryToBytes(utf8ToBinary(msg.asRaw()));
}

function cors(c: Context<AppEnv>, allowed: string[]): boolean {
  const origin = c.req.header("origin");
  if (!origin) return true;
  if (!allowed.includes(origin)) return false;
  c.header("Access-Control-Allow-Origin", origin);
  c.header("Vary", "Origin");
  return true;
}

async function loadForm(c: Context<AppEnv>, id: string) {
  const [row] = await c.var.db.select({ form: forms, pa: publicAddresses }).from(forms).innerJoin(publicAddresses, eq(publicAddresses.id, forms.publicAddressId)).where(eq(forms.id, id));
  if (!row) throw new ApiError("not_found", "No such form", 404);
  return row;
}

formPosts.options("/:formId", async (c) => {
  const { form } = await loadForm(c, c.req.param("formId"));
  if (!cors(c, JSON.parse(form.allowedOrigins))) throw new ApiError("origin_not_allowed", "This origin may not post to the form", 403);
  c.header("Access-Control-Allow-Methods", "POST");
  c.header("Access-Control-Allow-Headers", "content-type");
  return c.body(null, 204);
});

/** A JSON body: a script's post (CORS applies), answered in JSON. */
function postsJson(c: Context<AppEnv>): boolean {
  return (c.req.header("content-type") ?? "").includes("application/json");
}

/**
 * A refusal a person meets (a plain HTML form post, the confirmation button) is a ja/en page
 * with the reason, not the API's JSON error; scripts still get the JSON.
 */
async function forPeople(c: Context<AppEnv>, handle: () => Promise<Response>): Promise<Response> {
  try {
    return await handle();
  } catch (error) {
    // Scripts post JSON or ask for it; a person posting an HTML form or pressing a button does not.
    if (!(error instanceof ApiError) || postsJson(c) || wantsJson(c)) throw error;
    return c.html(simplePage("送信できませんでした / Not sent", ["送信できませんでした。前のページに戻って入力内容を確かめるか、しばらくしてからもう一度お試しください。", `Your message was not sent: ${error.message}.`]), error.status);
  }
}

formPosts.post("/:formId", (c) => forPeople(c, () => submit(c, c.req.param("formId"))));

async function submit(c: Context<AppEnv>, formId: string): Promise<Response> {
  const { form, pa } = await loadForm(c, formId);
  // CORS governs scripts (JSON posts); a plain HTML form on any site may post, and the
  // submitter's confirmation link keeps it from mailing anyone else.
  if (postsJson(c) && !cors(c, JSON.parse(form.allowedOrigins))) throw new ApiError("origin_not_allowed", "This origin may not post to the form", 403);
  const ip = c.req.header("cf-connecting-ip");
  if (ip && !(await allowed(c.env.RL_FORMS, `form:${form.id}:${ip}`))) throw new ApiError("rate_limited", "Too many submissions; try again in a minute", 429);
  const submission = await readSubmission(c);
  const raw = compose(form, pa, submission);
  let status: "delivered" | "pending-confirmation";
  if (form.confirmSubmitter) {
    await queueConfirmation(c, form.id, pa, submission.fields.email, raw);
    status = "pending-confirmation";
  } else {
    await deliver(c, pa.address, submission.fields.email, raw);
    status = "delivered";
  }
  if (submission.json) return c.json({ status }, 202);
  return c.redirect(thanksUrl(form, status), 303);
}

/** Where a browser goes after a post or a confirmation: the form's own page, else ours saying which. */
function thanksUrl(form: { id: string; thankYouUrl: string | null }, status: "delivered" | "pending-confirmation"): string {
  return form.thankYouUrl ?? `/f/${form.id}/thanks${status === "delivered" ? "?status=delivered" : ""}`;
}

formPosts.get("/:formId/thanks", (c) =>
  c.html(
    c.req.query("status") === "delivered"
      ? simplePage("送信しました / Sent", ["お問い合わせを担当者に届けました。返信はメールで届きます。", "Your message was delivered. The answer will come by mail."])
      : simplePage("ありがとうございました / Thank you", [
          "送信内容を受け付けました。確認メールが届いた場合は、リンクを開いて送信を完了してください。",
          "We received your message. If a confirmation mail arrives, open its link to complete the submission.",
        ]),
  ),
);

const invalidConfirmation = (c: Context<AppEnv>) => invalidLink(c, { en: "This confirmation link is invalid, expired or already used", ja: "この確認リンクは無効か、期限切れか、既に使用されています。" });

/** Which pending submission a confirmation token names, while it still waits (undefined: not a token). */
async function stillPending(token: string) {
  const hash = await linkTokenHash(token);
  return hash ? and(eq(pendingSubmissions.tokenHash, hash), gt(pendingSubmissions.expiresAt, Date.now())) : undefined;
}

/**
 * At most one confirmation mail per form, address and hour, whoever posts (mail-bombing guard).
 * A second submission within the hour is refused, not stored unconfirmable or dropped unsaid.
 */
const CONFIRM_INTERVAL = 60 * 60 * 1000;

async function queueConfirmation(c: Context<AppEnv>, formId: string, pa: { id: string; address: string; displayName: string }, email: string, raw: Uint8Array) {
  const { db, ring, config, mailer } = c.var;
  const emailHash = await ring.index(email);
  const recent = await db.select({ t: pendingSubmissions.tokenHash }).from(pendingSubmissions).where(and(eq(pendingSubmissions.formId, formId), eq(pendingSubmissions.emailHash, emailHash), gt(pendingSubmissions.createdAt, Date.now() - CONFIRM_INTERVAL))).limit(1);
  if (recent.length) throw new ApiError("confirmation_pending", "A confirmation mail for this address and form was sent less than an hour ago: open its link first, or try again later", 429);
  const token = randomToken(20);
  await db.insert(pendingSubmissions).values({ tokenHash: await sha256Hex(token), formId, emailHash, emailEnc: await ring.seal(email), rawEnc: await sealRaw(ring, raw), expiresAt: Date.now() + CONFIRM_TTL });
  const link = `${config.appUrl}/f/confirm/${token}`;
  const mail = composePlain({
    from: { name: pa.displayName, address: pa.address },
    to: { address: email },
    subject: `Confirm your message to ${pa.displayName || pa.address} / 送信の確認`,
    text: `Open this link to deliver your message:\n${link}\n\n次のリンクを開くと、お問い合わせが送信されます。\n${link}\n\nIf you did not send it, ignore this mail: nothing will be delivered.`,
    headers: { "Auto-Submitted": "auto-generated" },
  });
  await queueServiceMail({ db, ring, mailer }, (p) => c.executionCtx.waitUntil(p), { kind: "verification", from: pa.address, to: email, raw: mail, publicAddressId: pa.id });
}

async function deliver(c: Context<AppEnv>, publicAddress: string, email: string, raw: Uint8Array) {
  const verdict = await forwardToRecipients(
    relayContextOf(c),
    { envelopeFrom: email, rcpt: publicAddress, message: parseMessage(raw) },
    publicAddress,
  );
  if (verdict.kind === "rejected") throw new ApiError("not_delivered", verdict.reason, 422);
}

/**
 * The link in the confirmation mail only shows a button: mail scanners that open links must not
 * confirm on the submitter's behalf (that would let anyone make the relay mail a third party).
 */
formPosts.get("/confirm/:token", async (c) => {
  const token = c.req.param("token");
  // Looking the link up confirms nothing; a used one says so instead of offering a button that fails.
  const waiting = await stillPending(token);
  const [pending] = waiting ? await c.var.db.select({ formId: pendingSubmissions.formId }).from(pendingSubmissions).where(waiting) : [];
  if (!pending) return invalidConfirmation(c);
  return c.html(simplePage("Confirm your message / 送信の確認", ["Press the button to deliver your message.", "ボタンを押すと、お問い合わせが送信されます。"], { label: "Send / 送信する", postTo: `/f/confirm/${token}` }));
});

formPosts.post("/confirm/:token", (c) =>
  forPeople(c, async () => {
    // Claimed by the statement that removes it: of two presses at once (a double click) only
    // one finds the row, so the inquiry is delivered once.
    const waiting = await stillPending(c.req.param("token"));
    const [pending] = waiting ? await c.var.db.delete(pendingSubmissions).where(waiting).returning() : [];
    if (!pending) return invalidConfirmation(c);
    try {
      const { form, pa } = await loadForm(c, pending.formId);
      await deliver(c, pa.address, await c.var.ring.open(pending.emailEnc), await openRaw(c.var.ring, pending.rawEnc));
      return c.redirect(thanksUrl(form, "delivered"), 303);
    } catch (error) {
      // Not delivered: the link works again (the submitter may retry later).
      await c.var.db.insert(pendingSubmissions).values(pending).onConflictDoNothing();
      throw error;
    }
  }),
);
