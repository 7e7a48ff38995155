// The UI language and the locale for money and dates. Reactive: screens re-render on change.
// Texts live in one file per area of the UI (core.ts, ...); each exports `en` and `de`.
import * as catalog from "./catalog";
import * as core from "./core";
import * as identity from "./identity";
import * as selling from "./selling";

const en = { ...core.en, ...identity.en, ...catalog.en, ...selling.en, ...selling.reportsEn };
const de: Record<keyof typeof en, string> = {
  ...core.de,
  ...identity.de,
  ...catalog.de,
  ...selling.de,
  ...selling.reportsDe,
};

export type MessageKey = keyof typeof en;
export type Locale = "en" | "de";

const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, de };
export const LOCALES: { id: Locale; label: string }[] = [
  { id: "en", label: "English" },
  { id: "de", label: "Deutsch" },
];

function initialLocale(): Locale {
  const saved = typeof localStorage !== "undefined" ? localStorage.getItem("kassa.locale") : null;
  if (saved === "en" || saved === "de") return saved;
  const nav = typeof navigator !== "undefined" ? navigator.language : "en";
  return nav.toLowerCase().startsWith("de") ? "de" : "en";
}

const state = $state({ locale: initialLocale() });

/** The current UI language. */
export function locale(): Locale {
  return state.locale;
}

/** Switches the UI language and remembers it on this device. */
export function setLocale(l: Locale): void {
  state.locale = l;
  if (typeof localStorage !== "undefined") localStorage.setItem("kassa.locale", l);
  if (typeof document !== "undefined") document.documentElement.lang = l;
}

/** The BCP 47 locale for Intl formatting of money, numbers and dates. */
export function intlLocale(): string {
  return state.locale === "de" ? "de-DE" : "en-GB";
}

/** The text for `key` in the current language, with `{name}` placeholders filled. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[state.locale][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
