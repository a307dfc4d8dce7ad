/** The account's users (owner only): invite with a role, change a role, remove. */
import { api as defaultApi, type Api, type Role, type User } from "../api";
import { Action } from "./action.svelte";

export const ROLES: Role[] = ["owner", "admin", "member"];

export class UsersState {
  items = $state<User[]>([]);
  readonly loading = new Action();
  readonly inviting = new Action();
  /** Role changes and removals, per user row (409 last_owner shows on that row). */
  readonly row = new Action();

  constructor(private api: Pick<Api, "users" | "inviteUser" | "changeRole" | "removeUser"> = defaultApi) {}

  async load() {
    await this.loading.run(async () => {
      this.items = await this.api.users();
    });
  }

  async invite(email: string, role: Role): Promise<boolean> {
    return this.inviting.run(async () => {
      await this.api.inviteUser(email.trim(), role);
      this.items = await this.api.users();
    });
  }

  async changeRole(id: string, role: Role): Promise<boolean> {
    return this.row.run(async () => {
      await this.api.changeRole(id, role);
      this.items = this.items.map((u) => (u.id === id ? { ...u, role } : u));
    }, id);
  }

  async remove(id: string): Promise<boolean> {
    return this.row.run(async () => {
      await this.api.removeUser(id);
      this.items = this.items.filter((u) => u.id !== id);
    }, id);
  }
}

export const users = new UsersState();
