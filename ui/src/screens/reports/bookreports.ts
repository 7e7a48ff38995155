// What the bookings and card payments reports show beside their figures: ages in words, seat
// loads, the share of the offline limit in use, and labels for statuses, tenders and brands.
import { intlLocale, t, type MessageKey } from "../../lib/i18n/index.svelte";

/** An age in minutes in the largest whole unit: 59 → "59 minutes", 150 → "2 hours", 2 days and more in days. */
export function ageText(minutes: number): string {
  const m = Math.max(0, Math.floor(minutes));
  if (m < 60) return t("bookreports.age_minutes", { count: m });
  if (m < 48 * 60) return t("bookreports.age_hours", { count: Math.floor(m / 60) });
  return t("bookreports.age_days", { count: Math.floor(m / (24 * 60)) });
}

/** A seat load in basis points as a percent with at most one decimal: 3333 → 33.3. */
export function loadPercent(bp: number): number {
  return Math.round(bp / 10) / 10;
}

/** A seat load in basis points as the person's locale writes a percent: 3333 → "33.3 %" ("33,3 %" in German). */
export function loadText(bp: number): string {
  return `${new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 1 }).format(loadPercent(bp))} %`;
}

/** A count as the person's locale writes it. */
export function countText(n: number): string {
  return new Intl.NumberFormat(intlLocale()).format(n);
}

export type LoadLevel = "low" | "filling" | "full" | "over";

/** How full a departure is: under half, filling, full, or sold beyond its seats (two tills offline). */
export function loadLevel(bp: number): LoadLevel {
  if (bp > 10_000) return "over";
  if (bp === 10_000) return "full";
  return bp >= 5_000 ? "filling" : "low";
}

/** The share of the offline limit in use, 0 to 100; a limit of zero with anything pending is full. */
export function exposureShare(pendingMinor: number, limitMinor: number): number {
  if (limitMinor <= 0) return pendingMinor > 0 ? 100 : 0;
  return Math.min(100, Math.max(0, Math.round((pendingMinor * 100) / limitMinor)));
}

const STATUSES = ["quote", "held", "confirmed", "paid", "completed", "cancelled", "expired"];

/** A booking status in the person's language (an unknown one as it came). */
export function bookingStatus(status: string): string {
  return STATUSES.includes(status) ? t(`bookreports.status_${status}` as MessageKey) : status;
}

/** A card payment's status in the person's language. */
export function cardStatus(status: string): string {
  return ["captured", "offline_pending", "declined"].includes(status) ? t(`bookreports.card_${status}` as MessageKey) : status;
}

/** A tender in the person's language. */
export function tenderName(tender: string): string {
  return tender === "cash" || tender === "card" ? t(`bookreports.tender_${tender}` as MessageKey) : tender;
}

/** A card brand as recorded, or that none was. */
export function brandName(brand: string | null): string {
  return brand ? brand : t("bookreports.no_brand");
}

/** The sum of `value` over `rows`, to show that rows add up to their total. */
export function sumOf<T>(rows: T[], value: (r: T) => number): number {
  return rows.reduce((n, r) => n + value(r), 0);
}
