// The till against the in-memory backend: a cash sale on the Sell screen, from the search field
// to the change due, and the mock's permission table being the core's.
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { ROLES, ROLE_PERMISSIONS } from "../src/lib/api/bindings/Role";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

const PASSWORD = "correct horse battery staple";

async function shopWithCoffee() {
  const backend = createMockBackend();
  await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
  await backend.call("login", { email: "ada@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
  await backend.call("product_create", {
    product: { sku: "CAF-1", name: "Café Crema", price_minor: 280, barcodes: ["4006381333931"] },
    initial_stock: 10,
  });
  await backend.call("product_create", { product: { sku: "CRO-1", name: "Croissant", price_minor: 195 }, initial_stock: 5 });
  return backend;
}

describe("a cash sale on the Sell screen", () => {
  it("scans two coffees and a croissant, takes a 20 euro note and shows 12.45 change", async () => {
    setLocale("en");
    const backend = await shopWithCoffee();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await screen.findByTestId("sell-screen");
    const search = screen.getByTestId("sell-search-input");
    await user.type(search, "4006381333931{Enter}");
    await expect.poll(() => screen.queryAllByTestId("cart-line").length).toBe(1);
    await user.type(search, "4006381333931{Enter}");
    await expect.poll(() => within(screen.getByTestId("cart-line")).getByTestId("line-qty").textContent).toBe("2");
    await user.type(search, "CRO-1{Enter}");
    await expect.poll(() => screen.queryAllByTestId("cart-line").length).toBe(2);
    // 2 × 2.80 + 1.95 = 7.55
    expect(screen.getByTestId("cart-total")).toHaveTextContent("€7.55");

    await user.click(screen.getByTestId("pay"));
    const pay = await screen.findByTestId("pay-dialog");
    expect(within(pay).getByTestId("amount-due")).toHaveTextContent("€7.55");
    await user.type(within(pay).getByTestId("pay-cash"), "20");
    await user.click(within(pay).getByTestId("pay-complete"));

    const change = await screen.findByTestId("change-due");
    expect(change).toHaveTextContent("€12.45");
    // Told to a screen reader too, and the focus is on "Next customer", not lost to the page.
    expect(screen.getByTestId("pay-announcement")).toHaveAttribute("aria-live", "assertive");
    expect(screen.getByTestId("pay-announcement")).toHaveTextContent("Change: €12.45");
    await expect.poll(() => document.activeElement).toBe(screen.getByTestId("receipt-done"));
    // Tab stays in the dialog and never enters the receipt preview's frame.
    for (let i = 0; i < 6; i++) {
      await user.tab();
      expect(screen.getByTestId("pay-dialog").contains(document.activeElement)).toBe(true);
      expect(document.activeElement?.tagName).not.toBe("IFRAME");
    }
    const sale = backend.calls.find((c) => c.command === "checkout");
    expect(sale?.input).toMatchObject({ tenders: [{ kind: "cash", amount_minor: 2000 }] });
    // The sale took the stock and opened a shift for the cash.
    const status = await backend.call("shift_current", {});
    expect(status.figures?.cash_sales_minor).toBe(755);
    expect(status.figures?.expected_cash_minor).toBe(755);
    expect(await backend.call("cart_get", {})).toMatchObject({ lines: [], total_minor: 0 });
    // Esc closes the receipt and the till is ready to scan again.
    await user.keyboard("{Escape}");
    await expect.poll(() => screen.queryByTestId("pay-dialog")).toBeNull();
    await expect.poll(() => document.activeElement).toBe(screen.getByTestId("sell-search-input"));
  });
});

describe("the mock's permissions", () => {
  it("are the core's generated role table, for every role", async () => {
    const backend = createMockBackend();
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
    for (const role of ROLES) {
      const email = `${role}@example.com`;
      backend.state.users.push({ id: `user-${role}`, email, display_name: role, role, password: PASSWORD });
      const session = await backend.call("login", { email, password: PASSWORD, totp_code: MOCK_TOTP });
      expect(session.user.permissions).toEqual([...ROLE_PERMISSIONS[role]]);
    }
    // A cashier sells but does not book: bookings are the travel agents' work.
    expect(ROLE_PERMISSIONS.cashier).not.toContain("book");
    expect(ROLE_PERMISSIONS.agent).toContain("book");
  });
});
