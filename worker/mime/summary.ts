/**
 * What the web UI keeps of a message: its text, its HTML and its attachments' metadata, read
 * from the MIME tree the relay already parsed (no second parse, attachment bytes untouched).
 */
import { headerValue } from "./headers";
import { declaredFileName, type MimeNode } from "./mime-tree";
import { parseStructured } from "./params";
import { partText } from "./part-text";
import type { Source } from "./source";

export interface AttachmentInfo {
  filename: string | null;
  mimeType: string;
  /** Decoded size in bytes (estimated for base64 from its length). */
  size: number;
}

export interface MessageSummary {
  text: string;
  html: string;
  attachments: AttachmentInfo[];
}

function decodedSize(node: MimeNode): number {
  const length = node.end - node.bodyStart;
  return node.encoding === "base64" ? Math.floor((length * 57) / 78) : length;
}

export function summarize(src: Source, root: MimeNode): MessageSummary {
  const summary: MessageSummary = { text: "", html: "", attachments: [] };
  const visit = (node: MimeNode) => {
    if (node.children.length) return node.children.forEach(visit);
    const disposition = parseStructured(headerValue(node.fields, "content-disposition"));
    const type = node.contentType.value;
    const inline = disposition.value !== "attachment" && !node.message;
    if (inline && type === "text/plain" && !summary.text) summary.text = partText(src, node);
    else if (inline && type === "text/html" && !summary.html) summary.html = partText(src, node);
    else if (!type.startsWith("multipart/")) {
      const filename = declaredFileName(node) ?? (node.message ? "message.eml" : null);
      summary.attachments.push({ filename, mimeType: type, size: decodedSize(node) });
    }
  };
  visit(root);
  return summary;
}
