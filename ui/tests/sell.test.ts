import { describe, expect, it } from "vitest";
import { quickCash, rate } from "../src/screens/sell/money";

const EUR = [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1];

describe("quick cash buttons", () => {
  it("offers the next three note amounts above what is due", () => {
    expect(quickCash(468, EUR)).toEqual([500, 1000, 2000]);
    expect(quickCash(1250, EUR)).toEqual([1500, 2000, 5000]);
  });

  it("never offers the exact amount (that is the Exact button) or an amount below it", () => {
    for (const due of [500, 1000, 2000, 4999, 12345]) {
      for (const a of quickCash(due, EUR)) expect(a).toBeGreaterThan(due);
    }
    expect(quickCash(500, EUR)).toEqual([1000, 2000, 5000]);
  });

  it("ignores coins and works for any currency's notes", () => {
    expect(quickCash(99, [1000, 500, 200, 100, 50])).toEqual([500, 1000]);
  });
});

describe("tax rates", () => {
  it("shows basis points as percent", () => {
    expect(rate(1900).replace(/\s/g, " ")).toBe("19 %");
    expect(rate(550).replace(/\s/g, " ")).toBe("5.5 %");
  });
});
