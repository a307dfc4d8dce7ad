/**
 * The web forms of one public address. The API lists forms account-wide (GET /api/forms, with
 * their snippets); this keeps the ones of the open address, creates new ones and deletes them.
 */
import { api as defaultApi, type Api, type FormEmbed, type NewForm } from "../api";
import { Action } from "./action.svelte";

export class AddressFormsState {
  address = $state<string | null>(null);
  items = $state<FormEmbed[]>([]);
  readonly loading = new Action();
  readonly creating = new Action();
  /** Deleting, per form. */
  readonly deleting = new Action();

  constructor(private api: Pick<Api, "forms" | "createForm" | "deleteForm"> = defaultApi) {}

  /** `address` is the public address itself (the form list names addresses, not ids). */
  async open(address: string) {
    if (this.address !== address) this.items = [];
    this.address = address;
    await this.loading.run(async () => {
      const all = await this.api.forms();
      if (this.address === address) this.items = all.filter((f) => f.publicAddress === address);
    });
  }

  async create(addressId: string, form: NewForm): Promise<boolean> {
    const address = this.address;
    if (!address) return false;
    return this.creating.run(async () => {
      await this.api.createForm(addressId, form);
      // The list answers with the snippets, which the create answer lacks.
      this.items = (await this.api.forms()).filter((f) => f.publicAddress === address);
    });
  }

  /** Later posts to the form get 404; the page that embeds it should be changed first. */
  delete(addressId: string, formId: string): Promise<boolean> {
    return this.deleting.run(async () => {
      await this.api.deleteForm(addressId, formId);
      this.items = this.items.filter((f) => f.id !== formId);
    }, formId);
  }
}

export const addressForms = new AddressFormsState();
