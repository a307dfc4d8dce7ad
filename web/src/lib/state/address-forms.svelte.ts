/**
 * The web forms of one public address. The API lists forms account-wide (GET /api/forms, with
 * their snippets); this keeps the ones of the open address and creates new ones.
 */
import { api as defaultApi, type Api, type FormEmbed, type NewForm } from "../api";
import { Action } from "./action.svelte";

export class AddressFormsState {
  address = $state<string | null>(null);
  items = $state<FormEmbed[]>([]);
  readonly loading = new Action();
  readonly creating = new Action();

  constructor(private api: Pick<Api, "forms" | "createForm"> = defaultApi) {}

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
}

export const addressForms = new AddressFormsState();
