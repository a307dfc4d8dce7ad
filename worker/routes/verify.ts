import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { recipients } from "../../db/schema";
import { isToken, sha256Hex } from "../crypto/tokens";
import type { AppEnv } from "./app-env";
import { simplePage } from "./page";

/** GET /verify/:token — the link in the confirmation mail. Answers a small ja/en page. */
export const verify = new Hono<AppEnv>();

verify.get("/:token", async (c) => {
  const token = c.req.param("token");
  const wantsJson = (c.req.header("accept") ?? "").includes("application/json");
  const hash = isToken(token) ? await sha256Hex(token) : "";
  const [row] = hash ? await c.var.db.update(recipients).set({ verifiedAt: Date.now(), verifyTokenHash: null }).where(eq(recipients.verifyTokenHash, hash)).returning({ id: recipients.id }) : [];
  if (!row) {
    if (wantsJson) return c.json({ error: { code: "invalid_token", message: "This confirmation link is invalid or was already used" } }, 404);
    return c.html(simplePage("Link not valid / リンクが無効です", ["This confirmation link is invalid or was already used.", "この確認リンクは無効か、既に使用されています。"]), 404);
  }
  if (wantsJson) return c.json({ verified: true });
  return c.html(simplePage("Confirmed / 確認しました", ["Mail to the public address will now be forwarded to you.", "公開アドレス宛のメールが転送されるようになりました。"]));
});
