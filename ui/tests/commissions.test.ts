// The commissions tab of the Reports screen: a manager reads what each person earned and had
// reversed in a period, opens one person's statement entry by entry, and reads it in German.
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import type { CommissionStatementDto } from "../src/lib/api/bindings/CommissionStatementDto";
import type { CommissionsReportDto } from "../src/lib/api/bindings/CommissionsReportDto";
import type { ReportBasisDto } from "../src/lib/api/bindings/ReportBasisDto";
import { MOCK_TOTP, createMockBackend } from "../src/lib/api/mock";
import { setLocale } from "../src/lib/i18n/index.svelte";

const PASSWORD = "correct horse battery staple";
const basis: ReportBasisDto = { made_at: "2026-11-22T10:00:00.000Z", last_sync_at: null, currency: "EUR", currency_exponent: 2 };

const REPORT: CommissionsReportDto = {
  from: "2026-11-01", to: "2026-11-30", basis,
  people: [{ staff_id: "s1", name: "Anna Agent", entries: 3, earned_minor: 3_330, reversed_minor: -2_498, net_minor: 832 }],
  earned_minor: 3_330, reversed_minor: -2_498, net_minor: 832,
};

const entry = (id: string, cause: string, base: number, amount: number) => ({
  id, business_date: "2026-11-20", created_at: "2026-11-20T10:00:00.000Z", source_kind: "booking", source_id: "b1",
  source_ref: "TRVL-01-B000001", cause_kind: amount < 0 ? "refund" : "payment", cause_ref: cause, base_minor: base, rate_bp: 333, amount_minor: amount,
});

const STATEMENT: CommissionStatementDto = {
  staff_id: "s1", name: "Anna Agent", from: "2026-11-01", to: "2026-11-30", basis,
  entries: [entry("e1", "TRVL-01-P000001", 30_000, 999), entry("e2", "TRVL-01-P000002", 70_000, 2_331), entry("e3", "TRVL-01-P000003", -75_000, -2_498)],
  earned_minor: 3_330, reversed_minor: -2_498, net_minor: 832,
};

async function manager() {
  const asked: string[] = [];
  const backend = createMockBackend({
    report_commissions: () => REPORT,
    commission_statement: (input) => {
      asked.push(input.staff ?? "");
      return STATEMENT;
    },
  });
  await backend.call("setup", { store_name: "Travel Desk", currency: "EUR", admin_email: "ada@example.com", password: PASSWORD });
  await backend.call("login", { email: "ada@example.com", password: PASSWORD, totp_code: MOCK_TOTP });
  return { backend, asked };
}

afterEach(() => setLocale("en"));

describe("the commissions tab", () => {
  it("shows each person's earned, reversed and net, and one person's statement", async () => {
    setLocale("en");
    const { backend, asked } = await manager();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-reports"));
    await user.click(await screen.findByTestId("report-tab-commissions"));
    const r = await screen.findByTestId("commissions-report");
    await expect.poll(() => within(r).queryByTestId("commission-person-s1")?.textContent).toContain("Anna Agent");
    expect(r).toHaveTextContent("€33.30");
    expect(r).toHaveTextContent("-€24.98");
    expect(r).toHaveTextContent("€8.32");
    expect(within(r).queryByTestId("commission-statement")).toBeNull();

    await user.click(within(r).getByTestId("commission-person-s1"));
    const s = await within(r).findByTestId("commission-statement");
    expect(asked).toEqual(["s1"]);
    expect(s).toHaveTextContent("Statement of Anna Agent");
    expect(s).toHaveTextContent("TRVL-01-P000003");
    expect(s).toHaveTextContent("3.33 %");
    expect(within(s).getAllByRole("row")).toHaveLength(4);
  });

  it("reads in German", async () => {
    setLocale("de");
    const { backend } = await manager();
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByTestId("nav-reports"));
    await user.click(await screen.findByTestId("report-tab-commissions"));
    const r = await screen.findByTestId("commissions-report");
    await expect.poll(() => within(r).queryByTestId("commission-person-s1")?.textContent).toContain("Anna Agent");
    expect(r).toHaveTextContent("Verdient");
    await user.click(within(r).getByTestId("commission-person-s1"));
    const s = await within(r).findByTestId("commission-statement");
    expect(s).toHaveTextContent("Abrechnung für Anna Agent");
    expect(s).toHaveTextContent("3,33 %");
  });
});
