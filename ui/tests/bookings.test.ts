import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";
import WizardHarness from "./WizardHarness.svelte";
import type { DepartureDto } from "../src/lib/api/bindings/DepartureDto";
import { actionsFor, byDay, departureTime, depositRule, holdLapsed, issueFor, localDay, policyTiers, suggestedPayment, termsRows, termsText, zonedTime } from "../src/screens/bookings/logic";

const dep = (id: string, departs_at: string, time_zone = "Europe/Berlin"): DepartureDto => ({
  id,
  trip_id: "t",
  trip_name: "Trip",
  pool_id: id,
  departs_at,
  returns_at: null,
  time_zone,
  meeting_point: null,
  capacity: 10,
  seats_taken: 0,
  seats_left: 10,
});

describe("departure days", () => {
  it("counts the day in the departure's own time zone", () => {
    // 23:30 UTC on 9 July is 01:30 on 10 July in Berlin.
    expect(localDay("2026-07-09T23:30:00Z", "Europe/Berlin")).toBe("2026-07-10");
    expect(localDay("2026-07-09T23:30:00Z", "America/New_York")).toBe("2026-07-09");
  });

  it("groups departures by day, days and departures in order", () => {
    const days = byDay([dep("c", "2026-08-01T08:00:00Z"), dep("a", "2026-07-09T23:30:00Z"), dep("b", "2026-07-10T05:00:00Z")]);
    expect(days.map((d) => d.day)).toEqual(["2026-07-10", "2026-08-01"]);
    expect(days[0].departures.map((d) => d.id)).toEqual(["a", "b"]);
  });
});

describe("a booking's actions", () => {
  it("follows the lifecycle", () => {
    expect(actionsFor("quote", 100)).toEqual(["hold", "cancel"]);
    expect(actionsFor("held", 100)).toEqual(["pay", "cancel"]);
    expect(actionsFor("confirmed", 100)).toEqual(["pay", "cancel"]);
    expect(actionsFor("paid", 0)).toEqual(["complete", "cancel"]);
    expect(actionsFor("cancelled", 0)).toEqual([]);
    expect(actionsFor("expired", 100)).toEqual([]);
    expect(actionsFor("completed", 0)).toEqual([]);
    expect(actionsFor("held", 100, true)).toEqual(["cancel"]);
  });

  it("knows a hold past its time has lapsed, whichever device made it", () => {
    const at = Date.parse("2026-07-01T10:00:00Z");
    const held = { status: "held", hold_expires_at: "2026-07-01T10:00:00.000Z" };
    expect(holdLapsed(held, at - 1)).toBe(false);
    expect(holdLapsed(held, at)).toBe(true);
    expect(holdLapsed({ ...held, status: "confirmed" }, at + 1)).toBe(false);
    expect(holdLapsed({ status: "held", hold_expires_at: null }, at + 1)).toBe(false);
  });

  it("offers what is left of the deposit first, then the balance", () => {
    expect(suggestedPayment({ deposit_minor: 20_000, paid_minor: 0, balance_minor: 100_000 })).toBe(20_000);
    expect(suggestedPayment({ deposit_minor: 20_000, paid_minor: 5_000, balance_minor: 95_000 })).toBe(15_000);
    expect(suggestedPayment({ deposit_minor: 20_000, paid_minor: 20_000, balance_minor: 80_000 })).toBe(80_000);
    expect(suggestedPayment({ deposit_minor: 0, paid_minor: 0, balance_minor: 0 })).toBe(0);
  });

  it("finds a traveller's issue by field", () => {
    const issues = [{ index: 1, field: "document_number", message: "needed" }];
    expect(issueFor(issues, 1, "document_number")).toBe("needed");
    expect(issueFor(issues, 0, "document_number")).toBeNull();
    expect(issueFor(issues, 1, "full_name")).toBeNull();
  });
});

describe("a new trip's rules", () => {
  it("writes the deposit as percent or minor units", () => {
    expect(depositRule("percent", "30", 2)).toBe("30%");
    expect(depositRule("percent", "12,5", 2)).toBe("12.5%");
    expect(depositRule("percent", "120", 2)).toBeNull();
    expect(depositRule("percent", "abc", 2)).toBeNull();
    expect(depositRule("fixed", "150,00", 2)).toBe("15000");
    expect(depositRule("fixed", "-1", 2)).toBeNull();
  });

  it("writes the cancellation policy most days first and needs the day of departure", () => {
    const row = (days: string, percent: string) => ({ days, percent, fixedMinor: null });
    expect(termsText([row("0", "100"), row("60", "0"), row("30", "25")])).toBe("60:0%,30:25%,0:100%");
    expect(termsText([row("30", "25")])).toBeNull();
    expect(termsText([row("0", "100"), row("0", "50")])).toBeNull();
    expect(termsText([row("x", "1"), row("0", "100")])).toBeNull();
    expect(termsText([row("0", "101")])).toBeNull();
  });

  it("keeps a fixed fee row as it was while the percent rows are edited", () => {
    const rows = termsRows(policyTiers("0:100%,14:5000,30:10%"));
    expect(rows).toEqual([
      { days: "30", percent: "10", fixedMinor: null },
      { days: "14", percent: "", fixedMinor: 5000 },
      { days: "0", percent: "100", fixedMinor: null },
    ]);
    rows[0].percent = "15";
    expect(termsText(rows)).toBe("30:15%,14:5000,0:100%");
  });

  it("reads the core's cancellation policy back as rows, earliest first", () => {
    expect(policyTiers("0:100%,10:50%,30:25%,60:0")).toEqual([
      { days: 60, percent: null, fixedMinor: 0 },
      { days: 30, percent: 25, fixedMinor: null },
      { days: 10, percent: 50, fixedMinor: null },
      { days: 0, percent: 100, fixedMinor: null },
    ]);
    expect(policyTiers("0:12.5%,14:5000")).toEqual([
      { days: 14, percent: null, fixedMinor: 5000 },
      { days: 0, percent: 12.5, fixedMinor: null },
    ]);
    expect(policyTiers("garbage,0:100%")).toEqual([{ days: 0, percent: 100, fixedMinor: null }]);
  });

  it("writes a local departure time with its zone's offset", () => {
    expect(zonedTime("2026-07-10", "06:00", "Europe/Berlin")).toBe("2026-07-10T06:00:00+02:00");
    expect(zonedTime("2026-12-10", "06:00", "Europe/Berlin")).toBe("2026-12-10T06:00:00+01:00");
    expect(zonedTime("2026-12-10", "06:00", "America/New_York")).toBe("2026-12-10T06:00:00-05:00");
    expect(zonedTime("2026-12-10", "25:00", "Europe/Berlin")).toBeNull();
    expect(zonedTime("2026-12-10", "06:00", "Nowhere/City")).toBeNull();
  });
});

describe("departure times", () => {
  it("read in the departure's own time zone", () => {
    expect(departureTime("2026-12-26T05:00:00Z", "Europe/Berlin", "en-GB", false)).toBe("06:00");
    expect(departureTime("2026-07-10T04:00:00Z", "Europe/Berlin", "de-DE")).toBe("10.07.2026, 06:00");
  });
});

describe("the new-booking wizard", () => {
  it("shows the core's refusal next to the field, then the price, and holds with the deposit paid", async () => {
    setLocale("en");
    const departure = dep("d1", "2027-07-10T04:00:00Z");
    const backend = createMockBackend({
      departure_list: () => ({ items: [{ ...departure, trip_name: "Lake Garda" }] }),
      trip_get: () => ({
        id: "t",
        code: "GARDA",
        name: "Lake Garda",
        adult_minor: 100_000,
        child_minor: 60_000,
        senior_minor: null,
        deposit_kind: "percent",
        deposit_value: 3000,
        balance_due_days: 30,
        cancellation_policy: "0:100%",
        hold_minutes: 1440,
        documents_required: false,
        commission_bp: null,
        options: [],
      }),
      booking_price: (input) => ({
        currency: "EUR",
        travellers: [{ traveller_type: "adult", count: 1, unit_minor: 100_000, total_minor: 100_000 }],
        options: [],
        total_minor: 100_000,
        deposit_minor: 30_000,
        balance_due_on: "2027-06-10",
        seats_left: 10,
        issues: input.travellers[0].full_name.trim() ? [] : [{ index: 0, field: "full_name", message: "a traveller's name must be 1 to 200 characters" }],
      }),
      booking_create: (input) => {
        made.push(input);
        return { booking_id: "b1", reference: "CORN-01-B000001" } as never;
      },
    });
    const made: unknown[] = [];
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
    await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
    const ondone = vi.fn();
    const user = userEvent.setup();
    render(WizardHarness, { props: { backend, departureId: "d1", ondone } });

    await user.click(await screen.findByTestId("wizard-next"));
    await waitFor(() => expect(screen.getByTestId("wizard-departure")).toHaveAttribute("aria-checked", "true"));
    await user.click(screen.getByTestId("wizard-next"));
    await user.click(await screen.findByTestId("wizard-next"));
    // The refusal sits under the name field, which is marked invalid; the step stays.
    expect(await screen.findByTestId("traveller-issue")).toHaveTextContent("name must be 1 to 200 characters");
    expect(screen.getByTestId("traveller-name")).toHaveAttribute("aria-invalid", "true");
    await user.type(screen.getByTestId("traveller-name"), "Grace Hopper");
    await user.click(screen.getByTestId("wizard-next"));
    await user.click(await screen.findByTestId("wizard-next"));
    expect(await screen.findByTestId("wizard-total")).toHaveTextContent("€1,000.00");
    expect(screen.getByTestId("wizard-deposit")).toHaveTextContent("€300.00");
    await user.click(screen.getByTestId("wizard-hold-pay"));
    await waitFor(() => expect(ondone).toHaveBeenCalledWith("b1", "Booking CORN-01-B000001 made."));
    expect(made).toEqual([
      {
        departure_id: "d1",
        travellers: [{ full_name: "Grace Hopper", traveller_type: "adult", date_of_birth: undefined, document_number: undefined }],
        options: [],
        customer_id: undefined,
        note: undefined,
        hold: true,
        payments: [{ kind: "cash", amount_minor: 30_000 }],
      },
    ]);
  }, 30_000);
});
