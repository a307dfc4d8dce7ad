/**
 * The links the relay mails (sign-in, invitations, confirmations), read from the local outbox
 * (`MAILER=outbox`, GET /api/outbox with the operator's token) as a person would from their mail.
 */
import type { Page } from "playwright-core";

export interface OutboxItem {
  kind: string;
  envelopeTo: string;
  raw: string;
}

export const SIGN_IN_LINK = /http:\/\/localhost:\d+\/auth\/callback\?token=[a-z2-7]+/;
export const VERIFY_LINK = /http:\/\/localhost:\d+\/verify\/[a-z2-7]+/;

export function mailedLinks(outbox: () => Promise<OutboxItem[]>, appUrl: string) {
  /** The newest mail to `to` of `kind` (not among `skip`) whose body has `pattern`, waiting for the queue. */
  async function link(kind: string, to: string, pattern: RegExp, skip = new Set<string>()): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const item = (await outbox()).find((o) => o.kind === kind && o.envelopeTo === to && !skip.has(o.raw));
      const found = item?.raw.match(pattern)?.[0];
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${kind} mail to ${to}`);
  }

  /** Asks for a sign-in link on the sign-in page and follows the one mailed. */
  async function signIn(page: Page, email: string) {
    const before = new Set((await outbox()).map((o) => o.raw));
    await page.goto(appUrl);
    await page.getByRole("textbox").fill(email);
    await page.getByRole("button", { name: /sign-in link|サインイン用リンク/i }).click();
    await page.getByRole("status").waitFor();
    await page.goto(await link("sign-in", email, SIGN_IN_LINK, before));
  }

  return { link, signIn };
}
