/** The audit log: who did what, when, from where. */
import { api as defaultApi, type Api, type AuditEntry } from "../api";
import { Action } from "./action.svelte";

export class AuditState {
  items = $state<AuditEntry[]>([]);
  readonly loading = new Action();

  constructor(private api: Pick<Api, "audit"> = defaultApi) {}

  async load() {
    await this.loading.run(async () => {
      this.items = await this.api.audit();
    });
  }
}

export const audit = new AuditState();
