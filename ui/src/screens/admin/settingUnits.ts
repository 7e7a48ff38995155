// How a whole-number setting reads for a manager: money in the store's currency (kept in minor
// units), a rate as a percent (kept in basis points), anything else as the number itself.
// Integers only: what is typed is parsed digit by digit, never through a float.
import { formatMoney, parseMoney, percentOfBp } from "../../lib/format";
import type { SettingUnitDto } from "../../lib/api/bindings/SettingUnitDto";

export interface Money {
  currency: string;
  exponent: number;
}

/** The decimal mark `locale` writes ("." or ","). */
function decimalMark(locale: string): string {
  return new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === "decimal")?.value ?? ".";
}

/** `value` (an integer with `exponent` implied decimals) as plain digits, e.g. 15000, 2 → "150.00". */
function fixed(value: number, exponent: number, mark: string, trim: boolean): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  const scale = 10 ** exponent;
  const whole = Math.floor(abs / scale);
  let frac = exponent > 0 ? String(abs % scale).padStart(exponent, "0") : "";
  if (trim) frac = frac.replace(/0+$/, "");
  return frac === "" ? `${sign}${whole}` : `${sign}${whole}${mark}${frac}`;
}

/** What the input shows for a stored value: "150,00" for 15000 cents in German, "12.5" for 1250 bp. */
export function draftOf(value: number, unit: SettingUnitDto | null, money: Money, locale: string): string {
  if (unit === "money") return fixed(value, money.exponent, decimalMark(locale), false);
  if (unit === "basis_points") return fixed(value, 2, decimalMark(locale), true);
  return String(value);
}

/** The stored integer for what was typed, or null when it is not a number of that unit. */
export function valueOf(draft: string, unit: SettingUnitDto | null, money: Money): number | null {
  const text = String(draft);
  if (unit === "money") return parseMoney(text, money.exponent);
  if (unit === "basis_points") return parseMoney(text.replace(/%\s*$/, ""), 2);
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** A stored value as people read it: "150,00 €", "10 %", "30". */
export function shownValue(value: number, unit: SettingUnitDto | null, money: Money, locale: string): string {
  if (unit === "money") return formatMoney(value, money.currency, money.exponent);
  if (unit === "basis_points") return percentOfBp(value, locale);
  return new Intl.NumberFormat(locale).format(value);
}
