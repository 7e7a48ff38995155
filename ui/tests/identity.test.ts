// Staff identity in the UI against the in-memory backend: the lock screen, a manager's
// approval in place, invitations, my account, and asking before unsaved work is closed.
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { AppState } from "../src/lib/app.svelte";
import { setLocale } from "../src/lib/i18n/index.svelte";

const PASSWORD = "correct horse battery staple";

async function storeWith(role = "admin") {
  const backend = createMockBackend();
  await backend.call("setup", { store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
  backend.state.users.push(
    { id: "user-m", email: "max@example.com", display_name: "Max Manager", role: "manager", password: "manager password here", pin: "2580" },
    { id: "user-c", email: "cleo@example.com", display_name: "Cleo Cashier", role: "cashier", password: "cashier password here" },
  );
  const who = backend.state.users.find((u) => u.role === role)!;
  await backend.call("login", { email: who.email, password: who.password, totp_code: MOCK_TOTP });
  return backend;
}

describe("the lock screen", () => {
  it("locks with Ctrl+L, keeps the frame behind it, and the PIN unlocks", async () => {
    setLocale("en");
    const backend = await storeWith();
    backend.state.users[0].pin = "4711";
    backend.state.status.session!.has_pin = true;
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await screen.findByTestId("main-frame");
    await user.keyboard("{Control>}l{/Control}");
    const lock = await screen.findByTestId("lock-screen");
    expect(lock).toHaveTextContent("Admin");
    // The work behind stays mounted but cannot be reached.
    const shell = screen.getByTestId("main-frame").closest(".shell") as HTMLElement & { inert?: boolean };
    expect(shell.inert || shell.hasAttribute("inert")).toBe(true);
    await user.type(screen.getByTestId("lock-pin"), "0000");
    await user.click(screen.getByTestId("lock-unlock"));
    expect(await screen.findByTestId("lock-error")).toHaveTextContent("PIN is wrong");
    await user.type(screen.getByTestId("lock-pin"), "4711");
    await user.click(screen.getByTestId("lock-unlock"));
    await expect.poll(() => screen.queryByTestId("lock-screen")).toBeNull();
    expect(backend.calls.filter((c) => c.command === "session_unlock").map((c) => c.input)).toEqual([{ pin: "0000" }, { pin: "4711" }]);
  });

  it("asks for password and code when no PIN is set, in German too", async () => {
    setLocale("de");
    const backend = await storeWith();
    backend.state.status.session!.locked = true;
    render(App, { props: { backend } });
    expect(await screen.findByTestId("lock-screen")).toHaveTextContent("Gesperrt");
    expect(screen.getByTestId("lock-password")).toBeInTheDocument();
    expect(screen.getByTestId("lock-code")).toBeInTheDocument();
    setLocale("en");
  });
});

describe("a manager's approval in place", () => {
  it("lets a cashier unlock a locked-out colleague with the manager's credentials", async () => {
    setLocale("en");
    const backend = await storeWith("cashier");
    backend.state.users.push({ id: "user-a", email: "aziz@example.com", display_name: "Aziz", role: "agent", password: "agent password here", locked: true });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("user-menu"));
    await user.click(screen.getByTestId("menu-unlock-colleague"));
    await user.type(screen.getByTestId("colleague-email"), "aziz@example.com");
    const override = screen.getByTestId("colleague-override");
    await user.type(within(override).getByTestId("colleague-override-email"), "max@example.com");
    await user.type(within(override).getByTestId("colleague-override-password"), "wrong one");
    await user.type(within(override).getByTestId("colleague-override-code"), MOCK_TOTP);
    await user.click(within(override).getByTestId("colleague-override-approve"));
    expect(await screen.findByTestId("colleague-override-error")).toHaveTextContent("attempts left");
    // The PIN path: the code field was cleared for a fresh code.
    await user.click(within(override).getByTestId("colleague-override-toggle"));
    await user.type(within(override).getByTestId("colleague-override-pin"), "2580");
    await user.type(within(override).getByTestId("colleague-override-code"), MOCK_TOTP);
    await user.click(within(override).getByTestId("colleague-override-approve"));
    expect(await screen.findByTestId("unlock-colleague-done")).toHaveTextContent("aziz@example.com");
    const last = backend.calls.filter((c) => c.command === "staff_unlock").at(-1);
    expect(last?.input).toEqual({ email: "aziz@example.com", approval: { email: "max@example.com", password: undefined, pin: "2580", totp_code: MOCK_TOTP } });
    expect(screen.getByTestId("main-frame")).toBeInTheDocument();
  });

  it("at the sign-in screen a locked account can be unlocked by a manager on the spot", async () => {
    setLocale("en");
    const backend = await storeWith();
    await backend.call("logout", {});
    backend.state.users.find((u) => u.role === "cashier")!.locked = true;
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.type(await screen.findByTestId("login-email"), "cleo@example.com");
    await user.type(screen.getByTestId("login-password"), "cashier password here");
    await user.type(screen.getByTestId("login-code"), MOCK_TOTP);
    await user.click(screen.getByTestId("login-submit"));
    expect(await screen.findByTestId("login-error")).toHaveTextContent("until");
    await user.click(screen.getByTestId("login-manager-unlock"));
    await user.type(screen.getByTestId("login-override-email"), "max@example.com");
    await user.type(screen.getByTestId("login-override-password"), "manager password here");
    await user.type(screen.getByTestId("login-override-code"), MOCK_TOTP);
    await user.click(screen.getByTestId("login-override-approve"));
    expect(await screen.findByTestId("login-unlocked")).toBeInTheDocument();
    await user.type(screen.getByTestId("login-code"), MOCK_TOTP);
    await user.click(screen.getByTestId("login-submit"));
    expect(await screen.findByTestId("main-frame")).toBeInTheDocument();
  });
});

describe("invitations", () => {
  it("an admin invites, the code is shown once, and the person joins from the sign-in screen", async () => {
    setLocale("en");
    const backend = await storeWith();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-admin"));
    await user.click(screen.getByTestId("admin-tab-staff"));
    await user.type(await screen.findByTestId("invite-email"), "nia@example.com");
    await user.selectOptions(screen.getByTestId("invite-role"), "cashier");
    await user.click(screen.getByTestId("invite-submit"));
    const token = (await screen.findByTestId("issued-token")).getAttribute("data-token")!;
    expect(token).toMatch(/^TOKN/);
    await user.click(screen.getByTestId("issued-done"));
    expect(await screen.findByTestId("invitation-nia@example.com")).toBeInTheDocument();

    await user.click(screen.getByTestId("user-menu"));
    await user.click(screen.getByTestId("logout"));
    await user.click(await screen.findByTestId("login-have-code"));
    await user.type(await screen.findByTestId("accept-token"), token);
    await user.click(screen.getByTestId("accept-check"));
    expect(await screen.findByTestId("accept-intro")).toHaveTextContent("Cashier");
    await user.type(screen.getByTestId("accept-password"), "violet kettles hum at dawn");
    await user.type(screen.getByTestId("accept-password-repeat"), "violet kettles hum at dawn");
    await user.click(screen.getByTestId("accept-submit"));
    expect(await screen.findByTestId("enrol-backup-codes")).toBeInTheDocument();
    expect(screen.getByTestId("accept-continue")).toBeDisabled();
    await user.click(screen.getByTestId("accept-saved"));
    await user.click(screen.getByTestId("accept-continue"));
    expect(await screen.findByTestId("login-email")).toHaveValue("nia@example.com");
  });
});

describe("settings", () => {
  it("an admin shortens the idle lock in Admin → Settings within the core's bounds", async () => {
    setLocale("en");
    const backend = await storeWith();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-admin"));
    await user.click(screen.getByTestId("admin-tab-settings"));
    const input = await screen.findByTestId("setting-input-security.idle_lock_minutes");
    await user.clear(input);
    await user.type(input, "60");
    await user.click(screen.getByTestId("setting-save-security.idle_lock_minutes"));
    // The field's bounds come from the core; the form does not send a value outside them.
    expect(backend.calls.some((c) => c.command === "settings_set")).toBe(false);
    await user.clear(input);
    await user.type(input, "5");
    await user.click(screen.getByTestId("setting-save-security.idle_lock_minutes"));
    await expect.poll(() => backend.calls.filter((c) => c.command === "settings_set").at(-1)?.input).toEqual({ key: "security.idle_lock_minutes", value: 5 });
    expect(await screen.findByText("Saved.")).toBeInTheDocument();
  });
});

describe("my account", () => {
  it("sets a PIN with the current password and a forced reset shows only the password change", async () => {
    setLocale("en");
    const backend = await storeWith();
    const user = userEvent.setup();
    const { unmount } = render(App, { props: { backend } });
    await user.click(await screen.findByTestId("user-menu"));
    await user.click(screen.getByTestId("menu-account"));
    await user.type(await screen.findByTestId("account-pin-password"), PASSWORD);
    await user.type(screen.getByTestId("account-pin"), "4711");
    await user.type(screen.getByTestId("account-pin-repeat"), "4712");
    await user.click(screen.getByTestId("account-set-pin"));
    expect(await screen.findByTestId("account-pin-error")).toHaveTextContent("differ");
    await user.clear(screen.getByTestId("account-pin-repeat"));
    await user.type(screen.getByTestId("account-pin-repeat"), "4711");
    await user.click(screen.getByTestId("account-set-pin"));
    expect(await screen.findByTestId("account-pin-done")).toBeInTheDocument();
    expect(backend.state.users[0].pin).toBe("4711");
    unmount();

    backend.state.status.session!.must_change_password = true;
    backend.state.users[0].must_change_password = true;
    render(App, { props: { backend } });
    expect(await screen.findByTestId("forced-password")).toBeInTheDocument();
    expect(screen.queryByTestId("main-frame")).toBeNull();
    await user.type(screen.getByTestId("account-current-password"), PASSWORD);
    await user.type(screen.getByTestId("account-new-password"), "violet kettles hum at dawn");
    await user.type(screen.getByTestId("account-new-password-repeat"), "violet kettles hum at dawn");
    await user.click(screen.getByTestId("account-change-password"));
    expect(await screen.findByTestId("main-frame")).toBeInTheDocument();
  });
});

describe("leaving the till", () => {
  it("asks before closing unsaved work and signs out only when confirmed", async () => {
    const backend = await storeWith();
    const app = new AppState(backend);
    await app.refresh();
    const remove = app.addUnsavedGuard(() => "Open cart with 3 items");
    await app.logout();
    expect(app.leaving).toEqual({ kind: "logout", items: ["Open cart with 3 items"] });
    expect(backend.calls.some((c) => c.command === "logout")).toBe(false);
    await app.leave("logout");
    expect(backend.calls.some((c) => c.command === "logout")).toBe(true);
    expect(app.session).toBeNull();
    remove();
    expect(app.unsavedWork()).toEqual([]);
  });

  it("tells the core about activity only when there was some", async () => {
    const backend = await storeWith();
    const app = new AppState(backend);
    await app.refresh();
    await app.heartbeat();
    expect(backend.calls.some((c) => c.command === "session_activity")).toBe(false);
    app.noteActivity();
    await app.heartbeat();
    expect(backend.calls.filter((c) => c.command === "session_activity")).toHaveLength(1);
  });
});
