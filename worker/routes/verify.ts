import { eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { recipients } from "../../db/schema";
import { linkTokenHash } from "../crypto/tokens";
import type { AppEnv } from "./app-env";
import { invalidLink, simplePage, wantsJson } from "./page";

/**
 * /verify/:token — the link in a recipient's confirmation mail. Opening it (GET) only shows a
 * button; pressing it (POST) confirms. Mail scanners (Safe Links and the like) open every link in
 * a mail, and must not make someone a recipient of mail they never agreed to receive — the same
 * guard as the form submitter's link in routes/forms.ts. Answers small ja/en pages, or JSON with
 * `Accept: application/json`.
 */
export const verify = new Hono<AppEnv>();

const notValid = (c: Context<AppEnv>) => invalidLink(c, { en: "This confirmation link is invalid or was already used", ja: "この確認リンクは無効か、既に使用されています。" });

verify.get("/:token", async (c) => {
  const token = c.req.param("token");
  const hash = await linkTokenHash(token);
  // Read only: a used link says so here rather than after the button.
  const [row] = hash ? await c.var.db.select({ id: recipients.id }).from(recipients).where(eq(recipients.verifyTokenHash, hash)) : [];
  if (!row) return notValid(c);
  return c.html(
    simplePage("Confirm / 受信の確認", ["Press the button to receive the public address's mail here.", "ボタンを押すと、公開アドレス宛のメールがこのアドレスに転送されるようになります。"], { label: "Confirm / 確認する", postTo: `/verify/${token}` }),
  );
});

verify.post("/:token", async (c) => {
  const hash = await linkTokenHash(c.req.param("token"));
  const [row] = hash ? await c.var.db.update(recipients).set({ verifiedAt: Date.now(), verifyTokenHash: null }).where(eq(recipients.verifyTokenHash, hash)).returning({ id: recipients.id }) : [];
  if (!row) return notValid(c);
  if (wantsJson(c)) return c.json({ verified: true });
  return c.html(simplePage("Confirmed / 確認しました", ["Mail to the public address will now be forwarded to you.", "公開アドレス宛のメールが転送されるようになりました。"]));
});
