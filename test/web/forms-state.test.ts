import { describe, expect, it, vi } from "vitest";
import { ApiFailure, type FormEmbed } from "../../web/src/lib/api";
import { FormsState } from "../../web/src/lib/state/forms.svelte";

function form(id: string): FormEmbed {
  return { id, name: `Form ${id}`, publicAddress: "info@relay.example.jp", publicName: "Desk", allowedOrigins: [], confirmSubmitter: true, turnstile: false, postUrl: `https://relay.example.jp/f/${id}`, html: `<form action="https://relay.example.jp/f/${id}"></form>`, fetch: `fetch("https://relay.example.jp/f/${id}")` };
}

describe("FormsState", () => {
  it("loads the forms and copies the snippet asked for", async () => {
    const state = new FormsState({ forms: vi.fn(async () => [form("a"), form("b")]) });
    await state.load();
    expect([state.status, state.items.map((f) => f.id)]).toEqual(["ready", ["a", "b"]]);
    const writeText = vi.fn(async () => {});
    await state.copy("b", "fetch", { writeText });
    expect(writeText).toHaveBeenCalledWith(`fetch("https://relay.example.jp/f/b")`);
    expect([state.copied, state.copyFailed]).toEqual(["b:fetch", false]);
    await state.copy("a", "html", { writeText });
    expect(writeText).toHaveBeenLastCalledWith(`<form action="https://relay.example.jp/f/a"></form>`);
    expect(state.copied).toBe("a:html");
  });

  it("says so when the clipboard refuses, and shows the API's error", async () => {
    const state = new FormsState({ forms: vi.fn(async () => [form("a")]) });
    await state.load();
    await state.copy("a", "html", { writeText: vi.fn(async () => Promise.reject(new Error("denied"))) });
    expect([state.copied, state.copyFailed]).toEqual(["", true]);
    const failing = new FormsState({ forms: vi.fn(async () => Promise.reject(new ApiFailure(401, "unauthorized", "Sign in first"))) });
    await failing.load();
    expect([failing.status, failing.error, failing.items]).toEqual(["ready", "Sign in first", []]);
  });
});
