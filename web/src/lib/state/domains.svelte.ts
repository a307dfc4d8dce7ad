/** Custom domains: the DNS records to set, verification ("check now"), add and delete. */
import { api as defaultApi, type Api, type Domain } from "../api";
import { Action } from "./action.svelte";

export class DomainsState {
  /** The relay's own domains, usable by every account without DNS work. */
  serviceDomains = $state<string[]>([]);
  items = $state<Domain[]>([]);
  loaded = $state(false);
  readonly loading = new Action();
  readonly adding = new Action();
  readonly verifying = new Action();
  readonly deleting = new Action();

  /** Every domain a public address may be created on now. */
  usable = $derived([...this.serviceDomains, ...this.items.filter((d) => d.verified).map((d) => d.name)]);

  constructor(private api: Pick<Api, "domains" | "addDomain" | "verifyDomain" | "deleteDomain"> = defaultApi) {}

  async load() {
    await this.loading.run(async () => {
      const answer = await this.api.domains();
      this.serviceDomains = answer.serviceDomains;
      this.items = answer.domains;
      this.loaded = true;
    });
  }

  async add(name: string): Promise<boolean> {
    return this.adding.run(async () => {
      const domain = await this.api.addDomain(name.trim().toLowerCase().replace(/\.$/, ""));
      this.items = [...this.items, domain];
    });
  }

  private replace(domain: Domain) {
    this.items = this.items.map((d) => (d.id === domain.id ? domain : d));
  }

  /** "Check now": a 422 (verification_failed) is shown on the domain's row. */
  async verify(id: string): Promise<boolean> {
    return this.verifying.run(async () => this.replace(await this.api.verifyDomain(id)), id);
  }

  async remove(id: string): Promise<boolean> {
    return this.deleting.run(async () => {
      await this.api.deleteDomain(id);
      this.items = this.items.filter((d) => d.id !== id);
    }, id);
  }
}

export const domains = new DomainsState();
