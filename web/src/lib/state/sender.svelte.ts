/**
 * Which sender one public address's replies go through: the relay's default, another configured
 * provider, or the customer's own SMTP server. The password is write-only: the API never answers
 * it, so the form asks for it again on every change to SMTP.
 */
import { api as defaultApi, type Api, type Sender, type SenderChoice } from "../api";
import { Action } from "./action.svelte";

export interface SmtpForm {
  host: string;
  port: number | null;
  secure: boolean;
  username: string;
  password: string;
}

/** "default" | a provider | "smtp", as the form's radio buttons name them. */
export type SenderMode = "default" | "provider" | "smtp";

/** The body to PUT, or a reason the form is not complete (checked before asking the server). */
export function senderChoice(mode: SenderMode, provider: string, smtp: SmtpForm): SenderChoice | { missing: string } {
  if (mode === "provider") return provider ? { mailer: provider } : { missing: "provider" };
  const port = Number(smtp.port);
  if (!smtp.host.trim()) return { missing: "host" };
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { missing: "port" };
  if (!smtp.username.trim()) return { missing: "username" };
  if (!smtp.password) return { missing: "password" };
  return { mailer: "smtp", smtp: { host: smtp.host.trim(), port, secure: smtp.secure, username: smtp.username.trim(), password: smtp.password } };
}

export class SenderState {
  addressId = $state<string | null>(null);
  sender = $state<Sender | null>(null);
  readonly loading = new Action();
  readonly saving = new Action();

  constructor(private api: Pick<Api, "sender" | "setSender" | "resetSender"> = defaultApi) {}

  async open(addressId: string) {
    if (this.addressId !== addressId) this.sender = null;
    this.addressId = addressId;
    await this.loading.run(async () => {
      const sender = await this.api.sender(addressId);
      if (this.addressId === addressId) this.sender = sender;
    });
  }

  /** Saves what the form says; an incomplete form is refused here with `missing_<field>`. */
  async submit(mode: SenderMode, provider: string, smtp: SmtpForm): Promise<boolean> {
    if (mode === "default") return this.reset();
    const choice = senderChoice(mode, provider, smtp);
    if ("missing" in choice) {
      // No server message: the translated text for the code says all.
      this.saving.error = { status: 400, code: `missing_${choice.missing}`, message: "" };
      return false;
    }
    return this.save(choice);
  }

  async save(choice: SenderChoice): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.saving.run(async () => {
      this.sender = await this.api.setSender(id, choice);
    });
  }

  async reset(): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.saving.run(async () => {
      this.sender = await this.api.resetSender(id);
    });
  }
}

export const sender = new SenderState();
