/** One public address's sender allow/block rules. */
import { api as defaultApi, type Api, type SenderRule } from "../api";
import { Action } from "./action.svelte";

export class SenderRulesState {
  addressId = $state<string | null>(null);
  items = $state<SenderRule[]>([]);
  readonly loading = new Action();
  readonly adding = new Action();
  readonly deleting = new Action();

  constructor(private api: Pick<Api, "senderRules" | "addSenderRule" | "deleteSenderRule"> = defaultApi) {}

  async open(addressId: string) {
    if (this.addressId !== addressId) this.items = [];
    this.addressId = addressId;
    await this.loading.run(async () => {
      const rules = await this.api.senderRules(addressId);
      if (this.addressId === addressId) this.items = rules;
    });
  }

  async add(kind: SenderRule["kind"], pattern: string): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.adding.run(async () => {
      const rule = await this.api.addSenderRule(id, kind, pattern.trim());
      this.items = [...this.items, rule];
    });
  }

  async remove(ruleId: string): Promise<boolean> {
    const id = this.addressId;
    if (!id) return false;
    return this.deleting.run(async () => {
      await this.api.deleteSenderRule(id, ruleId);
      this.items = this.items.filter((r) => r.id !== ruleId);
    }, ruleId);
  }
}

export const senderRules = new SenderRulesState();
