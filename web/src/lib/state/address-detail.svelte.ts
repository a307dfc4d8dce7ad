/**
 * One public address's recipients, web forms and sender rules. Rotation ("the set becomes
 * exactly these") is previewed before it is sent, because removing a recipient deletes their
 * conversations.
 */
import { ApiFailure, api as defaultApi, type Api, type FormEmbed, type NewForm, type Recipient, type SenderRule, type WebForm } from "../api";
import { Action } from "./action.svelte";

type DetailApi = Pick<
  Api,
  "recipients" | "inviteRecipient" | "rotateRecipients" | "removeRecipient" | "resendInvitation" | "addressForms" | "createForm" | "formEmbed" | "senderRules" | "addSenderRule" | "deleteSenderRule"
>;

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

export interface RotationPreview {
  added: string[];
  removed: string[];
  kept: string[];
  /** Lines that are not an address: the rotation is not sent while there are any. */
  invalid: string[];
}

/** What a rotation would do: one address per line (commas and semicolons also separate). */
export function previewRotation(current: readonly string[], text: string): RotationPreview {
  const wanted: string[] = [];
  const invalid: string[] = [];
  for (const part of text.split(/[\n,;]+/)) {
    const email = part.trim().replace(/^<(.*)>$/, "$1");
    if (!email) continue;
    if (!EMAIL.test(email)) invalid.push(email);
    else if (!wanted.some((w) => w.toLowerCase() === email.toLowerCase())) wanted.push(email);
  }
  const has = (list: readonly string[], email: string) => list.some((e) => e.toLowerCase() === email.toLowerCase());
  return {
    added: wanted.filter((e) => !has(current, e)),
    removed: current.filter((e) => !has(wanted, e)),
    kept: current.filter((e) => has(wanted, e)),
    invalid,
  };
}

/** A list the server may not offer yet (404/405): null instead of an error. */
async function optional<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (e) {
    if (e instanceof ApiFailure && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

export class AddressDetailState {
  addressId = $state<string | null>(null);
  recipients = $state<Recipient[]>([]);
  forms = $state<WebForm[]>([]);
  /** False when the server has no form list (older API): the panel then only creates forms. */
  formsListed = $state(true);
  rules = $state<SenderRule[]>([]);
  /** Embed snippets per form id; null when the server offers none (404). */
  embeds = $state<Record<string, FormEmbed | null>>({});
  lastRotation = $state<{ added: number; removed: number; kept: number } | null>(null);

  readonly loading = new Action();
  readonly inviting = new Action();
  readonly rotating = new Action();
  /** Remove and resend, per recipient row. */
  readonly recipientRow = new Action();
  readonly creatingForm = new Action();
  readonly embedding = new Action();
  readonly addingRule = new Action();
  readonly deletingRule = new Action();

  constructor(private api: DetailApi = defaultApi) {}

  recipientEmails = $derived(this.recipients.map((r) => r.email));

  async open(addressId: string) {
    if (this.addressId !== addressId) {
      this.recipients = [];
      this.forms = [];
      this.rules = [];
      this.embeds = {};
      this.lastRotation = null;
    }
    this.addressId = addressId;
    await this.loading.run(async () => {
      const [recipients, forms, rules] = await Promise.all([this.api.recipients(addressId), optional(this.api.addressForms(addressId)), optional(this.api.senderRules(addressId))]);
      if (this.addressId !== addressId) return;
      this.recipients = recipients;
      this.forms = forms ?? [];
      this.formsListed = forms !== null;
      this.rules = rules ?? [];
    });
  }

  private async reloadRecipients() {
    if (this.addressId) this.recipients = await this.api.recipients(this.addressId);
  }

  async invite(email: string): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.inviting.run(async () => {
      await this.api.inviteRecipient(id, email.trim());
      await this.reloadRecipients();
    });
  }

  async resend(rid: string): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.recipientRow.run(() => this.api.resendInvitation(id, rid), rid);
  }

  async removeRecipient(rid: string): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.recipientRow.run(async () => {
      await this.api.removeRecipient(id, rid);
      this.recipients = this.recipients.filter((r) => r.id !== rid);
    }, rid);
  }

  async rotate(text: string): Promise<boolean> {
    const id = this.addressId;
    const preview = previewRotation(this.recipientEmails, text);
    if (!id || preview.invalid.length || preview.added.length + preview.kept.length === 0) return false;
    return this.rotating.run(async () => {
      this.lastRotation = await this.api.rotateRecipients(id, [...preview.kept, ...preview.added]);
      await this.reloadRecipients();
    });
  }

  async createForm(form: NewForm): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.creatingForm.run(async () => {
      const created = await this.api.createForm(id, form);
      this.forms = [...this.forms, created];
    });
  }

  /** Asks for the embed snippets once; a 404 means the server has none: nothing is shown. */
  async loadEmbed(formId: string) {
    const id = this.addressId;
    if (!id || formId in this.embeds) return;
    await this.embedding.run(async () => {
      try {
        this.embeds = { ...this.embeds, [formId]: await this.api.formEmbed(id, formId) };
      } catch (e) {
        if (e instanceof ApiFailure && e.status === 404) this.embeds = { ...this.embeds, [formId]: null };
        else throw e;
      }
    }, formId);
  }

  async addRule(kind: SenderRule["kind"], pattern: string): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.addingRule.run(async () => {
      const rule = await this.api.addSenderRule(id, kind, pattern.trim());
      this.rules = [...this.rules, rule];
    });
  }

  async deleteRule(ruleId: string): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.deletingRule.run(async () => {
      await this.api.deleteSenderRule(id, ruleId);
      this.rules = this.rules.filter((r) => r.id !== ruleId);
    }, ruleId);
  }
}

export const addressDetail = new AddressDetailState();
