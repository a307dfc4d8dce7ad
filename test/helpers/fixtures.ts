import { inject } from "vitest";

/** Bytes of a fixture handed over by global-setup ("own/x.eml", "cases/…", "corpus/…"). */
export function fixture(name: string): Uint8Array {
  const b64 = inject("fixtures")[name];
  if (b64 === undefined) throw new Error(`fixture ${name} not found`);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function fixtureText(name: string): string {
  return new TextDecoder().decode(fixture(name));
}

export function fixtureNames(prefix: string): string[] {
  return Object.keys(inject("fixtures")).filter((n) => n.startsWith(prefix)).sort();
}

/** Non-empty when ../shared is absent: shared-fixture tests skip with this message. */
export const sharedMissing = inject("sharedMissing");
