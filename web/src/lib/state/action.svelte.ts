/**
 * One user action against the API (create, save, remove…): whether it is running, and the error
 * it ended with, so the view can show that error next to the button that caused it.
 */
import { ApiFailure } from "../api";

export interface ActionError {
  status: number;
  code: string;
  message: string;
}

export function toActionError(e: unknown): ActionError {
  if (e instanceof ApiFailure) return { status: e.status, code: e.code, message: e.message };
  return { status: 0, code: "network", message: e instanceof Error ? e.message : String(e) };
}

export class Action {
  pending = $state(false);
  error = $state<ActionError | null>(null);
  /** Which row the last run was about (a recipient, a domain…), so a row shows only its own error. */
  target = $state<string | null>(null);

  /** Runs `work`; resolves to whether it succeeded (on failure the error is kept for the view). */
  async run(work: () => Promise<unknown>, target: string | null = null): Promise<boolean> {
    this.pending = true;
    this.error = null;
    this.target = target;
    try {
      await work();
      return true;
    } catch (e) {
      this.error = toActionError(e);
      return false;
    } finally {
      this.pending = false;
    }
  }

  /** The error to show for this row, if the last run was about it. */
  errorFor(target: string): ActionError | null {
    return this.target === target ? this.error : null;
  }

  clear() {
    this.error = null;
    this.target = null;
  }
}
