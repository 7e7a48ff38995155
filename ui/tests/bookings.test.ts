import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";
import AmendDialog from "../src/screens/bookings/AmendDialog.svelte";
import Departures from "../src/screens/bookings/Departures.svelte";
import AppHarness from "./AppHarness.svelte";
import WizardHarness from "./WizardHarness.svelte";
import type { DepartureDto } from "../src/lib/api/bindings/DepartureDto";
import { actionsFor, byDay, cardLabel, departureTime, depositRule, holdLapsed, issueFor, localDay, policyTiers, suggestedPayment, termsRows, termsText, zonedTime } from "../src/screens/bookings/logic";

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
  allotment: null,
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
    expect(actionsFor("quote", 100)).toEqual(["hold", "amend", "cancel"]);
    expect(actionsFor("held", 100)).toEqual(["pay", "amend", "cancel"]);
    expect(actionsFor("confirmed", 100)).toEqual(["pay", "amend", "cancel"]);
    expect(actionsFor("paid", 0)).toEqual(["complete", "amend", "cancel"]);
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

describe("seats this device holds", () => {
  it("shows what is left to sell here, asks the server for more, and gives back only unsold seats", async () => {
    setLocale("en");
    const held = { pool_id: "d1", held: 4, used: 3, usable: 1, release_at: "2027-07-02T22:00:00.000Z", released: false, pending: false };
    const departure = { ...dep("d1", "2027-07-10T04:00:00Z"), trip_name: "Lake Garda", seats_taken: 3, seats_left: 7, allotment: held };
    const asked: unknown[] = [];
    const backend = createMockBackend({
      departure_list: () => ({ items: [departure] }),
      allotment_request: (input) => {
        asked.push(input);
        return { ...departure, allotment: { ...held, held: 6, usable: 3 } };
      },
    });
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
    await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
    const user = userEvent.setup();
    render(AppHarness, { props: { backend, component: Departures, props: { onbook: () => {}, onbookings: () => {} } } });

    expect(await screen.findByTestId("departure-allotment")).toHaveTextContent("This device: 1 of 4 held to sell");
    await user.click(screen.getByTestId("departure-seats-held"));
    expect(await screen.findByTestId("allotment-held")).toHaveTextContent("4");
    expect(screen.getByTestId("allotment-release")).toHaveTextContent("go back to the pool");
    expect(screen.getByTestId("allotment-return")).toBeEnabled();
    await user.clear(screen.getByTestId("allotment-seats"));
    await user.type(screen.getByTestId("allotment-seats"), "2");
    await user.click(screen.getByTestId("allotment-request"));
    expect(await screen.findByTestId("allotment-note")).toHaveTextContent("2 more seats are held by this device.");
    expect(screen.getByTestId("allotment-held")).toHaveTextContent("6");
    expect(asked).toEqual([{ departure_id: "d1", seats: 2 }]);
  });

  it("lists only the departures this device holds seats of, when asked", async () => {
    setLocale("en");
    const mine = { ...dep("d1", "2027-07-10T04:00:00Z"), trip_name: "Lake Garda", allotment: { pool_id: "d1", held: 2, used: 0, usable: 2, release_at: null, released: false, pending: false } };
    const other = { ...dep("d2", "2027-08-10T04:00:00Z"), trip_name: "Rome", allotment: { pool_id: "d2", held: 0, used: 0, usable: 0, release_at: null, released: false, pending: false } };
    const backend = createMockBackend({
      departure_list: () => ({ items: [mine, other] }),
      allotment_list: () => ({ paired: true, items: [mine] }),
    });
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
    await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
    const user = userEvent.setup();
    render(AppHarness, { props: { backend, component: Departures, props: { onbook: () => {}, onbookings: () => {} } } });
    await waitFor(() => expect(screen.getAllByTestId("departure-row")).toHaveLength(2));
    await user.click(screen.getByTestId("departures-held-only"));
    await waitFor(() => expect(screen.getAllByTestId("departure-row")).toHaveLength(1));
    expect(screen.getByTestId("departure-row")).toHaveTextContent("Lake Garda");
  });

  it("has no seats to give back when every seat held is booked", async () => {
    setLocale("en");
    const departure = { ...dep("d1", "2027-07-10T04:00:00Z"), allotment: { pool_id: "d1", held: 2, used: 2, usable: 0, release_at: null, released: false, pending: true } };
    const backend = createMockBackend({ departure_list: () => ({ items: [departure] }) });
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
    await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
    const user = userEvent.setup();
    render(AppHarness, { props: { backend, component: Departures, props: { onbook: () => {}, onbookings: () => {} } } });
    await user.click(await screen.findByTestId("departure-seats-held"));
    expect(await screen.findByTestId("allotment-return")).toBeDisabled();
    expect(screen.getByText("The server hears of the last change at the next sync.")).toBeInTheDocument();
  });
});

describe("amending a booking", () => {
  it("shows the difference before anything changes, then amends with what was chosen", async () => {
    setLocale("en");
    const departure = { ...dep("d1", "2027-07-10T04:00:00Z"), trip_name: "Lake Garda" };
    const booking = {
      booking_id: "b1", reference: "CORN-01-B000001", status: "paid", departure_id: "d1", customer_id: null, seats: 2,
      currency: "EUR", total_minor: 200_000, deposit_minor: 60_000, paid_minor: 200_000, balance_minor: 0,
      balance_due_on: "2027-06-10", hold_expires_at: null, created_at: "2027-01-01T10:00:00Z",
      travellers: [
        { id: "t1", traveller_type: "adult", full_name: "Grace Hopper", date_of_birth: null, document_number: null, price_minor: 100_000 },
        { id: "t2", traveller_type: "adult", full_name: "Alan Turing", date_of_birth: null, document_number: null, price_minor: 100_000 },
      ],
      items: [], events: [], payments: [], notes: [],
    };
    const calls: Record<string, unknown>[] = [];
    const backend = createMockBackend({
      trip_get: () => ({
        id: "t", code: "GARDA", name: "Lake Garda", adult_minor: 100_000, child_minor: 60_000, senior_minor: null,
        deposit_kind: "percent", deposit_value: 3000, balance_due_days: 30, cancellation_policy: "0:100%",
        hold_minutes: 1440, documents_required: false, commission_bp: null,
        options: [{ id: "o1", trip_id: "t", name: "Single room", price_minor: 25_000, capacity: null }],
      }),
      departure_list: () => ({ items: [departure] }),
      booking_amend: (input) => {
        calls.push(input as Record<string, unknown>);
        return {
          booking: { ...booking, seats: 1, total_minor: 125_000, paid_minor: 125_000 },
          preview: Boolean(input.preview), departure_id: "d1", seats_before: 2, seats_after: 1,
          total_before: 200_000, total_after: 125_000, difference_minor: -75_000, deposit_after: 37_500,
          balance_due_on: "2027-06-10", refund_minor: 75_000, balance_after: 0,
        } as never;
      },
    });
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
    await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
    const ondone = vi.fn();
    const user = userEvent.setup();
    render(AppHarness, { props: { backend, component: AmendDialog, props: { booking, departure, onclose: () => {}, ondone } } });

    const boxes = await screen.findAllByTestId("amend-remove");
    await user.click(boxes[1]);
    const room = await screen.findByTestId("amend-option");
    await user.clear(room);
    await user.type(room, "1");
    await user.click(screen.getByTestId("amend-show"));
    expect(await screen.findByTestId("amend-difference")).toHaveTextContent("€750.00");
    expect(screen.getByTestId("amend-refund")).toHaveTextContent("€750.00");
    await user.click(screen.getByTestId("amend-confirm"));
    await waitFor(() => expect(ondone).toHaveBeenCalled());
    expect(ondone.mock.calls[0][1]).toBe("Booking amended: €750.00 refunded to the tenders it was paid with.");
    expect(calls).toEqual([
      { booking: "b1", add_travellers: [], remove_travellers: ["t2"], options: [{ option_id: "o1", qty: 1 }], departure_id: undefined, preview: true },
      { booking: "b1", add_travellers: [], remove_travellers: ["t2"], options: [{ option_id: "o1", qty: 1 }], departure_id: undefined, preview: false },
    ]);
  });
});

describe("cardLabel", () => {
  it("names the card by brand and last four digits, never more", () => {
    expect(cardLabel({ card_brand: "visa", card_last4: "4242" })).toBe("VISA •••• 4242");
    expect(cardLabel({ card_brand: null, card_last4: "4242" })).toBe("•••• 4242");
    expect(cardLabel({ card_brand: "mastercard", card_last4: null })).toBe("MASTERCARD");
    expect(cardLabel({ card_brand: null, card_last4: null })).toBe("");
  });
});
