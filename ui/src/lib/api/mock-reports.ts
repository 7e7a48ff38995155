// The mock backend's reports (Vitest, plain browser): sales, stock and staff figures from the
// till's orders, all on the mock's one business day (2026-11-22), and their exports as CSV.
import type { SalesReportDto } from "./bindings/SalesReportDto";
import type { SalesRowDto } from "./bindings/SalesRowDto";
import type { ReportBasisDto } from "./bindings/ReportBasisDto";
import type { Permission } from "./bindings/Permission";
import { BackendError } from "./backend";
import type { MockCatalog } from "./mock-catalog";
import type { Handlers } from "./mock";

/** A sale as the reports see it. */
export interface ReportOrder {
  total_minor: number;
  tenders: { kind: string; amount_minor: number }[];
  lines: { name: string; quantity: number; total_minor: number }[];
  staff: string;
}

export interface ReportContext {
  orders: () => ReportOrder[];
  currency: () => string;
  require: (permission: Permission) => void;
  lastSyncAt: () => string | null;
}

const DAY = "2026-11-22";
const DIMENSIONS = ["product", "category", "staff", "tender", "customer", "device", "hour", "day", "week", "month"];

function checkPeriod(from: string, to: string) {
  const date = /^\d{4}-\d{2}-\d{2}$/;
  if (!date.test(from) || !date.test(to)) throw new BackendError("invalid_input", "a period is two dates (YYYY-MM-DD)");
  if (from > to) throw new BackendError("invalid_input", "the period ends before it starts");
}

export function reportHandlers(catalog: MockCatalog, ctx: ReportContext): Handlers {
  const basis = (): ReportBasisDto => ({ made_at: "2026-11-22T10:00:00.000Z", last_sync_at: ctx.lastSyncAt(), currency: ctx.currency(), currency_exponent: 2 });

  function sales(from: string, to: string, by: string): SalesReportDto {
    checkPeriod(from, to);
    if (!DIMENSIONS.includes(by)) throw new BackendError("invalid_input", `'${by}' is not a grouping`);
    const orders = from <= DAY && DAY <= to ? ctx.orders() : [];
    const groups = new Map<string, SalesRowDto>();
    const add = (key: string, label: string, gross: number, quantity: number | null, count: boolean) => {
      const row = groups.get(key) ?? {
        key, label, orders: 0, quantity: quantity === null ? null : 0, gross_minor: 0, discount_minor: by === "tender" ? null : 0,
        tax_minor: by === "tender" ? null : 0, refunds: 0, refunds_minor: 0, net_minor: 0, cost_minor: null, margin_minor: null,
      };
      if (count) row.orders += 1;
      if (quantity !== null) row.quantity = (row.quantity ?? 0) + quantity;
      row.gross_minor += gross;
      row.net_minor += gross;
      groups.set(key, row);
    };
    for (const o of orders) {
      if (by === "product" || by === "category") {
        for (const l of o.lines) add(l.name, l.name, l.total_minor, l.quantity, true);
      } else if (by === "tender") {
        for (const t of o.tenders) add(t.kind, t.kind, t.amount_minor, null, true);
      } else {
        const key = { day: DAY, week: "2026-W47", month: "2026-11", hour: "10", staff: o.staff, customer: "", device: "01" }[by] ?? DAY;
        add(key, key || "—", o.total_minor, null, true);
      }
    }
    const byTender: Record<string, number> = {};
    for (const o of orders) for (const t of o.tenders) byTender[t.kind] = (byTender[t.kind] ?? 0) + t.amount_minor;
    const gross = orders.reduce((n, o) => n + o.total_minor, 0);
    return {
      from, to, by, basis: basis(), rows: [...groups.values()],
      totals: {
        orders: orders.length, gross_minor: gross, discount_minor: 0, tax_minor: 0, rounding_minor: 0, refunds: 0, refunds_minor: 0,
        refunds_tax_minor: 0, refunds_rounding_minor: 0, voids: 0, net_minor: gross, by_tender: byTender, refunds_by_tender: {},
        cost_minor: null, margin_minor: null, lines_without_cost: null,
      },
    };
  }

  const major = (m: number) => (m / 100).toFixed(2);
  const cell = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
  const csvLine = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",");

  return {
    report_sales: (input) => {
      ctx.require("view_reports");
      if (input.with_cost) ctx.require("view_cost_prices");
      return sales(input.from, input.to, input.by ?? "day");
    },
    report_stock: () => {
      ctx.require("view_reports");
      ctx.require("view_cost_prices");
      const tracked = catalog.products.filter((p) => p.stock_tracked && p.level);
      const units = tracked.reduce((n, p) => n + (p.level?.on_hand ?? 0), 0);
      const value = tracked.reduce((n, p) => n + (p.level?.on_hand ?? 0) * (p.cost_minor ?? 0), 0);
      return {
        as_of: DAY, basis: basis(), locations: [{ location_id: "loc-1", name: "Shop floor", units, value_minor: value }], units, value_minor: value,
        items_without_cost: tracked.filter((p) => p.cost_minor === null).length,
        low: tracked.filter((p) => p.low).map((p) => ({ product_id: p.id, sku: p.sku, name: p.display_name, available: p.level?.available ?? 0, threshold: p.low_threshold ?? 0 })),
        slow_mover_days: 30, slow_movers: [],
      };
    },
    report_staff: (input) => {
      ctx.require("view_reports");
      checkPeriod(input.from, input.to);
      const r = sales(input.from, input.to, "staff");
      return {
        from: input.from, to: input.to, basis: basis(), overrides: [],
        people: r.rows.map((x) => ({
          staff_id: x.key, name: x.key, role: "manager", orders: x.orders, sales_minor: x.gross_minor, discount_minor: 0, refunds: 0,
          refunds_minor: 0, voids: 0, voids_minor: 0, drawer_opens: 0, overrides: 0, approvals: 0,
        })),
      };
    },
    report_export: (input) => {
      ctx.require("view_reports");
      const format = input.format.trim().toLowerCase();
      if (format !== "csv" && format !== "pdf") throw new BackendError("invalid_input", `'${input.format}' is not an export format (csv or pdf)`);
      if (input.report !== "sales") throw new BackendError("invalid_input", "the mock exports the sales report only");
      if (!input.from || !input.to) throw new BackendError("invalid_input", "the sales report needs a period: from and to (YYYY-MM-DD)");
      const by = input.by ?? "day";
      const r = sales(input.from, input.to, by);
      const lines = [csvLine(["key", by, "orders", "gross", "net"]), ...r.rows.map((x) => csvLine([cell(x.key), cell(x.label), String(x.orders), major(x.gross_minor), major(x.net_minor)]))];
      const name = `sales-by-${by}-${input.from}-${input.to}`;
      if (format === "csv") return { format, file_name: `${name}.csv`, csv: lines.join("\n") + "\n", base64: null, rows: r.rows.length };
      // A one-page PDF that says the totals, enough for a browser to open.
      const text = `Sales ${input.from} to ${input.to}: net ${major(r.totals.net_minor)} ${ctx.currency()}`;
      const pdf = `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n4 0 obj<</Length ${text.length + 30}>>stream\nBT /F1 12 Tf 50 790 Td (${text}) Tj ET\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`;
      return { format, file_name: `${name}.pdf`, csv: null, base64: btoa(pdf), rows: r.rows.length };
    },
  };
}
