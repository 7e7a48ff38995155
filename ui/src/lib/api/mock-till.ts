// The till of the mock backend (Vitest, plain browser): the cart, parked carts, checkout, the
// drawer's shifts, receipts and the day's Z report. Money is integer minor units throughout, as
// in the core: prices include tax, a percent discount rounds half up, cash pays the total rounded
// to the currency's smallest coin, and a checkout without a shift opens one with no float.
import type { CartDto } from "./bindings/CartDto";
import type { CartLineDto } from "./bindings/CartLineDto";
import type { CheckoutOutput } from "./bindings/CheckoutOutput";
import type { DiscountDto } from "./bindings/DiscountDto";
import type { EmailStatusDto } from "./bindings/EmailStatusDto";
import type { ShiftDto } from "./bindings/ShiftDto";
import type { ShiftStatusDto } from "./bindings/ShiftStatusDto";
import type { TaxLineDto } from "./bindings/TaxLineDto";
import type { ZReportDto } from "./bindings/ZReportDto";
import type { Permission } from "./bindings/Permission";
import { BackendError } from "./backend";
import type { MockCatalog } from "./mock-catalog";
import type { Handlers } from "./mock";

/** What the till needs to know about the store and the person at it. */
export interface TillContext {
  currency: () => string;
  staffName: () => string;
  /** Throws `forbidden` (or `unauthenticated`) unless the signed-in person may do it. */
  require: (permission: Permission) => void;
  /** Told of every sale, for the reports. */
  onOrder?: (order: { total_minor: number; tenders: { kind: string; amount_minor: number }[]; lines: { name: string; quantity: number; total_minor: number }[]; staff: string }) => void;
}

/** Notes and coins, largest first, in minor units. */
const DENOMINATIONS: Record<string, number[]> = {
  EUR: [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1],
  CHF: [100000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5],
};
const CASH_STEP: Record<string, number> = { CHF: 5, CAD: 5, AUD: 5, NZD: 10, DKK: 50, SEK: 100, NOK: 100, CZK: 100, HUF: 500 };
/** The largest quantity of one line, as the core allows. */
const MAX_QUANTITY = 100_000;
/** The most a percent discount may take without a manager (sell.max_discount_bp). */
const MAX_DISCOUNT_BP = 2000;

interface Line {
  id: string;
  product_id: string;
  quantity: number;
  unit_price_minor: number;
  tax_rate_bp: number;
  discount: DiscountDto;
}

interface Cart {
  id: string;
  name: string;
  lines: Line[];
  customer_id: string | null;
  order_discount: DiscountDto;
  updated_at: string;
}

interface Order {
  id: string;
  number: string;
  total_minor: number;
  rounding_minor: number;
  tenders: { kind: string; amount_minor: number }[];
  change_minor: number;
  shift_id: string;
  lines: { name: string; quantity: number; total_minor: number }[];
}

const percentOf = (amount: number, bp: number) => Math.floor((amount * bp + 5000) / 10000);

function discountMinor(gross: number, d: DiscountDto): number {
  if (d.kind === "percent") return Math.min(gross, percentOf(gross, d.basis_points));
  if (d.kind === "amount") return Math.min(gross, d.amount_minor);
  return 0;
}

/** Cash rounding: to the nearest multiple of `step`, halves up. */
function roundCash(amount: number, step: number): number {
  if (step <= 1) return amount;
  const rem = ((amount % step) + step) % step;
  return rem * 2 >= step ? amount - rem + step : amount - rem;
}

export function tillHandlers(catalog: MockCatalog, ctx: TillContext): Handlers {
  let seq = 0;
  const id = (p: string) => `${p}-${++seq}`;
  const now = () => new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + ++seq * 1000).toISOString();
  const newCart = (): Cart => ({ id: id("cart"), name: "", lines: [], customer_id: null, order_discount: { kind: "none" }, updated_at: now() });
  let cart = newCart();
  const parked: Cart[] = [];
  const orders: Order[] = [];
  // Receipt emails queued: they wait here, as on a device that has not synced yet.
  const emails: EmailStatusDto[] = [];
  const shifts: (ShiftDto & { float_minor: number; cash_in_minor: number; cash_out_minor: number; drawer_opens: number })[] = [];
  const zReports: ZReportDto[] = [];
  const replies = new Map<string, { body: string; out: CheckoutOutput }>();
  let receiptSeq = 0;

  const product = (pid: string) => {
    const p = catalog.products.find((x) => x.id === pid);
    if (!p) throw new BackendError("not_found", `no product with id ${pid}`);
    return p;
  };
  const line = (lineId: string) => {
    const l = cart.lines.find((x) => x.id === lineId);
    if (!l) throw new BackendError("not_found", "that line is no longer in the cart");
    return l;
  };
  const checkQuantity = (q: number) => {
    if (!Number.isInteger(q) || q < 1 || q > MAX_QUANTITY) {
      throw new BackendError("invalid_input", `a quantity is a whole number from 1 to ${MAX_QUANTITY}`);
    }
  };
  const checkDiscount = (d: DiscountDto) => {
    if (d.kind === "percent" && (!Number.isInteger(d.basis_points) || d.basis_points < 0 || d.basis_points > 10000)) {
      throw new BackendError("invalid_input", "a percent discount is between 0 and 100 %");
    }
    if (d.kind === "amount" && (!Number.isInteger(d.amount_minor) || d.amount_minor < 0)) {
      throw new BackendError("invalid_input", "a discount amount is a whole number of minor units, at least 0");
    }
  };

  function cartDto(): CartDto {
    const lines: CartLineDto[] = cart.lines.map((l) => {
      const p = product(l.product_id);
      const gross = l.unit_price_minor * l.quantity;
      const off = discountMinor(gross, l.discount);
      return {
        id: l.id, product_id: l.product_id, sku: p.sku, name: p.display_name, quantity: l.quantity,
        unit_price_minor: l.unit_price_minor, tax_rate_bp: l.tax_rate_bp, price_includes_tax: true,
        discount: l.discount, discount_minor: off, total_minor: gross - off,
        current_price_minor: p.price_minor !== l.unit_price_minor ? p.price_minor : null,
      };
    });
    const subtotal = lines.reduce((s, l) => s + l.unit_price_minor * l.quantity, 0);
    const afterLines = lines.reduce((s, l) => s + l.total_minor, 0);
    const orderOff = discountMinor(afterLines, cart.order_discount);
    const total = afterLines - orderOff;
    // The order discount is shared over the lines by their totals, the remainder on the last.
    const taxes = new Map<number, TaxLineDto>();
    let shared = 0;
    lines.forEach((l, i) => {
      const share = i === lines.length - 1 ? orderOff - shared : afterLines ? Math.floor((orderOff * l.total_minor) / afterLines) : 0;
      shared += share;
      const gross = l.total_minor - share;
      const tax = l.tax_rate_bp ? Math.floor((gross * l.tax_rate_bp + (10000 + l.tax_rate_bp) / 2) / (10000 + l.tax_rate_bp)) : 0;
      const t = taxes.get(l.tax_rate_bp) ?? { rate_bp: l.tax_rate_bp, net_minor: 0, tax_minor: 0, gross_minor: 0 };
      t.gross_minor += gross;
      t.tax_minor += tax;
      t.net_minor += gross - tax;
      taxes.set(l.tax_rate_bp, t);
    });
    const customer = catalog.customers.find((c) => c.id === cart.customer_id);
    return {
      id: cart.id, lines, customer_id: cart.customer_id, customer_name: customer?.name ?? null,
      order_discount: cart.order_discount, subtotal_minor: subtotal, discount_minor: subtotal - total,
      tax_minor: [...taxes.values()].reduce((s, t) => s + t.tax_minor, 0), total_minor: total,
      taxes: [...taxes.values()].sort((a, b) => a.rate_bp - b.rate_bp),
      cash_total_minor: roundCash(total, CASH_STEP[ctx.currency()] ?? 1), parked: parked.length,
    };
  }

  const openShift = () => shifts.find((s) => s.status === "open") ?? null;

  function shiftStatus(): ShiftStatusDto {
    const s = openShift();
    const mine = s ? orders.filter((o) => o.shift_id === s.id) : [];
    const by = (kind: string) => mine.reduce((n, o) => n + o.tenders.filter((t) => t.kind === kind).reduce((m, t) => m + t.amount_minor, 0), 0);
    const cashSales = by("cash");
    return {
      shift: s ? strip(s) : null,
      figures: s
        ? {
            orders: mine.length, sales_minor: mine.reduce((n, o) => n + o.total_minor + o.rounding_minor, 0), refunds: 0, refunds_minor: 0,
            cash_sales_minor: cashSales, card_sales_minor: by("card"), voucher_sales_minor: by("voucher"), cash_refunds_minor: 0,
            cash_in_minor: s.cash_in_minor, cash_out_minor: s.cash_out_minor, booking_cash_minor: 0, float_minor: s.float_minor,
            expected_cash_minor: s.float_minor + cashSales + s.cash_in_minor - s.cash_out_minor,
            drawer_opens: s.drawer_opens, card_declined_minor: 0,
          }
        : null,
      denominations: DENOMINATIONS[ctx.currency()] ?? DENOMINATIONS.EUR,
      recent: shifts.filter((x) => x.status === "closed").reverse().map(strip),
    };
  }
  function strip(s: (typeof shifts)[number]): ShiftDto {
    const { float_minor: _f, cash_in_minor: _i, cash_out_minor: _o, drawer_opens: _d, ...dto } = s;
    return { ...dto };
  }
  function counted(counts: { denomination_minor: number; count: number }[]): number {
    let sum = 0;
    for (const c of counts) {
      if (!Number.isInteger(c.count) || c.count < 0 || !Number.isInteger(c.denomination_minor) || c.denomination_minor <= 0) {
        throw new BackendError("invalid_input", "a count is a whole number of notes or coins, at least 0");
      }
      sum += c.denomination_minor * c.count;
    }
    return sum;
  }
  function startShift(float: number) {
    const s = {
      id: id("shift"), number: shifts.length + 1, status: "open" as const, opened_by_name: ctx.staffName(), opened_at: now(),
      closed_at: null, expected_minor: null, counted_minor: null, over_short_minor: null,
      float_minor: float, cash_in_minor: 0, cash_out_minor: 0, drawer_opens: 0,
    };
    shifts.push(s);
    return s;
  }

  function zReport(): ZReportDto {
    const open = orders.filter((o) => !zReports.some((z) => z.closed && (z as ZReportDto & { ids?: string[] }).ids?.includes(o.id)));
    const byTender: Record<string, number> = {};
    for (const o of open) for (const t of o.tenders) byTender[t.kind] = (byTender[t.kind] ?? 0) + t.amount_minor;
    const gross = open.reduce((n, o) => n + o.total_minor, 0);
    return {
      number: null, business_date: "2026-11-22", closed: false, intact: true, closed_at: null, orders: open.length,
      gross_minor: gross, discount_minor: 0, tax_minor: 0, rounding_minor: open.reduce((n, o) => n + o.rounding_minor, 0),
      refunds: 0, refunds_minor: 0, voids: 0, drawer_opens: 0, net_sales_minor: gross, by_tender: byTender, refunds_by_tender: {}, by_tax: [], bookings_by_tender: {}, booking_refunds_by_tender: {},
      card_declined_minor: 0,
    };
  }

  return {
    cart_get: () => {
      ctx.require("sell");
      return cartDto();
    },
    cart_add: (input) => {
      ctx.require("sell");
      const quantity = input.quantity ?? 1;
      checkQuantity(quantity);
      const p = input.product_id
        ? product(input.product_id)
        : catalog.products.find((x) => x.barcodes.includes((input.code ?? "").trim()) || x.sku === (input.code ?? "").trim());
      if (!p) throw new BackendError("not_found", `nothing has the code ${input.code ?? ""}`);
      if (!p.active) throw new BackendError("invalid_input", `${p.display_name} is not for sale`);
      const same = cart.lines.find((l) => l.product_id === p.id && l.unit_price_minor === p.price_minor && l.discount.kind === "none");
      if (same) {
        checkQuantity(same.quantity + quantity);
        same.quantity += quantity;
      } else {
        cart.lines.push({ id: id("line"), product_id: p.id, quantity, unit_price_minor: p.price_minor, tax_rate_bp: p.tax_rate_bp ?? 1900, discount: { kind: "none" } });
      }
      return cartDto();
    },
    cart_set_quantity: (input) => {
      ctx.require("sell");
      checkQuantity(input.quantity);
      line(input.line_id).quantity = input.quantity;
      return cartDto();
    },
    cart_remove_line: (input) => {
      ctx.require("sell");
      line(input.line_id);
      cart.lines = cart.lines.filter((l) => l.id !== input.line_id);
      return cartDto();
    },
    cart_reprice: (input) => {
      ctx.require("sell");
      const l = line(input.line_id);
      l.unit_price_minor = product(l.product_id).price_minor;
      return cartDto();
    },
    cart_discount: (input) => {
      ctx.require("sell");
      checkDiscount(input.discount);
      const bp = input.discount.kind === "percent" ? input.discount.basis_points : 0;
      if (bp > MAX_DISCOUNT_BP && !input.approval) {
        try {
          ctx.require("discount_above_limit");
        } catch {
          throw new BackendError("forbidden", "a discount above 20 % needs a manager's approval");
        }
      }
      if (input.line_id) line(input.line_id).discount = input.discount;
      else cart.order_discount = input.discount;
      return cartDto();
    },
    cart_set_customer: (input) => {
      ctx.require("sell");
      if (input.customer_id && !catalog.customers.some((c) => c.id === input.customer_id)) {
        throw new BackendError("not_found", "no such customer");
      }
      cart.customer_id = input.customer_id ?? null;
      return cartDto();
    },
    cart_park: (input) => {
      ctx.require("sell");
      if (cart.lines.length === 0) throw new BackendError("invalid_input", "an empty cart cannot be parked");
      parked.push({ ...cart, name: input.name ?? "", updated_at: now() });
      cart = newCart();
      return cartDto();
    },
    cart_parked: () => {
      ctx.require("sell");
      return {
        carts: parked.map((c) => ({
          id: c.id, name: c.name || null, lines: c.lines.length, staff_name: ctx.staffName(), updated_at: c.updated_at,
        })),
      };
    },
    cart_resume: (input) => {
      ctx.require("sell");
      const i = parked.findIndex((c) => c.id === input.cart_id);
      if (i < 0) throw new BackendError("not_found", "no parked cart with that id");
      if (cart.lines.length > 0) parked.push(cart);
      cart = parked.splice(i, 1)[0];
      return cartDto();
    },
    cart_clear: () => {
      ctx.require("sell");
      cart = newCart();
      return cartDto();
    },
    sell_favourites: () => {
      ctx.require("sell");
      return {
        categories: [],
        items: catalog.products.filter((p) => p.active).slice(0, 12).map((p) => ({ product_id: p.id, name: p.display_name, price_minor: p.price_minor })),
      };
    },
    checkout: (input) => {
      ctx.require("sell");
      const body = JSON.stringify(input.tenders);
      const earlier = input.idempotency_key ? replies.get(input.idempotency_key) : undefined;
      if (earlier) {
        if (earlier.body !== body) throw new BackendError("idempotency_mismatch", "this key was used for a different payment");
        return { ...earlier.out, replayed: true };
      }
      const dto = cartDto();
      if (dto.lines.length === 0) throw new BackendError("invalid_input", "the cart is empty");
      if (input.tenders.length === 0) throw new BackendError("invalid_input", "a sale needs at least one tender");
      for (const t of input.tenders) {
        if (!["cash", "card", "voucher"].includes(t.kind)) throw new BackendError("invalid_input", `'${t.kind}' is not a tender (cash, card or voucher)`);
        if (!Number.isInteger(t.amount_minor) || t.amount_minor <= 0) throw new BackendError("invalid_input", "a tender's amount is a whole number of minor units above 0");
        if (t.kind === "card" && !t.customer_contact) throw new BackendError("invalid_input", "an offline card payment needs the customer's contact");
        if (t.kind === "voucher") throw new BackendError("not_found", "no voucher with that code");
      }
      const nonCash = input.tenders.filter((t) => t.kind !== "cash").reduce((s, t) => s + t.amount_minor, 0);
      const cash = input.tenders.filter((t) => t.kind === "cash").reduce((s, t) => s + t.amount_minor, 0);
      if (nonCash > dto.total_minor) throw new BackendError("invalid_input", "card and voucher may not pay more than is due");
      // Cash pays what is left; when the whole sale is cash it pays the rounded total.
      const allCash = nonCash === 0;
      const due = allCash ? dto.cash_total_minor : dto.total_minor - nonCash;
      if (cash < due) throw new BackendError("invalid_input", `${due - cash} minor units are still due`);
      if (cash > 0 && cash - due >= cash) throw new BackendError("invalid_input", "cash is given only when something is left to pay");
      for (const l of cart.lines) {
        const p = product(l.product_id);
        if (p.stock_tracked) {
          const stock = catalog.movements.filter((m) => m.product_id === p.id).reduce((s, m) => s + m.qty, 0);
          if (stock < l.quantity && !p.allow_negative) {
            throw new BackendError("insufficient_stock", `not enough stock of ${p.display_name} (SKU ${p.sku}): ${Math.max(0, stock)} available, ${l.quantity} wanted`);
          }
        }
      }
      const shift = openShift() ?? startShift(0);
      const order: Order = {
        id: id("order"), number: `CORN-01-${String(++receiptSeq).padStart(6, "0")}`, total_minor: dto.total_minor,
        rounding_minor: allCash ? dto.cash_total_minor - dto.total_minor : 0,
        tenders: input.tenders.map((t) => ({ kind: t.kind, amount_minor: t.kind === "cash" ? due : t.amount_minor })),
        change_minor: cash - due, shift_id: shift.id,
        lines: dto.lines.map((l) => ({ name: l.name, quantity: l.quantity, total_minor: l.total_minor })),
      };
      for (const l of cart.lines) {
        if (product(l.product_id).stock_tracked) {
          catalog.movements.push({
            id: id("mv"), product_id: l.product_id, kind: "sale", qty: -l.quantity, location_id: "loc-main", location_name: "Shop floor",
            batch_code: null, reason: null, ref_type: "order", ref_id: order.id, staff_name: ctx.staffName(), created_at: now(),
          });
        }
      }
      orders.push(order);
      ctx.onOrder?.({ total_minor: order.total_minor, tenders: order.tenders, lines: order.lines, staff: ctx.staffName() });
      cart = newCart();
      const out: CheckoutOutput = {
        order_id: order.id, number: order.number, total_minor: order.total_minor, rounding_minor: order.rounding_minor,
        change_minor: order.change_minor, status: "paid", replayed: false, card_pending: input.tenders.some((t) => t.kind === "card"),
      };
      if (input.idempotency_key) replies.set(input.idempotency_key, { body, out });
      return out;
    },
    receipt: (input) => {
      ctx.require("sell");
      const o = orders.find((x) => x.id === input.order_id);
      if (!o) throw new BackendError("not_found", "no such order");
      const rows = o.lines.map((l) => `<tr><td>${l.quantity} × ${l.name}</td><td>${l.total_minor}</td></tr>`).join("");
      return { format: "html", html: `<!doctype html><html lang="en"><title>${o.number}</title><table>${rows}</table></html>`, base64: null, number: o.number };
    },
    receipt_print: (input) => {
      ctx.require("sell");
      if (input.open_drawer) ctx.require("open_close_drawer");
      throw new BackendError("not_found", "no receipt printer is set up on this device");
    },
    drawer_open: (input) => {
      ctx.require("open_close_drawer");
      if (!input.reason.trim()) throw new BackendError("invalid_input", "say why the drawer is opened without a sale");
      throw new BackendError("not_found", "no receipt printer is set up on this device");
    },
    receipt_email: (input) => {
      ctx.require("sell");
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.to.trim())) throw new BackendError("invalid_input", `'${input.to}' is not an email address`);
      const o = orders.find((x) => x.id === input.order_id);
      if (!o) throw new BackendError("not_found", "no such order");
      emails.push({
        id: `email-${emails.length + 1}`, kind: "receipt", to: input.to.trim(), subject: `Receipt ${o.number}`, status: "queued",
        on_server: false, attempts: 0, last_error: null, queued_at: new Date().toISOString(), sent_at: null, ref_id: o.id,
      });
      return { ok: true };
    },
    receipt_emails: (input) => {
      ctx.require("sell");
      return { emails: emails.filter((e) => e.ref_id === input.order_id) };
    },
    shift_current: () => {
      ctx.require("sell");
      return shiftStatus();
    },
    shift_open: (input) => {
      ctx.require("open_close_drawer");
      if (openShift()) throw new BackendError("conflict", "a shift is already open on this device");
      startShift(counted(input.counts));
      return shiftStatus();
    },
    shift_cash: (input) => {
      ctx.require("open_close_drawer");
      const s = openShift();
      if (!s) throw new BackendError("invalid_transition", "open a shift first");
      if (!Number.isInteger(input.amount_minor) || input.amount_minor <= 0) throw new BackendError("invalid_input", "the amount is a whole number of minor units above 0");
      if (!input.reason.trim()) throw new BackendError("invalid_input", "say why cash goes in or out");
      if (input.kind === "in") s.cash_in_minor += input.amount_minor;
      else if (input.kind === "out") s.cash_out_minor += input.amount_minor;
      else throw new BackendError("invalid_input", "cash goes 'in' or 'out'");
      return shiftStatus();
    },
    shift_close: (input) => {
      ctx.require("open_close_drawer");
      const s = openShift();
      if (!s) throw new BackendError("invalid_transition", "no shift is open");
      const expected = shiftStatus().figures?.expected_cash_minor ?? 0;
      const count = counted(input.counts);
      Object.assign(s, { status: "closed", closed_at: now(), expected_minor: expected, counted_minor: count, over_short_minor: count - expected });
      return shiftStatus();
    },
    z_report: () => {
      ctx.require("view_reports");
      return zReport();
    },
    z_close: () => {
      ctx.require("view_reports");
      if (openShift()) throw new BackendError("invalid_transition", "close the open shift first");
      const z = { ...zReport(), number: zReports.length + 1, closed: true, closed_at: now(), ids: orders.map((o) => o.id) };
      zReports.push(z);
      const { ids: _ids, ...dto } = z;
      return dto;
    },
    z_list: () => {
      ctx.require("view_reports");
      return { reports: zReports.map((z) => { const { ids: _ids, ...dto } = z as ZReportDto & { ids?: string[] }; return dto; }).reverse() };
    },
    cards_pending: () => {
      ctx.require("sell");
      return { payments: [], exposure_minor: 0, exposure_limit_minor: 50000, per_payment_limit_minor: 25000, max_age_hours: 72, alarm_hours: 20, alarms: 0 };
    },
  };
}
