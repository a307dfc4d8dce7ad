/**
 * Which page is shown, from the URL's hash (#/addresses/abc), limited to what the role may see:
 * a member sees the inbox and their own addresses; admins also manage the account; only an
 * owner manages users. The server enforces the same rules — this only keeps the UI honest.
 */
import type { Role } from "../api";

export const PAGES = ["inbox", "me", "forms", "addresses", "domains", "audit", "account", "users"] as const;
export type Page = (typeof PAGES)[number];

const MEMBER: Page[] = ["inbox", "me", "forms"];
const ADMIN: Page[] = ["inbox", "me", "forms", "addresses", "domains", "audit", "account"];
const OWNER: Page[] = [...ADMIN, "users"];

export function pagesFor(role: Role | string | undefined): Page[] {
  if (role === "owner") return OWNER;
  if (role === "admin") return ADMIN;
  return MEMBER;
}

export interface Route {
  page: Page;
  /** The public address opened under #/addresses/:id. */
  addressId: string | null;
}

/** "#/addresses/abc" → {page: "addresses", addressId: "abc"}; anything not allowed → the inbox. */
export function parseRoute(hash: string, role: Role | string | undefined): Route {
  const [page, id] = hash.replace(/^#\/?/, "").split("/");
  const allowed = pagesFor(role);
  if (!allowed.includes(page as Page)) return { page: "inbox", addressId: null };
  return { page: page as Page, addressId: page === "addresses" && id ? decodeURIComponent(id) : null };
}

export function hrefFor(page: Page, addressId?: string): string {
  return addressId ? `#/${page}/${encodeURIComponent(addressId)}` : `#/${page}`;
}

export class NavState {
  page = $state<Page>("inbox");
  addressId = $state<string | null>(null);

  /** Follows the hash (on load and on every hashchange). */
  follow(hash: string, role: Role | string | undefined) {
    const route = parseRoute(hash, role);
    this.page = route.page;
    this.addressId = route.addressId;
  }
}

export const nav = new NavState();
