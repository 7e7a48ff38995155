// axe-core (WCAG 2.1 A and AA) on the signed-in screens, rendered against the in-memory backend.
// jsdom has no layout, so colour contrast is left to the desktop end-to-end tests.
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

const PASSWORD = "correct horse battery staple";

async function violations(): Promise<string[]> {
  const result = await axe.run(document.body, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
    iframes: false,
  });
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function shop() {
  const backend = createMockBackend();
  await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
  await backend.call("login", { email: "ada@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
  await backend.call("product_create", { product: { sku: "CAF-1", name: "Café Crema", price_minor: 280 }, initial_stock: 10 });
  await backend.call("customer_create", { name: "Bea Buyer", email: "bea@example.com" });
  return backend;
}

describe("accessibility of the signed-in screens", () => {
  it("finds no WCAG 2.1 A/AA violation on Sell, its cart, the account menu and a finished sale", async () => {
    setLocale("en");
    const backend = await shop();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await screen.findByTestId("sell-screen");
    await screen.findByTestId("cart-totals");
    expect(await violations()).toEqual([]);
    await user.type(screen.getByTestId("sell-search-input"), "CAF-1{Enter}");
    await screen.findByTestId("cart-line");
    expect(await violations()).toEqual([]);
    await user.click(screen.getByTestId("user-menu"));
    await screen.findByTestId("logout");
    expect(await violations()).toEqual([]);
    await user.click(screen.getByTestId("user-menu"));
    await user.click(screen.getByTestId("pay"));
    await user.click(await screen.findByTestId("pay-exact"));
    await screen.findByTestId("pay-result");
    expect(await violations()).toEqual([]);
  }, 60_000);

  it("finds no WCAG 2.1 A/AA violation on Stock, Customers, Reports and Admin", async () => {
    setLocale("en");
    const backend = await shop();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-stock"));
    await screen.findByText("Café Crema");
    expect(await violations()).toEqual([]);
    await user.click(screen.getByTestId("nav-customers"));
    await screen.findByText("Bea Buyer");
    expect(await violations()).toEqual([]);
    await user.click(screen.getByTestId("nav-reports"));
    await screen.findByTestId("reports-screen");
    expect(await violations()).toEqual([]);
    await user.click(screen.getByTestId("nav-admin"));
    for (const tab of ["staff", "settings", "audit", "conflicts", "devices"]) {
      await user.click(screen.getByTestId(`admin-tab-${tab}`));
      await new Promise((r) => setTimeout(r, 50));
      expect(await violations(), tab).toEqual([]);
    }
    await screen.findByTestId("pair-form");
    // The outbox, from the sync badge, lists what waits by kind.
    await user.click(screen.getByTestId("sync-badge"));
    await screen.findByTestId("outbox-groups");
    expect(await violations(), "outbox").toEqual([]);
  }, 60_000);

  it("finds no WCAG 2.1 A/AA violation on setup, its enrolment step and sign-in", async () => {
    setLocale("en");
    const backend = createMockBackend();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.type(await screen.findByTestId("store-name"), "Corner Shop");
    expect(await violations()).toEqual([]);
    await user.click(screen.getByTestId("setup-next"));
    expect(await violations()).toEqual([]);
    await user.type(screen.getByTestId("admin-email"), "ada@example.com");
    await user.type(screen.getByTestId("admin-password"), PASSWORD);
    await user.type(screen.getByTestId("admin-password-repeat"), PASSWORD);
    await user.click(screen.getByTestId("setup-create"));
    await screen.findByTestId("totp-secret");
    expect(await violations()).toEqual([]);
    await user.click(screen.getByTestId("backup-saved"));
    await user.type(screen.getByTestId("totp-code"), MOCK_TOTP);
    await user.click(screen.getByTestId("setup-confirm"));
    await screen.findByTestId("main-frame");
    await user.click(screen.getByTestId("user-menu"));
    await user.click(screen.getByTestId("logout"));
    await screen.findByTestId("login-email");
    expect(await violations()).toEqual([]);
  }, 60_000);
});
