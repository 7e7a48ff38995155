// Screens ask the core once when they open and once per search, not on every change of state
// they happen to read: counted on the in-memory backend's call log.
import { fireEvent, render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

const PASSWORD = "correct horse battery staple";

async function signedIn() {
  const backend = createMockBackend();
  await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
  await backend.call("login", { email: "ada@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
  await backend.call("product_create", { product: { sku: "CAF-1", name: "Café Crema", price_minor: 280 }, initial_stock: 10 });
  await backend.call("customer_create", { name: "Bea Buyer", email: "bea@example.com" });
  return backend;
}

const count = (backend: Awaited<ReturnType<typeof signedIn>>, command: string, since = 0) =>
  backend.calls.slice(since).filter((c) => c.command === command).length;

describe("requests per keystroke", () => {
  it("Stock searches once for a typed word, and does not reload its side panels", async () => {
    setLocale("en");
    const backend = await signedIn();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-stock"));
    await screen.findByTestId("stock-screen");
    await expect.poll(() => count(backend, "stock_alerts")).toBe(1);
    const before = backend.calls.length;
    await user.type(screen.getByTestId("stock-search"), "caf");
    await expect.poll(() => count(backend, "product_search", before)).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(count(backend, "product_search", before)).toBe(1);
    expect(count(backend, "catalog_meta", before)).toBe(0);
    expect(count(backend, "stock_alerts", before)).toBe(0);
    expect(count(backend, "stock_valuation", before)).toBe(0);
  });

  it("Customers searches once for a typed word", async () => {
    setLocale("en");
    const backend = await signedIn();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-customers"));
    await expect.poll(() => count(backend, "customer_search")).toBe(1);
    const before = backend.calls.length;
    await user.type(screen.getByTestId("customer-search"), "bea");
    await expect.poll(() => count(backend, "customer_search", before)).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(count(backend, "customer_search", before)).toBe(1);
  });

  it("the Sell screen's customer picker searches once for a typed word", async () => {
    setLocale("en");
    const backend = await signedIn();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("customer-chip"));
    await screen.findByTestId("customer-picker");
    await expect.poll(() => count(backend, "customer_search")).toBe(1);
    const before = backend.calls.length;
    await user.type(screen.getByTestId("customer-query"), "bea");
    await expect.poll(() => count(backend, "customer_search", before)).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(count(backend, "customer_search", before)).toBe(1);
  });

  it("the audit log does not refetch the staff list when the app's status is renewed", async () => {
    setLocale("en");
    const backend = await signedIn();
    backend.state.users[0].pin = "4711";
    backend.state.status.session!.has_pin = true;
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-admin"));
    await user.click(screen.getByTestId("admin-tab-audit"));
    await screen.findByTestId("audit-log");
    await expect.poll(() => count(backend, "staff_list")).toBe(1);
    // Locking and unlocking renews the app's status twice, as the 15 s poll does.
    await user.keyboard("{Control>}l{/Control}");
    await user.type(await screen.findByTestId("lock-pin"), "4711");
    await user.click(screen.getByTestId("lock-unlock"));
    await expect.poll(() => screen.queryByTestId("lock-screen")).toBeNull();
    expect(count(backend, "app_status")).toBeGreaterThanOrEqual(3);
    expect(count(backend, "staff_list")).toBe(1);
    expect(count(backend, "audit_list")).toBe(1);
  });

  it("Reports asks for a day's Z report once when the date changes", async () => {
    setLocale("en");
    const backend = await signedIn();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-reports"));
    // The Z report is the Reports screen's last tab; the screen opens on sales.
    await user.click(await screen.findByTestId("report-tab-z"));
    await expect.poll(() => count(backend, "z_report")).toBe(1);
    const before = backend.calls.length;
    const date = screen.getByTestId("z-date");
    await fireEvent.input(date, { target: { value: "2026-11-20" } });
    await fireEvent.change(date);
    await expect.poll(() => count(backend, "z_report", before)).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(count(backend, "z_report", before)).toBe(1);
    expect(backend.calls.slice(before).find((c) => c.command === "z_report")?.input).toEqual({ date: "2026-11-20" });
  });
});
