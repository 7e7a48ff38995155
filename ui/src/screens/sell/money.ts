// Money in the store's currency, for the selling screens.
import type { AppState } from "../../lib/app.svelte";
import { formatMoney } from "../../lib/format";

export function storeMoney(app: AppState): (minor: number) => string {
  const currency = app.status?.store?.currency ?? "EUR";
  const exponent = app.status?.store?.currency_exponent ?? 2;
  return (minor: number) => formatMoney(minor, currency, exponent);
}

/** Percent text for basis points: 1900 → "19 %". */
export function rate(bp: number): string {
  return `${(bp / 100).toLocaleString(undefined, { maximumFractionDigits: 2 })} %`;
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
