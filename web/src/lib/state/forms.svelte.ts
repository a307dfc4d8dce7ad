/** The forms page: the caller's web forms with their embed snippets, and copying one. */
import { api as defaultApi, type Api, type FormEmbed } from "../api";

export class FormsState {
  items = $state<FormEmbed[]>([]);
  status = $state<"idle" | "loading" | "ready">("idle");
  error = $state("");
  /** Which snippet was copied last ("<formId>:html" | "<formId>:fetch"), for the button's label. */
  copied = $state("");
  copyFailed = $state(false);

  constructor(private api: Pick<Api, "forms"> = defaultApi) {}

  async load() {
    this.status = "loading";
    this.error = "";
    try {
      this.items = await this.api.forms();
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.status = "ready";
  }

  /** Copies a snippet; without clipboard permission the text stays selectable on the page. */
  async copy(formId: string, which: "html" | "fetch", clipboard: Pick<Clipboard, "writeText"> | undefined = globalThis.navigator?.clipboard) {
    const form = this.items.find((f) => f.id === formId);
    if (!form) return;
    try {
      if (!clipboard) throw new Error("no clipboard");
      await clipboard.writeText(form[which]);
      this.copied = `${formId}:${which}`;
      this.copyFailed = false;
    } catch {
      this.copied = "";
      this.copyFailed = true;
    }
  }
}

export const formsState = new FormsState();
