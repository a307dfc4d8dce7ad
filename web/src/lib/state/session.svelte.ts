/** Who is signed in, and the sign-in / sign-out actions. */
import { ApiFailure, api as defaultApi, type Api, type Me } from "../api";

export class SessionState {
  me = $state<Me | null>(null);
  status = $state<"loading" | "signed-out" | "signed-in">("loading");
  linkSent = $state(false);
  error = $state("");

  constructor(private api: Pick<Api, "me" | "requestLink" | "signOut"> = defaultApi) {}

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

  async signOut() {
    await this.api.signOut();
    this.me = null;
    this.status = "signed-out";
    this.linkSent = false;
  }
}

export const session = new SessionState();
