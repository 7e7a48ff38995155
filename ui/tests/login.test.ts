// Shift start on a set-up device: wrong credentials say so; right ones open the main frame.
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

async function setUpStore() {
  const backend = createMockBackend();
  await backend.call("setup", {
    store_name: "Corner Shop",
    currency: "EUR",
    admin_email: "ada@example.com",
    password: "correct horse battery staple",
  });
  return backend;
}

describe("sign-in", () => {
  it("refuses a wrong password with the core's message and keeps the email", async () => {
    setLocale("en");
    const backend = await setUpStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.type(await screen.findByTestId("login-email"), "ada@example.com");
    await user.type(screen.getByTestId("login-password"), "wrong password here");
    await user.type(screen.getByTestId("login-code"), MOCK_TOTP);
    await user.click(screen.getByTestId("login-submit"));
    expect(await screen.findByTestId("login-error")).toHaveTextContent("attempts left");
    expect(screen.getByTestId("login-email")).toHaveValue("ada@example.com");
    expect(screen.getByTestId("login-code")).toHaveValue("");
  });

  it("opens the main frame with the sections the role may use, and signs out", async () => {
    setLocale("en");
    const backend = await setUpStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.type(await screen.findByTestId("login-email"), "ada@example.com");
    await user.type(screen.getByTestId("login-password"), "correct horse battery staple");
    await user.type(screen.getByTestId("login-code"), MOCK_TOTP);
    await user.click(screen.getByTestId("login-submit"));
    expect(await screen.findByTestId("main-frame")).toBeInTheDocument();
    for (const s of ["sell", "bookings", "customers", "stock", "reports", "admin"]) {
      expect(screen.getByTestId(`nav-${s}`)).toBeInTheDocument();
    }
    await user.keyboard("{Alt>}6{/Alt}");
    expect(await screen.findByTestId("admin-screen")).toBeInTheDocument();

    await user.click(screen.getByTestId("user-menu"));
    await user.click(screen.getByTestId("logout"));
    expect(await screen.findByTestId("login-screen")).toBeInTheDocument();
  });

  it("sends a backup code instead of a TOTP code when asked", async () => {
    setLocale("en");
    const backend = await setUpStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.type(await screen.findByTestId("login-email"), "ada@example.com");
    await user.type(screen.getByTestId("login-password"), "correct horse battery staple");
    await user.click(screen.getByTestId("toggle-backup"));
    await user.type(screen.getByTestId("login-backup-code"), "AAAA1-BBBB1");
    await user.click(screen.getByTestId("login-submit"));
    await screen.findByTestId("main-frame");
    const login = backend.calls.find((c) => c.command === "login");
    expect(login?.input).toMatchObject({ backup_code: "AAAA1-BBBB1", totp_code: undefined });
  });

  it("speaks German when asked, with the core's detail kept", async () => {
    setLocale("de");
    const backend = await setUpStore();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    expect(await screen.findByRole("heading", { name: "Anmelden" })).toBeInTheDocument();
    await user.type(screen.getByTestId("login-email"), "ada@example.com");
    await user.type(screen.getByTestId("login-password"), "nope nope nope nope");
    await user.type(screen.getByTestId("login-code"), MOCK_TOTP);
    await user.click(screen.getByTestId("login-submit"));
    expect(await screen.findByTestId("login-error")).toHaveTextContent("E-Mail, Passwort oder Code ist falsch");
    setLocale("en");
  });
});
