/**
 * HTML mail made safe to show: sanitised with DOMPurify, then put in a sandboxed iframe whose
 * own Content-Security-Policy forbids scripts and — until the reader allows them — every remote
 * image (tracking pixels would tell the sender the mail was read).
 */
export async function htmlDocument(html: string, allowRemoteImages: boolean): Promise<{ srcdoc: string; hasRemoteImages: boolean }> {
  const { default: DOMPurify } = await import("dompurify");
  const clean = DOMPurify.sanitize(html, { WHOLE_DOCUMENT: false, FORBID_TAGS: ["style", "form", "input", "button"], ADD_ATTR: ["target"] });
  const hasRemoteImages = /<img[^>]+src=["']?https?:/i.test(clean) || /url\(\s*['"]?https?:/i.test(clean);
  const imgSrc = allowRemoteImages ? "img-src data: cid: https: http:" : "img-src data: cid:";
  const csp = `default-src 'none'; ${imgSrc}; style-src 'unsafe-inline'; font-src data:`;
  const srcdoc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><base target="_blank"><style>body{font-family:system-ui,sans-serif;margin:8px;color:#1b1f24;background:#fff}</style></head><body>${clean}</body></html>`;
  return { srcdoc, hasRemoteImages };
}
