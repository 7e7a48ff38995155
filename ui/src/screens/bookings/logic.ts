// The Bookings screen's pure rules: days of departures, which actions a booking offers, the
// payment to suggest, and the texts a new trip's deposit and cancellation policy are sent as.
import type { DepartureDto } from "../../lib/api/bindings/DepartureDto";
import type { TravellerIssueDto } from "../../lib/api/bindings/TravellerIssueDto";
import { parseMoney } from "../../lib/format";

export const TRAVELLER_TYPES = ["adult", "child", "senior"] as const;
export type TravellerType = (typeof TRAVELLER_TYPES)[number];

export const STATUSES = ["quote", "held", "confirmed", "paid", "completed", "cancelled", "expired"] as const;

/** The calendar day (`YYYY-MM-DD`) an instant falls on in `timeZone`. */
export function localDay(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso.slice(0, 10);
  try {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(d);
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
    return `${get("year")}-${get("month")}-${get("day")}`;
  } catch {
    return iso.slice(0, 10);
  }
}

/** Departures grouped by the day they leave (in their own time zone), days in order. */
export function byDay(departures: DepartureDto[]): { day: string; departures: DepartureDto[] }[] {
  const days = new Map<string, DepartureDto[]>();
  for (const d of [...departures].sort((a, b) => a.departs_at.localeCompare(b.departs_at))) {
    const day = localDay(d.departs_at, d.time_zone);
    days.set(day, [...(days.get(day) ?? []), d]);
  }
  return [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, departures]) => ({ day, departures }));
}

/** What the checks said about one field of one traveller, if anything. */
export function issueFor(issues: TravellerIssueDto[], index: number, field: string): string | null {
  return issues.find((i) => i.index === index && i.field === field)?.message ?? null;
}

export type BookingAction = "pay" | "hold" | "amend" | "cancel" | "complete";

/**
 * Whether a held booking's hold is past its time at `now` (ms): its seats count for nobody,
 * though the device that made it marks it expired only at its next booking or expiry run.
 */
export function holdLapsed(b: { status: string; hold_expires_at: string | null }, now: number): boolean {
  return b.status === "held" && !!b.hold_expires_at && Date.parse(b.hold_expires_at) <= now;
}

/** The lifecycle actions a booking in `status` with `balance` still owed offers (a lapsed hold: only cancelling). */
export function actionsFor(status: string, balance: number, lapsed = false): BookingAction[] {
  if (lapsed) return ["cancel"];
  switch (status) {
    case "quote":
      return ["hold", "amend", "cancel"];
    case "held":
    case "confirmed":
      return balance > 0 ? ["pay", "amend", "cancel"] : ["amend", "cancel"];
    case "paid":
      return ["complete", "amend", "cancel"];
    default:
      return [];
  }
}

/** The payment to offer first: what is left of the deposit, else the whole balance. */
export function suggestedPayment(b: { deposit_minor: number; paid_minor: number; balance_minor: number }): number {
  const deposit = b.deposit_minor - b.paid_minor;
  return deposit > 0 ? Math.min(deposit, b.balance_minor) : Math.max(b.balance_minor, 0);
}

/** A deposit rule as the core reads it: `30%` or a fixed amount in minor units; null if not valid. */
export function depositRule(kind: "percent" | "fixed", text: string, exponent: number): string | null {
  if (kind === "percent") {
    const t = text.trim().replace(",", ".");
    if (!/^\d{1,3}(\.\d{1,2})?$/.test(t) || Number(t) > 100) return null;
    return `${t}%`;
  }
  const minor = parseMoney(text, exponent);
  return minor === null || minor < 0 ? null : String(minor);
}


/** One row of a cancellation policy: from `days` before departure, a fee of `percent` % or `fixedMinor`. */
export interface PolicyTier {
  days: number;
  percent: number | null;
  fixedMinor: number | null;
}

/**
 * The rows of a policy as the core writes it (`0:100%,10:50%,30:25%,60:0`), earliest first
 * (most days before departure): what a person reads. A row the core would not write is left out.
 */
export function policyTiers(text: string): PolicyTier[] {
  const tiers: PolicyTier[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p)) {
    const m = /^(\d+):(?:(\d{1,3}(?:\.\d{1,2})?)%|(\d+))$/.exec(part);
    if (!m) continue;
    tiers.push({ days: Number(m[1]), percent: m[2] !== undefined ? Number(m[2]) : null, fixedMinor: m[3] !== undefined ? Number(m[3]) : null });
  }
  return tiers.sort((a, b) => b.days - a.days);
}

/** A row of the terms editor: a percent fee people type, or a fixed fee (minor units) kept as it was. */
export interface TermsRow {
  days: string;
  percent: string;
  fixedMinor: number | null;
}

/** The editor's rows for a policy's tiers, earliest first. */
export function termsRows(tiers: PolicyTier[]): TermsRow[] {
  // A fixed fee of nothing is free either way: it is edited as 0 %.
  return tiers.map((tier) => ({
    days: String(tier.days),
    percent: tier.percent !== null ? String(tier.percent) : tier.fixedMinor === 0 ? "0" : "",
    fixedMinor: tier.fixedMinor === 0 ? null : tier.fixedMinor,
  }));
}

/** Terms as the core keeps them (a trip's, or the store's booking policy). */
export interface KeptTerms {
  deposit_kind: string;
  deposit_value: number;
  balance_due_days: number;
  cancellation_policy: string;
  hold_minutes: number;
}

/** What a terms form shows for kept terms: the deposit as people type it, the numbers as text, the fee rows. */
export function termsFields(terms: KeptTerms, exponent: number) {
  const fixed = terms.deposit_kind === "fixed";
  return {
    depositKind: (fixed ? "fixed" : "percent") as "percent" | "fixed",
    deposit: fixed ? (terms.deposit_value / 10 ** exponent).toFixed(exponent) : String(terms.deposit_value / 100),
    balanceDays: String(terms.balance_due_days),
    holdMinutes: String(terms.hold_minutes),
    rows: termsRows(policyTiers(terms.cancellation_policy)),
  };
}

/**
 * The editor's rows as the core reads them (`60:0%,30:25%,0:100%`, a fixed fee as minor units);
 * null if a row is not valid, two rows share a day, or no row covers the day of departure (0).
 */
export function termsText(rows: TermsRow[]): string | null {
  const parsed: [number, string][] = [];
  for (const r of rows) {
    // A number field binds a number (or null when empty); a text field, text.
    const d = String(r.days ?? "").trim();
    if (!/^\d{1,4}$/.test(d)) return null;
    if (r.fixedMinor !== null) {
      parsed.push([Number(d), String(r.fixedMinor)]);
      continue;
    }
    const p = String(r.percent ?? "").trim().replace(",", ".");
    if (!/^\d{1,3}(\.\d{1,2})?$/.test(p) || Number(p) > 100) return null;
    parsed.push([Number(d), `${p}%`]);
  }
  const days = new Set(parsed.map(([d]) => d));
  if (days.size !== parsed.length || !days.has(0)) return null;
  return parsed
    .sort(([a], [b]) => b - a)
    .map(([d, fee]) => `${d}:${fee}`)
    .join(",");
}

/** The offset of `timeZone` from UTC at instant `ms`, in minutes (Berlin in summer: 120). */
function offsetMinutes(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? "0");
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return Math.round((asUtc - Math.floor(ms / 60_000) * 60_000) / 60_000);
}

/**
 * A local date and time in `timeZone` as RFC 3339 with that zone's offset then
 * (`2026-07-10`, `06:00`, `Europe/Berlin` → `2026-07-10T06:00:00+02:00`); null if not valid.
 */
export function zonedTime(date: string, time: string, timeZone: string): string | null {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const tm = /^(\d{2}):(\d{2})$/.exec(time.trim());
  if (!dm || !tm) return null;
  const local = Date.UTC(Number(dm[1]), Number(dm[2]) - 1, Number(dm[3]), Number(tm[1]), Number(tm[2]));
  if (Number.isNaN(local) || Number(tm[1]) > 23 || Number(tm[2]) > 59) return null;
  let offset: number;
  try {
    offset = offsetMinutes(local, timeZone);
    offset = offsetMinutes(local - offset * 60_000, timeZone);
  } catch {
    return null;
  }
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${date.trim()}T${time.trim()}:00${sign}${hh}:${mm}`;
}

/** A departure's time as people there read it: in its own time zone, in the person's locale. */
export function departureTime(iso: string, timeZone: string, locale: string, withDate = true): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const style: Intl.DateTimeFormatOptions = withDate ? { dateStyle: "medium", timeStyle: "short" } : { timeStyle: "short" };
  try {
    return new Intl.DateTimeFormat(locale, { ...style, timeZone }).format(d);
  } catch {
    return new Intl.DateTimeFormat(locale, style).format(d);
  }
}

/** A card as the terminal reported it, for a payment's line: `VISA •••• 4242`, or `""`. */
export function cardLabel(p: { card_brand: string | null; card_last4: string | null }): string {
  const brand = (p.card_brand ?? "").trim().toUpperCase();
  const last4 = (p.card_last4 ?? "").trim();
  return [brand, last4 ? `•••• ${last4}` : ""].filter(Boolean).join(" ");
}
