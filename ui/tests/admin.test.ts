// Store settings grouped by what a manager looks for, in both languages, the store's name
// and currency, and a customer's data on request (export, erasure) against the in-memory backend.
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

async function signedInStore() {
  const backend = createMockBackend();
  await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
  await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
  return backend;
}

async function openSettings(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByTestId("nav-admin"));
  await user.click(await screen.findByTestId("admin-tab-settings"));
  return screen.findByTestId("settings-admin");
}

describe("the settings screen", () => {
  it("shows translated group headings and saves the store's name and currency", async () => {
    setLocale("en");
    const backend = await signedInStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    const settings = await openSettings(user);
    await waitFor(() => expect(within(settings).getAllByRole("heading", { level: 3 }).map((h) => h.textContent)).toEqual(["Store", "Payments and cash", "Discounts and refunds", "Security"]));
    expect(screen.getByLabelText("Minutes without use before a session locks")).toHaveValue(15);
    const name = await screen.findByTestId("store-name");
    expect(name).toHaveValue("Corner Shop");
    await user.clear(name);
    await user.type(name, "Corner Café");
    await user.click(screen.getByTestId("store-save-name"));
    await waitFor(() => expect(backend.state.status.store?.name).toBe("Corner Café"));
    const currency = screen.getByTestId("store-currency");
    await user.clear(currency);
    await user.type(currency, "CHF");
    await user.click(screen.getByTestId("store-save-currency"));
    await waitFor(() => expect(backend.state.status.store?.currency).toBe("CHF"));
    expect(screen.getByTestId("currency-hint")).toHaveTextContent("until the first sale");
  }, 20_000);

  it("speaks German", async () => {
    setLocale("de");
    const backend = await signedInStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    const settings = await openSettings(user);
    await waitFor(() => expect(within(settings).getAllByRole("heading", { level: 3 }).map((h) => h.textContent)).toEqual(["Geschäft", "Zahlungen und Bargeld", "Rabatte und Erstattungen", "Sicherheit"]));
    expect(screen.getByLabelText("Name des Geschäfts")).toBeInTheDocument();
    setLocale("en");
  }, 20_000);
});

describe("money and rates in the settings", () => {
  it("shows money in the store's currency and rates as a percent, and saves minor units and basis points", async () => {
    setLocale("de");
    const backend = await signedInStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await openSettings(user);
    const card = await screen.findByTestId("setting-input-payments.offline_card_max_minor");
    expect(card).toHaveValue("150,00");
    expect(screen.getByTestId("setting-hint-payments.offline_card_max_minor")).toHaveTextContent(/0,00\s€–1\.000\.000,00\s€.*Standard: 150,00\s€/);
    const discount = screen.getByTestId("setting-input-sell.max_discount_bp");
    expect(discount).toHaveValue("10");
    expect(screen.getByTestId("setting-hint-sell.max_discount_bp")).toHaveTextContent("0 %–100 %");

    const sets = () => backend.calls.filter((c) => c.command === "settings_set");
    await user.clear(card);
    await user.type(card, "200,5");
    await user.click(screen.getByTestId("setting-save-payments.offline_card_max_minor"));
    await waitFor(() => expect(sets().at(-1)?.input).toEqual({ key: "payments.offline_card_max_minor", value: 20050 }));
    await waitFor(() => expect(screen.getByTestId("setting-input-payments.offline_card_max_minor")).toHaveValue("200,50"));

    // A third decimal of a percent is no basis point: refused before the core is asked.
    const before = sets().length;
    await user.clear(discount);
    await user.type(discount, "12,555");
    await user.click(screen.getByTestId("setting-save-sell.max_discount_bp"));
    expect(await screen.findByTestId("settings-error")).toBeInTheDocument();
    expect(sets()).toHaveLength(before);
    await user.clear(discount);
    await user.type(discount, "12,5");
    await user.click(screen.getByTestId("setting-save-sell.max_discount_bp"));
    await waitFor(() => expect(sets().at(-1)?.input).toEqual({ key: "sell.max_discount_bp", value: 1250 }));
    setLocale("en");
  }, 20_000);
});

describe("a customer's data on request", () => {
  it("exports it and erases the person after asking", async () => {
    setLocale("en");
    const backend = await signedInStore();
    await backend.call("customer_create", { name: "Erika Mustermann", email: "erika@example.com" });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-customers"));
    await user.click(await screen.findByTestId("customer-open"));
    await user.click(await screen.findByTestId("customer-export-json"));
    expect(await screen.findByTestId("customer-notice")).toHaveTextContent(/Saved customer-.*\.json/);
    expect(backend.calls.find((c) => c.command === "customer_data_export")?.input).toMatchObject({ format: "json" });
    await user.click(screen.getByTestId("customer-erase"));
    await user.type(await screen.findByTestId("customer-erase-reason"), "written request");
    await user.click(screen.getByTestId("customer-erase-confirm"));
    await waitFor(() => expect(backend.calls.find((c) => c.command === "customer_erase")?.input).toMatchObject({ reason: "written request" }));
    await waitFor(() => expect(screen.queryAllByTestId("customer-row")).toHaveLength(0));
  }, 20_000);
});

describe("the emails tab", () => {
  it("lists each email with where it stands and asks the core again for a filter", async () => {
    setLocale("en");
    const asked: (string | undefined)[] = [];
    const failed = {
      id: "e1", kind: "receipt", to: "erika@example.com", subject: "Receipt CORN-01-000042 — Corner Shop", status: "failed",
      on_server: true, attempts: 5, last_error: "550 5.1.1 mailbox unavailable", queued_at: "2026-03-05T14:07:09Z", sent_at: null, ref_id: "o1",
    };
    const waiting = { ...failed, id: "e2", to: "max@example.com", status: "queued", on_server: false, attempts: 0, last_error: null };
    const backend = createMockBackend({
      emails_list: (input) => {
        asked.push(input.filter);
        const emails = input.filter === "failed" ? [failed] : [waiting, failed];
        return { emails, waiting: 1, sent: 0, failed: 1 };
      },
    });
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
    await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-admin"));
    await user.click(await screen.findByTestId("admin-tab-emails"));
    await waitFor(() => expect(screen.getAllByTestId("email-row")).toHaveLength(2));
    const states = screen.getAllByTestId("email-state").map((s) => s.textContent);
    expect(states).toEqual(["Waiting for the next sync", "Failed after 5 attempts"]);
    expect(screen.getByTestId("email-error")).toHaveTextContent("550 5.1.1 mailbox unavailable");
    expect(screen.getByTestId("emails-filter-failed")).toHaveTextContent("Failed (1)");
    await user.click(screen.getByTestId("emails-filter-failed"));
    await waitFor(() => expect(screen.getAllByTestId("email-row")).toHaveLength(1));
    expect(asked).toEqual(["all", "failed"]);
  });
});

describe("booking policies", () => {
  const trip = {
    id: "trip-1", code: "GARDA", name: "Lake Garda by coach", adult_minor: 100_000, child_minor: null, senior_minor: null,
    deposit_kind: "fixed", deposit_value: 5_000, balance_due_days: 30, cancellation_policy: "0:100%,30:25%",
    hold_minutes: 60, documents_required: false, commission_bp: null, options: [],
  };
  const store = {
    deposit: "20%", deposit_kind: "percent", deposit_value: 2000, balance_due_days: 30,
    cancellation_policy: "0:100%,10:50%,30:25%,60:0", hold_minutes: 1440,
  };

  it("saves the store's policy as a whole, and a trip's terms or the store's for it", async () => {
    setLocale("en");
    let saved: typeof store = store;
    let current = { ...trip };
    const backend = createMockBackend({
      booking_policy: () => saved,
      booking_policy_set: (input) => {
        saved = { ...saved, ...input, deposit_kind: "percent", deposit_value: Math.round(Number(input.deposit.replace("%", "")) * 100) };
        return saved;
      },
      trip_list: () => ({ items: [current] }),
      trip_policy_set: (input) => {
        current = input.store_policy
          ? { ...current, deposit_kind: saved.deposit_kind, deposit_value: saved.deposit_value, balance_due_days: saved.balance_due_days, cancellation_policy: saved.cancellation_policy, hold_minutes: saved.hold_minutes }
          : { ...current, cancellation_policy: input.cancellation_policy ?? current.cancellation_policy };
        return current;
      },
    });
    await backend.call("setup", { store_name: "Travel Desk", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
    await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-admin"));
    await user.click(await screen.findByTestId("admin-tab-policies"));
    const form = await screen.findByTestId("store-terms");
    expect(within(form).getAllByTestId("store-terms-fee-row")).toHaveLength(4);

    // A table without the day of departure is refused before anything is sent.
    const rows = within(form).getAllByTestId("store-terms-fee-row");
    await user.click(within(rows[3]).getByRole("button"));
    await user.click(within(form).getByTestId("store-terms-save"));
    expect(await within(form).findByTestId("store-terms-problem")).toHaveTextContent("a row for 0 days");
    expect(backend.calls.some((c) => c.command === "booking_policy_set")).toBe(false);

    await user.click(within(form).getByTestId("store-terms-fee-add"));
    const added = within(form).getAllByTestId("store-terms-fee-row")[3];
    await user.type(within(added).getByTestId("store-terms-fee-days"), "0");
    await user.type(within(added).getByTestId("store-terms-fee-percent"), "90");
    const deposit = within(form).getByTestId("store-terms-deposit");
    await user.clear(deposit);
    await user.type(deposit, "25");
    await user.click(within(form).getByTestId("store-terms-save"));
    await waitFor(() => expect(screen.getByTestId("policies-notice")).toHaveTextContent("saved"));
    expect(backend.calls.find((c) => c.command === "booking_policy_set")?.input).toEqual({
      deposit: "25%", balance_due_days: 30, cancellation_policy: "60:0%,30:25%,10:50%,0:90%", hold_minutes: 1440,
    });

    // The trip: its terms in words, changed, then the store's taken for it.
    const row = screen.getByTestId("policy-trip");
    expect(within(row).getByTestId("policy-trip-summary")).toHaveTextContent("balance due 30 days before departure");
    await user.click(within(row).getByTestId("policy-trip-edit"));
    const editor = within(row).getByTestId("trip-terms");
    const percents = within(editor).getAllByTestId("trip-terms-fee-percent");
    await user.clear(percents[0]);
    await user.type(percents[0], "40");
    await user.click(within(editor).getByTestId("trip-terms-save"));
    await waitFor(() => expect(screen.getByTestId("policies-notice")).toHaveTextContent("Lake Garda by coach"));
    expect(backend.calls.find((c) => c.command === "trip_policy_set")?.input).toMatchObject({
      trip: "trip-1", cancellation_policy: "30:40%,0:100%", store_policy: false,
    });
    await user.click(within(screen.getByTestId("policy-trip")).getByTestId("policy-trip-use-store"));
    await waitFor(() => expect(within(screen.getByTestId("policy-trip")).getByTestId("policy-trip-store")).toBeInTheDocument());
  }, 30_000);
});
