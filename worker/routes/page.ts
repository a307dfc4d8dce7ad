import type { Context } from "hono";
import type { AppEnv } from "./app-env";

/** The few plain pages the worker answers itself (confirmations, thanks), in Japanese and English. */
export function simplePage(title: string, paragraphs: string[], button?: { label: string; postTo: string }): string {
  const escape = (t: string) => t.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const form = button ? `<form method="post" action="${escape(button.postTo)}"><button type="submit" style="font:inherit;padding:.5rem 1rem">${escape(button.label)}</button></form>` : "";
  return `<!doctype html><html lang="ja"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem"><h1>${escape(title)}</h1>${paragraphs.map((p) => `<p>${escape(p)}</p>`).join("")}${form}</body></html>`;
}

/** A script asks for JSON; a person following a link or pressing a button does not. */
export function wantsJson(c: Context<AppEnv>): boolean {
  return (c.req.header("accept") ?? "").includes("application/json");
}

/** A used, expired or unknown link from a mail: a ja/en page for people, the JSON error for scripts. */
export function invalidLink(c: Context<AppEnv>, message: { en: string; ja: string }) {
  if (wantsJson(c)) return c.json({ error: { code: "invalid_token", message: message.en } }, 404);
  return c.html(simplePage("Link not valid / リンクが無効です", [`${message.en}.`, message.ja]), 404);
}
