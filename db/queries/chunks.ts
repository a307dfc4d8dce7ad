/** D1 binds at most 100 parameters per statement: split lists so each statement stays under. */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows per multi-row INSERT for a table with `columns` bound values per row. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.floor(99 / columns));
}
