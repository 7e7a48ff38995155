// The UI language and the locale for money and dates. Reactive: screens re-render on change.
// Texts live in one file per area of the UI (core.ts, ...); each exports `en` and `de`.
import * as admin from "./admin";
import * as bookings from "./bookings";
import * as bookreports from "./bookreports";
import * as catalog from "./catalog";
import * as commissions from "./commissions";
import * as core from "./core";
import * as errors from "./errors";
import * as identity from "./identity";
import * as reports from "./reports";
import * as selling from "./selling";
import * as sync from "./sync";

const en = { ...core.en, ...admin.en, ...errors.en, ...errors.permissionsEn, ...identity.en, ...catalog.en, ...selling.en, ...selling.reportsEn, ...reports.en, ...sync.en, ...bookreports.en, ...bookings.en, ...commissions.en };
const de: Record<keyof typeof en, string> = {
  ...core.de,
  ...admin.de,
  ...errors.de,
  ...errors.permissionsDe,
  ...identity.de,
  ...catalog.de,
  ...selling.de,
  ...selling.reportsDe,
  ...reports.de,
  ...sync.de,
  ...bookreports.de,
  ...bookings.de,
  ...commissions.de,
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

const state = $state({ locale: initialLocale(), person: null as string | null });

/**
 * Who is signed in (null: nobody). The UI language is per person: a person's choice is kept
 * on this device under their id and comes back when they sign in again.
 */
export function setPerson(id: string | null): void {
  if (id === state.person) return;
  state.person = id;
  if (!id || typeof localStorage === "undefined") return;
  const theirs = localStorage.getItem(`kassa.locale.${id}`);
  if ((theirs === "en" || theirs === "de") && theirs !== state.locale) setLocale(theirs);
}

/** The current UI language. */
export function locale(): Locale {
  return state.locale;
}

/** Switches the UI language and remembers it on this device. */
export function setLocale(l: Locale): void {
  state.locale = l;
  if (typeof localStorage !== "undefined") {
    localStorage.setItem("kassa.locale", l);
    if (state.person) localStorage.setItem(`kassa.locale.${state.person}`, l);
  }
  if (typeof document !== "undefined") document.documentElement.lang = l;
}

/** The BCP 47 locale for Intl formatting of money, numbers and dates. */
export function intlLocale(): string {
  return state.locale === "de" ? "de-DE" : "en-GB";
}

/** Whether `locale` has its own text for `key` (not the English fallback). */
export function hasText(l: Locale, key: string): boolean {
  return Object.hasOwn(dictionaries[l], key) && !!dictionaries[l][key as MessageKey];
}

/**
 * The text for `key` in the current language, with `{name}` placeholders filled. A count
 * chooses its words by the language's plural rules (Intl.PluralRules), written as in ICU:
 * `{count, plural, one {# line} other {# lines}}`, where `#` is the count.
 */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[state.locale][key] ?? en[key] ?? key;
  if (!params) return text;
  return plurals(text, params).replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Replaces each `{name, plural, form {text} ...}` block with the form the count needs. */
function plurals(text: string, params: Record<string, string | number>): string {
  const head = /\{(\w+), plural,/g;
  let out = "";
  let from = 0;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    // Read `form {text}` pairs up to the block's closing brace.
    const forms = new Map<string, string>();
    let i = head.lastIndex;
    for (;;) {
      while (text[i] === " ") i++;
      if (text[i] === "}" || i >= text.length) break;
      const open = text.indexOf("{", i);
      const close = text.indexOf("}", open);
      if (open < 0 || close < 0) break;
      forms.set(text.slice(i, open).trim(), text.slice(open + 1, close));
      i = close + 1;
    }
    const n = Number(params[m[1]]);
    const form = forms.get(`=${n}`) ?? forms.get(new Intl.PluralRules(intlLocale()).select(n)) ?? forms.get("other") ?? "";
    out += text.slice(from, m.index) + form.replace(/#/g, new Intl.NumberFormat(intlLocale()).format(n));
    from = i + 1;
    head.lastIndex = from;
  }
  return out + text.slice(from);
}

/**
 * The text for a key made from data (a setting's key, a conflict's kind), or `fallback` when
 * no language has one: a value a newer core sends still reads as something.
 */
export function textOr(key: string, fallback: string, params?: Record<string, string | number>): string {
  const text = t(key as MessageKey, params);
  return text === key ? fallback : text;
}
