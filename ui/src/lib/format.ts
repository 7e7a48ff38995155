// Money and time as people read them: by locale, with the currency, never through floats for arithmetic.
import { intlLocale } from "./i18n/index.svelte";

/** Formats `minor` units of `currency` (with `exponent` decimals) for display. */
export function formatMoney(minor: number, currency: string, exponent: number): string {
  const fmt = new Intl.NumberFormat(intlLocale(), {
    style: "currency",
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // Display only: the division happens at the very edge, after all arithmetic in integers.
  return fmt.format(minor / 10 ** exponent);
}

/** Parses what a person typed ("12,50", "12.5", "12") into minor units, or null if it is not an amount. */
export function parseMoney(text: string, exponent: number): number | null {
  const t = text.trim().replace(/\s/g, "");
  const m = /^(-?)(\d*)(?:[.,](\d*))?$/.exec(t);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return null;
  const frac = m[3] ?? "";
  if (frac.length > exponent) return null;
  const whole = m[2] === "" ? 0 : Number(m[2]);
  const minor = whole * 10 ** exponent + Number(frac.padEnd(exponent, "0") || "0");
  if (!Number.isSafeInteger(minor)) return null;
  return m[1] === "-" ? -minor : minor;
}

/** A date and time in the local time zone. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: "short", timeStyle: "medium" }).format(d);
}

/** A time of day in the local time zone. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(), { timeStyle: "short" }).format(d);
}

/** A calendar date (`YYYY-MM-DD`, as expiry dates are kept) in the person's locale. */
export function formatDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return isoDate;
  // Built from its parts in UTC so no time zone moves the day.
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: "medium", timeZone: "UTC" }).format(d);
}

/** A rate in basis points as `locale` writes a percent: 333 → "3.33 %". */
export function percentOfBp(bp: number, locale: string): string {
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(bp / 100)} %`;
}
