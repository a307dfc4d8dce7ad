/** The account's public addresses: list, create, change settings, delete. */
import { api as defaultApi, type AddressPatch, type Api, type PublicAddress } from "../api";
import { Action } from "./action.svelte";

type AddressApi = Pick<Api, "addresses" | "createAddress" | "updateAddress" | "deleteAddress">;

export class AddressesState {
  items = $state<PublicAddress[]>([]);
  loaded = $state(false);
  readonly loading = new Action();
  readonly creating = new Action();
  readonly saving = new Action();
  readonly deleting = new Action();

  constructor(private api: AddressApi = defaultApi) {}

  byId(id: string | null): PublicAddress | undefined {
    return this.items.find((a) => a.id === id);
  }

  async load() {
    await this.loading.run(async () => {
      this.items = await this.api.addresses();
      this.loaded = true;
    });
  }

  async create(address: string, displayName: string): Promise<PublicAddress | null> {
    let created: PublicAddress | null = null;
    await this.creating.run(async () => {
      created = await this.api.createAddress(address.trim(), displayName.trim());
      this.items = [...this.items, created];
    });
    return created;
  }

  /**
   * Sends only what changed; the server's answer replaces the row except its recipient count,
   * which PATCH does not compute (it answers 0).
   */
  async update(id: string, patch: AddressPatch): Promise<boolean> {
    const current = this.byId(id);
    const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => current?.[k as keyof PublicAddress] !== v)) as AddressPatch;
    if (!Object.keys(changed).length) return true;
    return this.saving.run(async () => {
      const row = await this.api.updateAddress(id, changed);
      this.items = this.items.map((a) => (a.id === id ? { ...a, ...row, recipientCount: a.recipientCount } : a));
    }, id);
  }

  async setStatus(id: string, status: PublicAddress["status"]): Promise<boolean> {
    return this.update(id, { status });
  }

  async remove(id: string): Promise<boolean> {
    return this.deleting.run(async () => {
      await this.api.deleteAddress(id);
      this.items = this.items.filter((a) => a.id !== id);
    }, id);
  }

  /** After the recipients of one address changed. */
  setRecipientCount(id: string, count: number) {
    const row = this.byId(id);
    if (row) row.recipientCount = count;
  }
}

export const addresses = new AddressesState();
