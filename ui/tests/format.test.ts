import { describe, expect, it } from "vitest";
import { formatDateTime, formatMoney, formatTime, parseMoney } from "../src/lib/format";
import { rate } from "../src/screens/sell/money";
import { setLocale, t } from "../src/lib/i18n/index.svelte";

describe("money", () => {
  it("parses what people type into exact minor units", () => {
    expect(parseMoney("12,50", 2)).toBe(1250);
    expect(parseMoney("12.5", 2)).toBe(1250);
    expect(parseMoney("12", 2)).toBe(1200);
    expect(parseMoney("0.07", 2)).toBe(7);
    expect(parseMoney("-3", 2)).toBe(-300);
    expect(parseMoney("1.234", 2)).toBeNull();
    expect(parseMoney("abc", 2)).toBeNull();
    expect(parseMoney("", 2)).toBeNull();
    expect(parseMoney("5", 0)).toBe(5);
  });

  it("formats by locale with the currency", () => {
    setLocale("de");
    expect(formatMoney(123456, "EUR", 2)).toMatch(/1\.234,56\s€/);
    setLocale("en");
    expect(formatMoney(-500, "CHF", 2)).toMatch(/-CHF\s?5\.00|CHF\s?-5\.00/);
    expect(formatMoney(1500, "JPY", 0)).toMatch(/1,500/);
  });
});

describe("rates, times and dates", () => {
  it("follow the chosen language, not the system's", () => {
    setLocale("de");
    expect(rate(750)).toBe("7,5 %");
    expect(rate(1900)).toBe("19 %");
    // A parked cart's time and a past order's date, as the Sell screen and the returns dialog show them.
    expect(formatTime("2026-03-05T14:07:00")).toBe("14:07");
    expect(formatDateTime("2026-03-05T14:07:09")).toBe("05.03.26, 14:07:09");
    setLocale("en");
    expect(rate(750)).toBe("7.5 %");
    expect(formatDateTime("2026-03-05T14:07:09")).toBe("05/03/2026, 14:07:09");
    expect(formatDateTime("not a date")).toBe("not a date");
  });
});

describe("texts", () => {
  it("fills placeholders", () => {
    setLocale("en");
    expect(t("sync.pending", { count: 3 })).toBe("3 waiting");
    setLocale("de");
    expect(t("sync.pending", { count: 3 })).toBe("3 ausstehend");
    setLocale("en");
  });
});
