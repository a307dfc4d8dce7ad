/** A replaced range of a text: [start, end) becomes `text`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits to a text. */
export function applyEdits(src: string, edits: Edit[]): string {
  if (!edits.length) return src;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = "";
  let cursor = 0;
  for (const edit of sorted) {
    out += src.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return out + src.slice(cursor);
}
