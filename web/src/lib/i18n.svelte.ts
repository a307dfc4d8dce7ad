/** The UI language: the browser's by default, switchable, remembered. */
import { en, type Messages } from "../i18n/en";
import { ja } from "../i18n/ja";

export type Locale = "ja" | "en";
const catalogs: Record<Locale, Messages> = { ja, en };

export function preferredLocale(saved: string | null, languages: readonly string[]): Locale {
  if (saved === "ja" || saved === "en") return saved;
  return languages.some((l) => l.toLowerCase().startsWith("ja")) ? "ja" : "en";
}

class I18n {
  locale = $state<Locale>("en");
  t = $derived(catalogs[this.locale]);

  init(storage: Pick<Storage, "getItem"> | null, languages: readonly string[]) {
    this.locale = preferredLocale(storage?.getItem("locale") ?? null, languages);
  }

  set(locale: Locale, storage?: Pick<Storage, "setItem">) {
    this.locale = locale;
    storage?.setItem("locale", locale);
  }
}

export const i18n = new I18n();
