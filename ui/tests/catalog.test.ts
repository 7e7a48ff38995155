// The product search the Sell screen embeds, the Stock screen and the Customers screen,
// against the in-memory backend.
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";
import ProductSearchHarness from "./ProductSearchHarness.svelte";

async function signedInStore() {
  const backend = createMockBackend();
  await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: "correct horse battery staple" });
  await backend.call("login", { email: "ada@example.com", password: "correct horse battery staple", totp_code: MOCK_TOTP });
  return backend;
}

async function withProducts() {
  const backend = await signedInStore();
  await backend.call("product_create", {
    product: { sku: "CAF-1", name: "Café Crema", price_minor: 280, barcodes: ["4006381333931"] },
    initial_stock: 10,
  });
  await backend.call("product_create", { product: { sku: "TEA-1", name: "Green tea", price_minor: 250 }, initial_stock: 3 });
  return backend;
}

describe("product search", () => {
  it("finds as you type, accents ignored, and picks with the keyboard", async () => {
    setLocale("en");
    const backend = await withProducts();
    const onpick = vi.fn();
    const user = userEvent.setup();
    render(ProductSearchHarness, { props: { backend, onpick } });
    await user.type(screen.getByTestId("product-search-input"), "cafe");
    expect(await screen.findByTestId("product-search-result-CAF-1")).toHaveTextContent("Café Crema");
    expect(screen.queryByTestId("product-search-result-TEA-1")).toBeNull();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(onpick).toHaveBeenCalledTimes(1));
    expect(onpick.mock.calls[0][0].sku).toBe("CAF-1");
    expect(screen.getByTestId("product-search-input")).toHaveValue("");
  });

  it("picks an exact barcode on Enter at once, as a scanner sends it", async () => {
    setLocale("en");
    const backend = await withProducts();
    const onpick = vi.fn();
    const user = userEvent.setup();
    render(ProductSearchHarness, { props: { backend, onpick } });
    await user.type(screen.getByTestId("product-search-input"), "4006381333931{Enter}");
    await waitFor(() => expect(onpick).toHaveBeenCalledTimes(1));
    expect(onpick.mock.calls[0][0].sku).toBe("CAF-1");
    expect(backend.calls.some((c) => c.command === "product_lookup")).toBe(true);
  });

  it("says so when a scanned code is unknown", async () => {
    setLocale("en");
    const backend = await withProducts();
    const onpick = vi.fn();
    const user = userEvent.setup();
    render(ProductSearchHarness, { props: { backend, onpick } });
    await user.type(screen.getByTestId("product-search-input"), "0000000000000{Enter}");
    expect(await screen.findByTestId("product-search-not-found")).toHaveTextContent("0000000000000");
    expect(onpick).not.toHaveBeenCalled();
  });
});

describe("stock", () => {
  it("adds a product, receives 10, adjusts by -2 with a reason and shows 8 and the history", async () => {
    setLocale("en");
    const backend = await signedInStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-stock"));
    await user.click(await screen.findByTestId("stock-new-product"));
    await user.type(screen.getByTestId("product-name"), "Hazelnut spread");
    await user.type(screen.getByTestId("product-sku"), "HAZ-400");
    await user.type(screen.getByTestId("product-price"), "3,49");
    await user.type(screen.getByTestId("product-barcodes"), "4001234567891");
    await user.click(screen.getByTestId("product-save"));
    const panel = await screen.findByTestId("product-panel");
    expect(within(panel).getByTestId("product-title")).toHaveTextContent("Hazelnut spread");
    expect(backend.calls.find((c) => c.command === "product_create")?.input).toMatchObject({ product: { price_minor: 349 } });

    await user.click(within(panel).getByTestId("stock-receive"));
    await user.type(screen.getByTestId("move-qty"), "10");
    await user.click(screen.getByTestId("move-save"));
    await waitFor(() => expect(screen.getByTestId("product-level")).toHaveTextContent("10"));

    await user.click(screen.getByTestId("stock-adjust"));
    await user.type(screen.getByTestId("move-qty"), "-2");
    await user.type(screen.getByTestId("move-reason"), "Dropped two jars");
    await user.click(screen.getByTestId("move-save"));
    await waitFor(() => expect(screen.getByTestId("product-level")).toHaveTextContent("8"));
    const history = screen.getByTestId("movement-list");
    expect(within(history).getByTestId("movement-adjustment")).toHaveTextContent("Dropped two jars");
    expect(within(history).getByTestId("movement-receipt")).toHaveTextContent("+10");
  });

  it("shows the core's refusal when an adjustment would go below zero", async () => {
    setLocale("en");
    const backend = await withProducts();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-stock"));
    await user.click(await screen.findByTestId("stock-row-TEA-1"));
    await user.click(await screen.findByTestId("stock-adjust"));
    await user.type(screen.getByTestId("move-qty"), "-5");
    await user.type(screen.getByTestId("move-reason"), "broken");
    await user.click(screen.getByTestId("move-save"));
    expect(await screen.findByTestId("move-error")).toHaveTextContent("3 available, 5 wanted");
  });

  it("refuses a price that is not an amount before asking the core", async () => {
    setLocale("en");
    const backend = await signedInStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-stock"));
    await user.click(await screen.findByTestId("stock-new-product"));
    await user.type(screen.getByTestId("product-name"), "X");
    await user.type(screen.getByTestId("product-sku"), "X");
    await user.type(screen.getByTestId("product-price"), "two euros");
    await user.click(screen.getByTestId("product-save"));
    expect(await screen.findByTestId("product-error")).toHaveTextContent("2.49");
    expect(backend.calls.some((c) => c.command === "product_create")).toBe(false);
  });

  it("counts by scanning and posts the differences", async () => {
    setLocale("en");
    const backend = await withProducts();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-stock"));
    await user.click(await screen.findByTestId("stock-count"));
    const input = await screen.findByTestId("count-search-input");
    await user.type(input, "4006381333931{Enter}");
    await screen.findByTestId("count-line-CAF-1");
    await user.type(input, "4006381333931{Enter}");
    await waitFor(() => expect(screen.getByTestId("count-qty-CAF-1")).toHaveValue(2));
    await user.click(screen.getByTestId("count-post"));
    expect(await screen.findByTestId("stock-notice")).toHaveTextContent("Count posted: 1 item changed.");
    const post = backend.calls.find((c) => c.command === "stock_count");
    expect(post?.input).toMatchObject({ lines: [{ counted: 2 }] });
  });
});

describe("customers", () => {
  it("adds a customer, finds them without their accent, and speaks German", async () => {
    setLocale("de");
    const backend = await signedInStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-customers"));
    expect(await screen.findByRole("heading", { name: "Kundschaft" })).toBeInTheDocument();
    await user.click(screen.getByTestId("customer-new"));
    await user.type(screen.getByTestId("customer-name"), "Jörg Müller");
    await user.type(screen.getByTestId("customer-email"), "joerg@example.com");
    await user.click(screen.getByTestId("customer-consent"));
    await user.click(screen.getByTestId("customer-save"));
    expect(await screen.findByTestId("customer-notice")).toHaveTextContent("Gespeichert");
    expect(screen.getByTestId("customer-history")).toHaveTextContent("Noch keine Einkäufe");
    await user.type(screen.getByTestId("customer-search"), "muller");
    await waitFor(() => expect(screen.getAllByTestId("customer-row")).toHaveLength(1));
    setLocale("en");
  });

  it("merges a duplicate into the customer kept", async () => {
    setLocale("en");
    const backend = await signedInStore();
    await backend.call("customer_create", { name: "Anna Schmidt", email: "anna@example.org" });
    await backend.call("customer_create", { name: "Anna Schmidt (phone)", phone: "0176 1234567" });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-customers"));
    await waitFor(() => expect(screen.getAllByTestId("customer-row")).toHaveLength(2));
    await user.click(screen.getAllByTestId("customer-row")[0]);
    await user.type(await screen.findByTestId("merge-search"), "phone");
    await user.click(await screen.findByTestId("merge-candidate"));
    await user.click(screen.getByTestId("merge-confirm"));
    await waitFor(() => expect(screen.getAllByTestId("customer-row")).toHaveLength(1));
    expect(screen.getByTestId("customer-phone")).toHaveValue("0176 1234567");
  });
});
