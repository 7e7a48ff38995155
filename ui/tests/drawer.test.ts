// The drawer dialog's "no sale": offered to those who may open the drawer, asking why, and the
// X report counting the drawer's openings outside a sale.
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

const PASSWORD = "correct horse battery staple";

describe("the drawer with no sale", () => {
  it("asks why, calls the core with the reason, and shows the X report's count", async () => {
    setLocale("en");
    const backend = createMockBackend();
    await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
    await backend.call("login", { email: "ada@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
    await backend.call("shift_open", { counts: [{ denomination_minor: 1000, count: 5 }] });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await screen.findByTestId("sell-screen");
    await user.click(await screen.findByTestId("open-shift"));
    const dialog = await screen.findByTestId("shift-dialog");
    expect(within(dialog).getByTestId("drawer-opens")).toHaveTextContent("0");
    await user.click(within(dialog).getByTestId("no-sale"));
    await user.type(within(dialog).getByTestId("no-sale-reason"), "change for the bakery");
    await user.click(within(dialog).getByTestId("no-sale-submit"));
    const call = backend.calls.find((c) => c.command === "drawer_open");
    expect(call?.input).toEqual({ reason: "change for the bakery" });
    // This shop has no receipt printer: the drawer cannot open, and the dialog says why.
    expect(await within(dialog).findByTestId("shift-error")).toBeVisible();
  });
});
