/**
 * Writes guarded by a unique index. Routes check "does it exist?" first to answer with a clear
 * code, but two concurrent requests can both pass that check; the index then refuses the second
 * write, and that request must get the same answer as the check gives — not a 500.
 */

/**
 * SQLite reports "UNIQUE constraint failed: <table>.<column>"; D1 wraps it in its own error and
 * drizzle wraps that in a DrizzleQueryError, so the cause chain is walked.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (/UNIQUE constraint failed/.test(e.message)) return true;
  }
  return false;
}

/** Runs a write; a unique-index refusal becomes `taken()` (the check's own 409), anything else propagates. */
export async function unlessTaken<T>(write: PromiseLike<T>, taken: () => Error): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
}
