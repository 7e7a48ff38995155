// The Reports screen: a manager picks a period and a grouping, reads the totals and a sortable
// table, and exports; those who may not see reports have no Reports entry.
import { fireEvent, render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

const PASSWORD = "correct horse battery staple";

async function shopWithSales() {
  const backend = createMockBackend();
  await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
  await backend.call("login", { email: "ada@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
  await backend.call("product_create", { product: { sku: "CAF-1", name: "Café Crema", price_minor: 280 }, initial_stock: 10 });
  await backend.call("product_create", { product: { sku: "CRO-1", name: "Croissant", price_minor: 195 }, initial_stock: 5 });
  for (const [code, quantity] of [["CAF-1", 2], ["CRO-1", 1], ["CAF-1", 1]] as const) {
    await backend.call("cart_add", { code, quantity });
    await backend.call("checkout", { tenders: [{ kind: "cash", amount_minor: 2000 }] });
  }
  return backend;
}

describe("the Reports screen", () => {
  it("shows a period's totals, a chart, a table sorted on request, and exports", async () => {
    setLocale("en");
    const backend = await shopWithSales();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-reports"));
    const sales = await screen.findByTestId("sales-report");
    await user.click(within(sales).getByTestId("preset-custom"));
    await fireEvent.change(within(sales).getByTestId("report-from"), { target: { value: "2026-11-22" } });
    await fireEvent.change(within(sales).getByTestId("report-to"), { target: { value: "2026-11-22" } });
    // 2 × 2.80 + 1.95 + 2.80 = 10.35
    await expect.poll(() => screen.queryByTestId("kpi-net-value")?.textContent).toBe("€10.35");
    expect(screen.getByTestId("kpi-orders-value")).toHaveTextContent("3");
    expect(screen.getByTestId("report-basis")).toHaveTextContent("never synced");
    expect(screen.getByTestId("report-chart")).toBeInTheDocument();

    await fireEvent.change(within(sales).getByTestId("report-group"), { target: { value: "product" } });
    await expect.poll(() => screen.getByTestId("report-table").querySelectorAll("tbody tr").length).toBe(2);
    const names = () => [...screen.getByTestId("report-table").querySelectorAll("tbody tr td:first-child")].map((c) => c.textContent);
    await user.click(screen.getByRole("button", { name: "Sort by Net sales" }));
    expect(names()).toEqual(["Café Crema", "Croissant"]);
    await user.click(screen.getByRole("button", { name: "Sort by Net sales" }));
    expect(names()).toEqual(["Croissant", "Café Crema"]);
    expect(screen.getByTestId("report-total-net")).toHaveTextContent("€10.35");

    await user.click(screen.getByTestId("export-csv"));
    expect(await screen.findByTestId("export-saved")).toHaveTextContent("sales-by-product-2026-11-22-2026-11-22.csv");
    const exp = backend.calls.find((c) => c.command === "report_export");
    expect(exp?.input).toMatchObject({ report: "sales", format: "csv", from: "2026-11-22", to: "2026-11-22", by: "product" });
  });

  it("compares with the previous period", async () => {
    setLocale("en");
    const backend = await shopWithSales();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-reports"));
    const sales = await screen.findByTestId("sales-report");
    await user.click(within(sales).getByTestId("preset-custom"));
    await fireEvent.change(within(sales).getByTestId("report-from"), { target: { value: "2026-11-23" } });
    await fireEvent.change(within(sales).getByTestId("report-to"), { target: { value: "2026-11-23" } });
    await user.click(within(sales).getByTestId("report-compare"));
    await expect.poll(() => screen.queryByTestId("kpi-net")?.textContent).toContain("previous: €10.35");
    expect(screen.getByTestId("kpi-net-value")).toHaveTextContent("€0.00");
    expect(screen.getByTestId("report-empty")).toBeInTheDocument();
  });

  it("is not offered to an agent, who may not see reports", async () => {
    setLocale("en");
    const backend = createMockBackend();
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
    backend.state.users.push({ id: "user-2", email: "aziz@example.com", display_name: "Aziz", role: "agent", password: PASSWORD });
    await backend.call("login", { email: "aziz@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
    render(App, { props: { backend } });
    await screen.findByTestId("main-frame");
    expect(screen.queryByTestId("nav-reports")).toBeNull();
  });
});
