// The bookings and card payments tabs of the Reports screen: a manager reads the figures,
// the overdue balances and the offline exposure, exports, and reads it all in German; the
// helpers beside them put ages, loads and shares into words and numbers.
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import type { BookingsReportDto } from "../src/lib/api/bindings/BookingsReportDto";
import type { CardsReportDto } from "../src/lib/api/bindings/CardsReportDto";
import type { ReportBasisDto } from "../src/lib/api/bindings/ReportBasisDto";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";
import { ageText, bookingStatus, brandName, cardStatus, exposureShare, loadLevel, loadPercent, loadText, sumOf } from "../src/screens/reports/bookreports";

const PASSWORD = "correct horse battery staple";
const basis: ReportBasisDto = { made_at: "2026-11-22T10:00:00.000Z", last_sync_at: null, currency: "EUR", currency_exponent: 2 };

const BOOKINGS: BookingsReportDto = {
  from: "2026-11-01", to: "2026-11-30", today: "2026-11-22", basis,
  bookings: 3, seats: 4, value_minor: 400_000,
  by_status: [
    { status: "quote", bookings: 0, seats: 0, value_minor: 0 },
    { status: "confirmed", bookings: 1, seats: 2, value_minor: 200_000 },
    { status: "paid", bookings: 1, seats: 1, value_minor: 100_000 },
    { status: "cancelled", bookings: 1, seats: 1, value_minor: 100_000 },
  ],
  money: {
    payments: 3, deposits_minor: 120_000, balances_minor: 70_000, taken_minor: 190_000, refunds: 0, refunded_minor: 0, net_minor: 190_000,
    by_tender: [{ tender: "cash", taken_minor: 190_000, refunded_minor: 0, net_minor: 190_000 }],
  },
  cancellations: [
    { booking_id: "b3", reference: "BK-01-000003", trip_name: "Lake Garda", business_date: "2026-11-20", staff_name: "Ada", total_minor: 100_000, fee_minor: 50_000, kept_minor: 30_000, refund_minor: 0, owed_minor: 20_000 },
  ],
  cancellation_totals: { count: 1, fee_minor: 50_000, kept_minor: 30_000, refund_minor: 0, owed_minor: 20_000 },
  balances_due: [
    { booking_id: "b3", reference: "BK-01-000003", status: "cancelled", trip_name: "Lake Garda", customer_name: "Eva", departs_at: "2026-12-10T08:00:00.000Z", due_on: "2026-11-20", balance_minor: 20_000, overdue: true },
    { booking_id: "b1", reference: "BK-01-000001", status: "confirmed", trip_name: "Lake Garda", customer_name: null, departs_at: "2026-12-10T08:00:00.000Z", due_on: "2026-11-25", balance_minor: 140_000, overdue: false },
  ],
  due_minor: 160_000, overdue: 1, overdue_minor: 20_000,
  departures: [{ departure_id: "d1", trip_code: "GARDA", trip_name: "Lake Garda", departs_at: "2026-11-28T08:00:00.000Z", capacity: 20, booked: 3, left: 17, load_bp: 1500 }],
  trips: [{ trip_id: "t1", code: "GARDA", name: "Lake Garda", bookings: 3, seats: 4, value_minor: 400_000, cancelled: 1 }],
  agents: [{ staff_id: "s1", name: "Ada", bookings: 3, seats: 4, value_minor: 400_000, cancelled: 1, taken_minor: 190_000 }],
};

const pay = (order: string, amount: number, brand: string | null, age: number, contact: string | null) => ({
  order_id: order, number: `DEMO-${order}`, business_date: "2026-11-21", amount_minor: amount, brand, last4: "4242",
  taken_at: "2026-11-21T10:00:00.000Z", age_minutes: age, contact, customer_name: null, customer_email: null, customer_phone: null,
});

const CARDS: CardsReportDto = {
  from: "2026-11-01", to: "2026-11-30", basis, payments: 3, amount_minor: 1_200,
  by_status: [
    { status: "captured", payments: 1, amount_minor: 500 },
    { status: "offline_pending", payments: 1, amount_minor: 300 },
    { status: "declined", payments: 1, amount_minor: 400 },
  ],
  by_brand: [
    { brand: "VISA", payments: 2, amount_minor: 800, captured_minor: 500, pending_minor: 300, declined_minor: 0 },
    { brand: "", payments: 1, amount_minor: 400, captured_minor: 0, pending_minor: 0, declined_minor: 400 },
  ],
  pending: [pay("p1", 300, "VISA", 26 * 60, "a@example.com")],
  declined: [{ ...pay("d1", 400, null, 90, "+49 170 7654321"), customer_name: "Eva Example", customer_email: "eva@example.com" }],
  exposure: {
    pending: 1, pending_minor: 300, limit_minor: 1_000, left_minor: 700, per_payment_minor: 15_000, max_age_hours: 48,
    oldest_at: "2026-11-21T10:00:00.000Z", oldest_age_minutes: 26 * 60, store_pending: 2, store_pending_minor: 750,
  },
};

async function manager() {
  const backend = createMockBackend({
    report_bookings: () => BOOKINGS,
    report_cards: () => CARDS,
    report_export: (input) => ({ format: input.format, file_name: `${input.report}-${input.from}-${input.to}.${input.format}`, csv: "section\n", base64: null, rows: 1 }),
  });
  await backend.call("setup", { store_name: "Travel Desk", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
  await backend.call("login", { email: "ada@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
  return backend;
}

afterEach(() => setLocale("en"));

describe("the bookings and card payments helpers", () => {
  it("put ages into the largest whole unit", () => {
    setLocale("en");
    expect(ageText(1)).toBe("1 minute");
    expect(ageText(59)).toBe("59 minutes");
    expect(ageText(60)).toBe("1 hour");
    expect(ageText(47 * 60 + 59)).toBe("47 hours");
    expect(ageText(48 * 60)).toBe("2 days");
    expect(ageText(-5)).toBe("0 minutes");
    setLocale("de");
    expect(ageText(26 * 60)).toBe("26 Stunden");
    expect(ageText(72 * 60)).toBe("3 Tage");
  });

  it("write loads and tell full from oversold", () => {
    expect(loadPercent(1500)).toBe(15);
    expect(loadPercent(3333)).toBe(33.3);
    expect(loadLevel(4999)).toBe("low");
    expect(loadLevel(5000)).toBe("filling");
    expect(loadLevel(10_000)).toBe("full");
    expect(loadLevel(10_500)).toBe("over");
    setLocale("en");
    expect(loadText(3333)).toBe("33.3 %");
    setLocale("de");
    expect(loadText(3333)).toBe("33,3 %");
  });

  it("measure the offline exposure against its limit", () => {
    expect(exposureShare(300, 1_000)).toBe(30);
    expect(exposureShare(1_500, 1_000)).toBe(100);
    expect(exposureShare(0, 0)).toBe(0);
    expect(exposureShare(1, 0)).toBe(100);
  });

  it("name statuses, brands and add rows up", () => {
    setLocale("de");
    expect(bookingStatus("cancelled")).toBe("Storniert");
    expect(cardStatus("offline_pending")).toBe("Offline ausstehend");
    expect(brandName("")).toBe("(keine Marke)");
    expect(bookingStatus("unheard_of")).toBe("unheard_of");
    expect(sumOf(BOOKINGS.by_status, (s) => s.value_minor)).toBe(BOOKINGS.value_minor);
    expect(sumOf(CARDS.by_brand, (b) => b.amount_minor)).toBe(CARDS.amount_minor);
  });
});

describe("the bookings tab", () => {
  it("shows what was booked, taken and is due, with the overdue flagged, and exports", async () => {
    setLocale("en");
    const backend = await manager();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-reports"));
    await user.click(await screen.findByTestId("report-tab-bookings"));
    const r = await screen.findByTestId("bookings-report");
    await expect.poll(() => within(r).queryByTestId("bk-value")?.textContent).toContain("€4,000.00");
    expect(within(r).getByTestId("bk-made")).toHaveTextContent("3");
    expect(within(r).getByTestId("bk-taken")).toHaveTextContent("€1,900.00");
    expect(within(r).getByTestId("bk-taken")).toHaveTextContent("Deposits €1,200.00 · Balances €700.00");
    expect(within(r).getByTestId("bk-overdue")).toHaveTextContent("1 booking overdue · €200.00");
    expect(within(r).getByTestId("bk-due-total")).toHaveTextContent("€1,600.00");
    const due = within(r).getByTestId("bk-due-table").querySelectorAll("tbody tr");
    expect(due[0]).toHaveClass("late");
    expect(due[0]).toHaveTextContent("overdue");
    expect(due[1]).not.toHaveClass("late");
    // Statuses with bookings only; their total is the value booked.
    const status = within(r).getByTestId("bk-status");
    expect(status.querySelectorAll("tbody tr")).toHaveLength(3);
    expect(status.querySelector("tfoot")).toHaveTextContent("€4,000.00");
    expect(within(r).getByTestId("bk-departures")).toHaveTextContent("15 %");
    expect(within(r).getByTestId("bk-kept-total")).toHaveTextContent("€300.00");
    // Every table scrolls by keyboard.
    for (const region of within(r).getAllByRole("region")) expect(region).toHaveAttribute("tabindex", "0");

    await user.click(within(r).getByTestId("export-pdf"));
    expect(await within(r).findByTestId("export-saved")).toHaveTextContent(".pdf");
    const exp = backend.calls.find((c) => c.command === "report_export");
    expect(exp?.input).toMatchObject({ report: "bookings", format: "pdf" });
  });

  it("reads in German, money and dates included", async () => {
    setLocale("de");
    const backend = await manager();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-reports"));
    const tab = await screen.findByTestId("report-tab-bookings");
    expect(tab).toHaveTextContent("Buchungen");
    await user.click(tab);
    const r = await screen.findByTestId("bookings-report");
    await expect.poll(() => within(r).queryByTestId("bk-value")?.textContent).toContain("4.000,00");
    expect(within(r).getByTestId("bk-value")).toHaveTextContent("Buchungswert");
    expect(within(r).getByTestId("bk-overdue")).toHaveTextContent("1 Buchung überfällig");
    expect(within(r).getByTestId("bk-status")).toHaveTextContent("Storniert");
  });
});

describe("the card payments tab", () => {
  it("shows payments by status and brand, the pending with their age, the declined with the contact, and the exposure", async () => {
    setLocale("en");
    const backend = await manager();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-reports"));
    await user.click(await screen.findByTestId("report-tab-cards"));
    const r = await screen.findByTestId("cards-report");
    await expect.poll(() => within(r).queryByTestId("cd-total")?.textContent).toContain("€12.00");
    expect(within(r).getByTestId("cd-declined")).toHaveTextContent("€4.00");
    expect(within(r).getByTestId("cd-offline_pending")).toHaveTextContent("Pending offline");
    expect(within(r).getByTestId("cd-brand-total")).toHaveTextContent("€12.00");
    expect(within(r).getByTestId("cd-brands")).toHaveTextContent("(no brand)");
    expect(within(r).getByTestId("cd-exposure-text")).toHaveTextContent("€3.00 of €10.00 used, €7.00 left");
    expect(within(r).getByRole("meter")).toHaveAttribute("aria-valuenow", "30");
    expect(within(r).getByTestId("cd-oldest")).toHaveTextContent("Oldest pending: 26 hours");
    expect(within(r).getByTestId("cd-pending-table")).toHaveTextContent("a@example.com");
    const declined = within(r).getByTestId("cd-declined-table");
    expect(declined).toHaveTextContent("+49 170 7654321 · Eva Example · eva@example.com");
    expect(declined).toHaveTextContent("1 hour");
  });

  it("is not offered to a cashier, who may not see reports", async () => {
    setLocale("en");
    const backend = createMockBackend();
    await backend.call("setup", { store_name: "Travel Desk", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
    backend.state.users.push({ id: "user-2", email: "cas@example.com", display_name: "Cas", role: "cashier", password: PASSWORD });
    await backend.call("login", { email: "cas@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
    render(App, { props: { backend } });
    await screen.findByTestId("main-frame");
    expect(screen.queryByTestId("nav-reports")).toBeNull();
    expect(screen.queryByTestId("report-tab-bookings")).toBeNull();
    expect(screen.queryByTestId("report-tab-cards")).toBeNull();
  });
});
