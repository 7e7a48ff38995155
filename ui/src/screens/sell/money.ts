// Money in the store's currency, for the selling screens.
import type { AppState } from "../../lib/app.svelte";
import { formatMoney } from "../../lib/format";
import { intlLocale } from "../../lib/i18n/index.svelte";

export function storeMoney(app: AppState): (minor: number) => string {
  const currency = app.status?.store?.currency ?? "EUR";
  const exponent = app.status?.store?.currency_exponent ?? 2;
  return (minor: number) => formatMoney(minor, currency, exponent);
}

/** Percent text for basis points in the person's locale: 1900 → "19 %", 750 → "7,5 %" in German. */
export function rate(bp: number): string {
  return `${new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 2 }).format(bp / 100)} %`;
}

/** The next note amounts at or above `due`, for quick cash buttons. */
export function quickCash(due: number, denominations: number[]): number[] {
  const notes = [...denominations].filter((d) => d >= 500).sort((a, b) => a - b);
  const out = new Set<number>();
  for (const n of notes) {
    const up = Math.ceil(due / n) * n;
    if (up > due) out.add(up);
    if (out.size >= 3) break;
  }
  return [...out].sort((a, b) => a - b).slice(0, 3);
}
