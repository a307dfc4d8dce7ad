/**
 * One public address's recipients: mailboxes (invite, resend, remove), rotation ("the set
 * becomes exactly these", previewed before it is sent because removing a recipient deletes their
 * conversations), webhook recipients and systems' API keys. Secrets and keys are shown once:
 * the server never answers them again.
 */
import { api as defaultApi, type Api, type ApiKey, type Recipient } from "../api";
import { Action } from "./action.svelte";

type RecipientsApi = Pick<
  Api,
  "recipients" | "inviteRecipient" | "rotateRecipients" | "removeRecipient" | "resendInvitation" | "addWebhook" | "rotateWebhookSecret" | "keys" | "createKey" | "revokeKey"
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

/** A secret or key the server answered once, for the row it belongs to. */
export interface ShownOnce {
  recipientId: string;
  label: string;
  value: string;
}

export class AddressDetailState {
  addressId = $state<string | null>(null);
  recipients = $state<Recipient[]>([]);
  lastRotation = $state<{ added: number; removed: number; kept: number } | null>(null);
  /** The last webhook secret or API key created: shown until another replaces it. */
  shownOnce = $state<ShownOnce | null>(null);
  /** Each recipient's keys that still work (revoked ones are not shown), by label and id only. */
  keys = $state<Record<string, ApiKey[]>>({});

  readonly loading = new Action();
  readonly inviting = new Action();
  readonly rotating = new Action();
  readonly addingWebhook = new Action();
  /** Remove, resend, new secret, new key and revoke, per recipient row. */
  readonly recipientRow = new Action();

  constructor(private api: RecipientsApi = defaultApi) {}

  /** Rotation concerns mailboxes only: webhooks stay whatever the list says. */
  mailboxes = $derived(this.recipients.filter((r) => r.kind !== "webhook"));
  recipientEmails = $derived(this.mailboxes.map((r) => r.email));

  async open(addressId: string) {
    if (this.addressId !== addressId) {
      this.recipients = [];
      this.lastRotation = null;
      this.shownOnce = null;
      this.keys = {};
    }
    this.addressId = addressId;
    await this.loading.run(async () => {
      const recipients = await this.api.recipients(addressId);
      const lists = await Promise.all(recipients.map((r) => this.api.keys(addressId, r.id)));
      if (this.addressId !== addressId) return;
      this.recipients = recipients;
      this.keys = Object.fromEntries(recipients.map((r, i) => [r.id, lists[i].filter((k) => k.revokedAt === null)]));
    });
  }

  private async reload() {
    if (this.addressId) this.recipients = await this.api.recipients(this.addressId);
  }

  /** Runs `work` with the open address's id; false when none is open. */
  private withAddress(action: Action, work: (id: string) => Promise<unknown>, target: string | null = null): Promise<boolean> {
    const id = this.addressId;
    if (!id) return Promise.resolve(false);
    return action.run(() => work(id), target);
  }

  invite(email: string): Promise<boolean> {
    return this.withAddress(this.inviting, async (id) => {
      await this.api.inviteRecipient(id, email.trim());
      await this.reload();
    });
  }

  resend(rid: string): Promise<boolean> {
    return this.withAddress(this.recipientRow, (id) => this.api.resendInvitation(id, rid), rid);
  }

  removeRecipient(rid: string): Promise<boolean> {
    return this.withAddress(
      this.recipientRow,
      async (id) => {
        await this.api.removeRecipient(id, rid);
        this.recipients = this.recipients.filter((r) => r.id !== rid);
        if (this.shownOnce?.recipientId === rid) this.shownOnce = null;
      },
      rid,
    );
  }

  rotate(text: string): Promise<boolean> {
    const preview = previewRotation(this.recipientEmails, text);
    if (preview.invalid.length || preview.added.length + preview.kept.length === 0) return Promise.resolve(false);
    return this.withAddress(this.rotating, async (id) => {
      this.lastRotation = await this.api.rotateRecipients(id, [...preview.kept, ...preview.added]);
      await this.reload();
    });
  }

  addWebhook(url: string): Promise<boolean> {
    return this.withAddress(this.addingWebhook, async (id) => {
      const created = await this.api.addWebhook(id, url.trim());
      this.shownOnce = { recipientId: created.id, label: "secret", value: created.secret };
      await this.reload();
    });
  }

  /** A new signing secret; the old one stops working at once. */
  rotateSecret(rid: string): Promise<boolean> {
    return this.withAddress(
      this.recipientRow,
      async (id) => {
        const { secret } = await this.api.rotateWebhookSecret(id, rid);
        this.shownOnce = { recipientId: rid, label: "secret", value: secret };
      },
      rid,
    );
  }

  createKey(rid: string, label: string): Promise<boolean> {
    return this.withAddress(
      this.recipientRow,
      async (id) => {
        const key = await this.api.createKey(id, rid, label.trim());
        this.keys = { ...this.keys, [rid]: [...(this.keys[rid] ?? []), { id: key.id, label: key.label, createdAt: Date.now(), revokedAt: null }] };
        this.shownOnce = { recipientId: rid, label: "key", value: key.key };
      },
      rid,
    );
  }

  revokeKey(rid: string, keyId: string): Promise<boolean> {
    return this.withAddress(
      this.recipientRow,
      async (id) => {
        await this.api.revokeKey(id, rid, keyId);
        this.keys = { ...this.keys, [rid]: (this.keys[rid] ?? []).filter((k) => k.id !== keyId) };
        if (this.shownOnce?.recipientId === rid && this.shownOnce.label === "key") this.shownOnce = null;
      },
      rid,
    );
  }
}

export const addressDetail = new AddressDetailState();
