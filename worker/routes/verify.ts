import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { recipients } from "../../db/schema";
import { sha256Hex } from "../crypto/tokens";
import type { AppEnv } from "./app-env";

/** GET /verify/:token — the link in the confirmation mail. Answers a small ja/en page. */
export const verify = new Hono<AppEnv>();

function page(title: string, body: string): string {
  return `<!doctype html><html lang="ja"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1><p>${body}</p></body></html>`;
}

verify.get("/:token", async (c) => {
  const token = c.req.param("token");
  const wantsJson = (c.req.header("accept") ?? "").includes("application/json");
  const hash = /^[a-z2-7]{20,64}$/.test(token) ? await sha256Hex(token) : "";
  const [row] = hash ? await c.var.db.update(recipients).set({ verifiedAt: Date.now(), verifyTokenHash: null }).where(eq(recipients.verifyTokenHash, hash)).returning({ id: recipients.id }) : [];
  if (!row) {
    if (wantsJson) return c.json({ error: { code: "invalid_token", message: "This confirmation link is invalid or was already used" } }, 404);
    return c.html(page("Link not valid / リンクが無効です", "This confirmation link is invalid or was already used. / この確認リンクは無効か、既に使用されています。"), 404);
  }
  if (wantsJson) return c.json({ verified: true });
  return c.html(page("Confirmed / 確認しました", "Mail to the public address will now be forwarded to you. / 公開アドレス宛のメールが転送されるようになりました。"));
});
