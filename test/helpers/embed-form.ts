/**
 * Reads an embed snippet's HTML form the way a browser would submit it, with workerd's own HTML
 * parser (HTMLRewriter): the action, the method and every named control.
 */
export interface ParsedForm {
  action: string;
  method: string;
  controls: { name: string; type: string; required: boolean }[];
  turnstileSiteKey: string | null;
  scripts: string[];
}

export async function parseEmbedForm(html: string): Promise<ParsedForm> {
  const form: ParsedForm = { action: "", method: "get", controls: [], turnstileSiteKey: null, scripts: [] };
  const control = (type: (e: Element) => string) => ({
    element(e: Element) {
      form.controls.push({ name: e.getAttribute("name") ?? "", type: type(e), required: e.hasAttribute("required") });
    },
  });
  await new HTMLRewriter()
    .on("form", { element: (e) => void ((form.action = e.getAttribute("action") ?? ""), (form.method = (e.getAttribute("method") ?? "get").toLowerCase())) })
    .on("input[name]", control((e) => e.getAttribute("type") ?? "text"))
    .on("textarea[name]", control(() => "textarea"))
    .on(".cf-turnstile", { element: (e) => void (form.turnstileSiteKey = e.getAttribute("data-sitekey")) })
    .on("script[src]", { element: (e) => void form.scripts.push(e.getAttribute("src")!) })
    .transform(new Response(html))
    .text();
  return form;
}
