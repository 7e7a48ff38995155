// A new device: the setup wizard through to the main frame, against the in-memory backend.
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

describe("first-run setup", () => {
  it("creates the store, shows the enrolment once and signs the admin in", async () => {
    setLocale("en");
    const backend = createMockBackend();
    const user = userEvent.setup();
    render(App, { props: { backend } });

    await user.type(await screen.findByTestId("store-name"), "Corner Shop");
    await user.click(screen.getByTestId("setup-next"));
    await user.type(screen.getByTestId("admin-email"), "ada@example.com");
    await user.type(screen.getByTestId("admin-password"), "correct horse battery staple");
    await user.type(screen.getByTestId("admin-password-repeat"), "correct horse battery staple");
    await user.click(screen.getByTestId("setup-create"));

    expect(await screen.findByTestId("totp-secret")).toHaveTextContent("JBSW Y3DP");
    expect(screen.getByTestId("backup-codes").querySelectorAll("li")).toHaveLength(10);
    // The confirm button waits for the backup codes to be written down and a 6-digit code.
    expect(screen.getByTestId("setup-confirm")).toBeDisabled();
    await user.click(screen.getByTestId("backup-saved"));
    await user.type(screen.getByTestId("totp-code"), MOCK_TOTP);
    await user.click(screen.getByTestId("setup-confirm"));

    expect(await screen.findByTestId("main-frame")).toBeInTheDocument();
    expect(screen.getByTestId("store-name-label")).toHaveTextContent("Corner Shop");
    const setupCall = backend.calls.find((c) => c.command === "setup");
    expect(setupCall?.input).toMatchObject({ store_name: "Corner Shop", currency: "EUR", admin_email: "ada@example.com" });
  });

  it("does not send differing passwords to the core", async () => {
    setLocale("en");
    const backend = createMockBackend();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.type(await screen.findByTestId("store-name"), "Corner Shop");
    await user.click(screen.getByTestId("setup-next"));
    await user.type(screen.getByTestId("admin-email"), "ada@example.com");
    await user.type(screen.getByTestId("admin-password"), "correct horse battery staple");
    await user.type(screen.getByTestId("admin-password-repeat"), "correct horse battery stapel");
    await user.click(screen.getByTestId("setup-create"));
    expect(await screen.findByTestId("setup-error")).toHaveTextContent("differ");
    expect(backend.calls.some((c) => c.command === "setup")).toBe(false);
  });

  it("shows the core's reason when the password is too weak", async () => {
    setLocale("en");
    const backend = createMockBackend();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.type(await screen.findByTestId("store-name"), "Corner Shop");
    await user.click(screen.getByTestId("setup-next"));
    await user.type(screen.getByTestId("admin-email"), "ada@example.com");
    await user.type(screen.getByTestId("admin-password"), "short");
    await user.type(screen.getByTestId("admin-password-repeat"), "short");
    await user.click(screen.getByTestId("setup-create"));
    expect(await screen.findByTestId("setup-error")).toHaveTextContent("at least 12");
  });
});

describe("joining a store", () => {
  it("reads a scanned pairing link into the server's address and the code", async () => {
    setLocale("en");
    const backend = createMockBackend({
      sync_pair: () => {
        throw new Error("stop here: the fields are what this test looks at");
      },
    });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("setup-mode-join"));
    // A 2D scanner types the QR code's text and Enter.
    const link = "kassa://pair?server=https%3A%2F%2Fsync.example.com%3A8443&code=7KQ2-M9XD-0RTA-W4HF";
    await user.type(screen.getByTestId("join-url"), `${link}{Enter}`);
    expect(screen.getByTestId("join-url")).toHaveValue("https://sync.example.com:8443");
    expect(screen.getByTestId("join-code")).toHaveValue("7KQ2-M9XD-0RTA-W4HF");
    expect(backend.calls.find((c) => c.command === "sync_pair")?.input).toMatchObject({
      server_url: "https://sync.example.com:8443",
      code: "7KQ2-M9XD-0RTA-W4HF",
    });
  });
});
