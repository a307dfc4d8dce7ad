/** The few plain pages the worker answers itself (confirmations, thanks), in Japanese and English. */
export function simplePage(title: string, paragraphs: string[], button?: { label: string; postTo: string }): string {
  const escape = (t: string) => t.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const form = button ? `<form method="post" action="${escape(button.postTo)}"><button type="submit" style="font:inherit;padding:.5rem 1rem">${escape(button.label)}</button></form>` : "";
  return `<!doctype html><html lang="ja"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem"><h1>${escape(title)}</h1>${paragraphs.map((p) => `<p>${escape(p)}</p>`).join("")}${form}</body></html>`;
}
