/** Who is signed in, and the sign-in / sign-out actions. */
import { ApiFailure, api as defaultApi, type Api, type Me } from "../api";
import { Action } from "./action.svelte";

export class SessionState {
  me = $state<Me | null>(null);
  status = $state<"loading" | "signed-out" | "signed-in">("loading");
  linkSent = $state(false);
  error = $state("");
  /** Signed out because "Remove me" took this member's last public address of the account. */
  removedFromAccount = $state(false);
  /** "Remove me" on one of my own recipient rows. */
  readonly leaving = new Action();

  constructor(private api: Pick<Api, "me" | "requestLink" | "signOut" | "removeMe"> = defaultApi) {}

  async load() {
    try {
      this.me = await this.api.me();
      this.status = "signed-in";
    } catch (e) {
      if (!(e instanceof ApiFailure) || e.status !== 401) this.error = e instanceof Error ? e.message : String(e);
      this.status = "signed-out";
    }
  }

  async requestLink(email: string) {
    this.error = "";
    try {
      await this.api.requestLink(email.trim());
      this.linkSent = true;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * Self-removal from one public address: my row there (and its conversations) goes. A member
   * who was in the account only as a recipient goes with its last row, session included: the
   * 401 that follows is that, not a failure.
   */
  async removeMe(rid: string): Promise<boolean> {
    return this.leaving.run(async () => {
      await this.api.removeMe(rid);
      try {
        this.me = await this.api.me();
      } catch (e) {
        if (!(e instanceof ApiFailure) || e.status !== 401) throw e;
        this.me = null;
        this.status = "signed-out";
        this.removedFromAccount = true;
      }
    }, rid);
  }

  async signOut() {
    await this.api.signOut();
    this.me = null;
    this.status = "signed-out";
    this.linkSent = false;
    this.removedFromAccount = false;
  }
}

export const session = new SessionState();
