/** Request validation at the boundary: one place turns bad input into a clear 400. */
import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "../errors";
import { cleanAddrSpec } from "../mime/address";

export async function readJson<T extends z.ZodType>(c: Context, schema: T, options: { optionalBody?: boolean } = {}): Promise<z.infer<T>> {
  let body: unknown;
  const text = await c.req.text();
  // Where every field is optional, no body at all (`curl -X POST`) means the defaults.
  if (options.optionalBody && text.trim() === "") body = {};
  else {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError("invalid_json", "The request body is not valid JSON");
    }
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === "unrecognized_keys") throw new ApiError("unknown_field", `Unknown field: ${issue.keys.join(", ")}`);
    const path = issue.path.join(".") || "body";
    if (issue.message.startsWith("invalid_address")) throw new ApiError("invalid_address", `${path} is not a valid e-mail address`);
    throw new ApiError("invalid_request", `${path}: ${issue.message}`);
  }
  return result.data;
}

/**
 * An e-mail address field: trimmed, one line, a valid addr-spec, lowercased. cleanAddrSpec reads
 * header syntax, dropping white space, comments and route prefixes; an address typed here must
 * already be clean, or "staff one@x" would quietly become somebody else's "staffone@x".
 */
export const emailField = z
  .string()
  .max(254)
  .transform((value, ctx) => {
    const typed = value.trim().toLowerCase();
    const clean = /[\r\n]/.test(value) ? null : cleanAddrSpec(typed);
    if (!clean || clean !== typed) {
      ctx.addIssue({ code: "custom", message: "invalid_address" });
      return z.NEVER;
    }
    return clean;
  });

/** A single-line text field: CR, LF and other control characters are refused (header injection). */
export function singleLine(max: number) {
  return z
    .string()
    .max(max)
    .refine((v) => !/[\x00-\x1f\x7f]/.test(v), "must be a single line without control characters");
}
