/** The account: its plan, this month's usage against the plan's limits, rename and delete. */
import { api as defaultApi, type Account, type Api } from "../api";
import { Action } from "./action.svelte";

export interface UsageBar {
  key: "addresses" | "recipients" | "domains" | "messages";
  used: number;
  /** null: the plan sets no limit. */
  limit: number | null;
  /** 0…1 of the limit (capped), null when unlimited. */
  fraction: number | null;
  /** At or over 90 % of the limit. */
  nearLimit: boolean;
}

export function usageBars(account: Account): UsageBar[] {
  const { plan, usage } = account;
  const rows: [UsageBar["key"], number, number | null][] = [
    ["addresses", usage.addresses, plan.maxAddresses],
    ["recipients", usage.recipients, plan.maxRecipients],
    ["domains", usage.domains, plan.maxDomains],
    ["messages", usage.messages, plan.monthlyMessages],
  ];
  return rows.map(([key, used, limit]) => {
    const fraction = limit === null || limit === undefined ? null : limit === 0 ? 1 : Math.min(1, used / limit);
    return { key, used, limit: limit ?? null, fraction, nearLimit: fraction !== null && fraction >= 0.9 };
  });
}

export class AccountState {
  account = $state<Account | null>(null);
  bars = $derived(this.account ? usageBars(this.account) : []);
  /** The operator's own account (plan `operator`) cannot be deleted: the page offers no button that would only fail. */
  deletable = $derived(this.account !== null && this.account.plan.id !== "operator");
  readonly loading = new Action();
  readonly renaming = new Action();
  readonly deleting = new Action();

  constructor(private api: Pick<Api, "account" | "renameAccount" | "deleteAccount"> = defaultApi) {}

  async load() {
    await this.loading.run(async () => {
      this.account = await this.api.account();
    });
  }

  async rename(name: string): Promise<boolean> {
    return this.renaming.run(async () => {
      const answer = await this.api.renameAccount(name.trim());
      if (this.account) this.account = answer && "plan" in answer ? answer : { ...this.account, name: name.trim() };
    });
  }

  /** The server wants the account's name typed back; the view asks for it. */
  async remove(confirm: string): Promise<boolean> {
    return this.deleting.run(() => this.api.deleteAccount(confirm));
  }
}

export const account = new AccountState();
