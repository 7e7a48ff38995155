import { describe, expect, it } from "vitest";
import { presetRange, previousRange } from "../src/screens/reports/periods";

describe("report periods", () => {
  // Thursday 3 December 2026.
  const today = new Date(2026, 11, 3);
  it("gives each preset's business dates", () => {
    expect(presetRange("today", today)).toEqual({ from: "2026-12-03", to: "2026-12-03" });
    expect(presetRange("yesterday", today)).toEqual({ from: "2026-12-02", to: "2026-12-02" });
    expect(presetRange("this_week", today)).toEqual({ from: "2026-11-30", to: "2026-12-03" });
    expect(presetRange("last_week", today)).toEqual({ from: "2026-11-23", to: "2026-11-29" });
    expect(presetRange("this_month", today)).toEqual({ from: "2026-12-01", to: "2026-12-03" });
    expect(presetRange("last_month", today)).toEqual({ from: "2026-11-01", to: "2026-11-30" });
  });
  it("compares with the period of the same length before", () => {
    expect(previousRange({ from: "2026-11-23", to: "2026-11-29" })).toEqual({ from: "2026-11-16", to: "2026-11-22" });
    expect(previousRange({ from: "2026-12-01", to: "2026-12-01" })).toEqual({ from: "2026-11-30", to: "2026-11-30" });
  });
});
