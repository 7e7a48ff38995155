// Report periods: the presets a manager picks from, as business dates (YYYY-MM-DD).

export type Preset = "today" | "yesterday" | "this_week" | "last_week" | "this_month" | "last_month" | "custom";
export const PRESETS: Preset[] = ["today", "yesterday", "this_week", "last_week", "this_month", "last_month", "custom"];

export interface Range {
  from: string;
  to: string;
}

function iso(d: Date): string {
  const m = String(d.getMonth() + 1).padStart(2, "0");
  const day = String(d.getDate()).padStart(2, "0");
  return `${d.getFullYear()}-${m}-${day}`;
}

function addDays(d: Date, n: number): Date {
  const x = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  x.setDate(x.getDate() + n);
  return x;
}

/** The dates of a preset on `today` (weeks start on Monday, as ISO weeks do). */
export function presetRange(p: Exclude<Preset, "custom">, today: Date): Range {
  const monday = addDays(today, -((today.getDay() + 6) % 7));
  switch (p) {
    case "today":
      return { from: iso(today), to: iso(today) };
    case "yesterday":
      return { from: iso(addDays(today, -1)), to: iso(addDays(today, -1)) };
    case "this_week":
      return { from: iso(monday), to: iso(today) };
    case "last_week":
      return { from: iso(addDays(monday, -7)), to: iso(addDays(monday, -1)) };
    case "this_month":
      return { from: iso(new Date(today.getFullYear(), today.getMonth(), 1)), to: iso(today) };
    case "last_month":
      return {
        from: iso(new Date(today.getFullYear(), today.getMonth() - 1, 1)),
        to: iso(new Date(today.getFullYear(), today.getMonth(), 0)),
      };
  }
}

function parse(s: string): Date {
  const [y, m, d] = s.split("-").map(Number);
  return new Date(y, m - 1, d);
}

/** The period of the same length just before `r`. */
export function previousRange(r: Range): Range {
  const from = parse(r.from);
  const to = parse(r.to);
  const days = Math.round((to.getTime() - from.getTime()) / 86_400_000) + 1;
  return { from: iso(addDays(from, -days)), to: iso(addDays(from, -1)) };
}
