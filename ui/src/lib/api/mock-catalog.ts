// The in-memory catalog, stock ledger and customers of the mock backend (Vitest, plain browser).
// It behaves like the core where the screens can tell: levels are sums of movements, a
// decrease below zero is refused with insufficient_stock, search ignores case and accents.
import type { CustomerDto } from "./bindings/CustomerDto";
import type { LevelDto } from "./bindings/LevelDto";
import type { MovementDto } from "./bindings/MovementDto";
import type { MovementKind } from "./bindings/MovementKind";
import type { ProductDto } from "./bindings/ProductDto";
import type { ProductFields } from "./bindings/ProductFields";
import { BackendError } from "./backend";
import type { Handlers } from "./mock";

const MAIN = "loc-main";

export interface MockCatalog {
  products: ProductDto[];
  movements: (MovementDto & { product_id: string })[];
  customers: CustomerDto[];
}

const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

function checkBarcode(code: string): void {
  if (/^\d+$/.test(code) && [8, 12, 13].includes(code.length)) {
    const d = [...code].map(Number);
    const check = d.pop() as number;
    const sum = d.reverse().reduce((s, x, i) => s + x * (i % 2 === 0 ? 3 : 1), 0);
    if ((10 - (sum % 10)) % 10 !== check) {
      throw new BackendError("invalid_input", `barcode ${code} has a wrong check digit`);
    }
  }
}

export function catalogHandlers(db: MockCatalog = { products: [], movements: [], customers: [] }): Handlers {
  let seq = 0;
  const id = (p: string) => `${p}-${++seq}`;
  let tick = 0;
  // Each write a second later, so that changed records show a newer updated_at.
  const now = () => new Date(Date.UTC(2026, 10, 22, 9, 0, 0) + ++tick * 1000).toISOString();
  const level = (productId: string, location?: string | null): LevelDto => {
    let on_hand = 0;
    let reserved = 0;
    for (const m of db.movements) {
      if (m.product_id !== productId || (location && m.location_id !== location)) continue;
      if (m.kind === "reservation" || m.kind === "release") reserved += m.qty;
      else on_hand += m.qty;
    }
    return { on_hand, reserved, available: on_hand - reserved };
  };
  const view = (p: ProductDto, location?: string | null): ProductDto => {
    const l = p.stock_tracked ? level(p.id, location) : null;
    return { ...p, level: l, low: !!l && l.available <= (p.low_threshold ?? 5) };
  };
  const get = (pid: string) => {
    const p = db.products.find((x) => x.id === pid);
    if (!p) throw new BackendError("not_found", `no product with id ${pid}`);
    return p;
  };
  const byCode = (code: string) =>
    db.products.find((p) => p.barcodes.includes(code.trim()) || p.sku.toLowerCase() === code.trim().toLowerCase());
  const move = (productId: string, kind: MovementKind, qty: number, reason: string | null, location = MAIN) => {
    const p = get(productId);
    const before = level(productId, location);
    if (qty < 0 && before.available + qty < 0 && kind !== "count") {
      throw new BackendError(
        "insufficient_stock",
        `not enough stock of ${p.display_name} (SKU ${p.sku}): ${Math.max(0, before.available)} available, ${-qty} wanted`,
      );
    }
    const m = {
      id: id("mv"), product_id: productId, kind, qty, location_id: location,
      location_name: location === MAIN ? "Shop floor" : "Back room", batch_code: null, reason,
      ref_type: null, ref_id: null, staff_name: "Ada Admin", created_at: now(),
    };
    db.movements.push(m);
    return m;
  };
  const fromFields = (f: ProductFields, pid: string): ProductDto => {
    if (!f.sku.trim()) throw new BackendError("invalid_input", "the SKU is required");
    if (!f.name.trim()) throw new BackendError("invalid_input", "the name is required");
    if (f.price_minor < 0) throw new BackendError("invalid_input", "the price cannot be negative");
    const clash = db.products.find((p) => p.id !== pid && p.sku.toLowerCase() === f.sku.trim().toLowerCase());
    if (clash) throw new BackendError("already_exists", `SKU ${f.sku} is already used by '${clash.name}'`);
    for (const b of f.barcodes ?? []) checkBarcode(b);
    const variant = f.variant ?? "";
    return {
      id: pid, sku: f.sku.trim(), name: f.name.trim(), display_name: variant ? `${f.name} · ${variant}` : f.name.trim(),
      description: f.description ?? "", kind: f.kind ?? "product", category_id: f.category_id ?? null,
      category_path: null, parent_id: f.parent_id ?? null, variant, price_minor: f.price_minor,
      cost_minor: f.cost_minor ?? null, tax_class_id: f.tax_class_id ?? null, tax_rate_bp: null, tax_inclusive: true,
      active: f.active ?? true, stock_tracked: (f.kind ?? "product") === "product" && (f.stock_tracked ?? true),
      allow_negative: f.allow_negative ?? null, low_threshold: f.low_threshold ?? null, barcodes: f.barcodes ?? [],
      level: null, low: false, updated_at: now(),
    };
  };
  const change = (productId: string, location: string, m: { id: string }) => ({
    product_id: productId, location_id: location, level: level(productId, location), total: level(productId), movement_ids: [m.id],
  });

  return {
    catalog_meta: () => ({
      tax_classes: [
        { id: "tax-19", name: "Standard 19%", rate_bp: 1900, inclusive: true },
        { id: "tax-7", name: "Reduced 7%", rate_bp: 700, inclusive: true },
      ],
      categories: [{ id: "cat-1", parent_id: null, name: "Drinks", path: "Drinks" }],
      locations: [{ id: MAIN, name: "Shop floor", is_main: true }, { id: "loc-back", name: "Back room", is_main: false }],
      can_view_cost: true,
    }),
    product_search: (input) => {
      const q = fold(input.query ?? "").trim();
      const words = q.split(/\s+/).filter(Boolean);
      const exact = q ? byCode(input.query ?? "") : undefined;
      const hits = db.products
        .filter((p) => input.include_inactive || p.active)
        .filter((p) => words.every((w) => fold(`${p.name} ${p.variant} ${p.sku} ${p.barcodes.join(" ")}`).split(/[^\p{L}\p{N}]+/u).some((t) => t.startsWith(w)) || fold(p.sku).startsWith(w) || p.barcodes.includes(w)))
        .sort((a, b) => (a.id === exact?.id ? -1 : b.id === exact?.id ? 1 : a.name.localeCompare(b.name)));
      return { items: hits.slice(0, input.limit ?? 50).map((p) => view(p, input.location_id)), exact_id: exact?.id ?? null, total: db.products.length };
    },
    product_lookup: (input) => {
      const p = byCode(input.code);
      if (!p) throw new BackendError("not_found", `no product has the barcode or SKU '${input.code}'`);
      return view(p);
    },
    product_get: (input) => {
      const p = get(input.id);
      const moves = db.movements.filter((m) => m.product_id === p.id).reverse();
      return {
        product: view(p),
        levels: [
          { location: { id: MAIN, name: "Shop floor", is_main: true }, level: level(p.id, MAIN) },
          { location: { id: "loc-back", name: "Back room", is_main: false }, level: level(p.id, "loc-back") },
        ],
        variants: db.products.filter((v) => v.parent_id === p.id).map((v) => view(v)),
        batches: [],
        price_history: [{ price_minor: p.price_minor, cost_minor: p.cost_minor, changed_by: "Ada Admin", changed_at: p.updated_at }],
        movements: moves.slice(0, 50),
      };
    },
    product_create: (input) => {
      const p = fromFields(input.product, id("prod"));
      db.products.push(p);
      if (input.initial_stock) move(p.id, "receipt", input.initial_stock, null, input.location_id ?? MAIN);
      return view(p);
    },
    product_update: (input) => {
      const i = db.products.findIndex((p) => p.id === input.id);
      if (i < 0) throw new BackendError("not_found", `no product with id ${input.id}`);
      db.products[i] = fromFields(input.product, input.id);
      return view(db.products[i]);
    },
    stock_receive: (input) => {
      if (input.qty <= 0) throw new BackendError("invalid_input", "the quantity received must be 1 or more");
      const loc = input.location_id ?? MAIN;
      return change(input.product_id, loc, move(input.product_id, "receipt", input.qty, input.note ?? null, loc));
    },
    stock_adjust: (input) => {
      if (!input.reason.trim()) throw new BackendError("invalid_input", "an adjustment needs a reason");
      if (input.delta === 0) throw new BackendError("invalid_input", "a stock movement needs a quantity other than 0");
      const loc = input.location_id ?? MAIN;
      return change(input.product_id, loc, move(input.product_id, "adjustment", input.delta, input.reason, loc));
    },
    stock_transfer: (input) => {
      move(input.product_id, "transfer_out", -input.qty, null, input.from_location_id);
      move(input.product_id, "transfer_in", input.qty, null, input.to_location_id);
      return { transfer_id: id("tr"), from: level(input.product_id, input.from_location_id), to: level(input.product_id, input.to_location_id) };
    },
    stock_count: (input) => {
      const loc = input.location_id ?? MAIN;
      const lines = input.lines.map((l) => {
        const p = get(l.product_id);
        const expected = level(p.id, loc).on_hand;
        if (l.counted !== expected) move(p.id, "count", l.counted - expected, null, loc);
        return { product_id: p.id, sku: p.sku, name: p.display_name, expected, counted: l.counted, difference: l.counted - expected };
      });
      return { count_id: id("count"), lines };
    },
    stock_movements: (input) => ({
      items: db.movements.filter((m) => m.product_id === input.product_id).reverse().slice(0, input.limit ?? 100),
    }),
    stock_alerts: () => ({
      low: db.products
        .filter((p) => p.stock_tracked && p.active && level(p.id).available <= (p.low_threshold ?? 5))
        .map((p) => ({ product_id: p.id, sku: p.sku, name: p.display_name, available: level(p.id).available, threshold: p.low_threshold ?? 5 })),
      expiring: [],
    }),
    stock_valuation: () => {
      let total = 0;
      let units = 0;
      for (const p of db.products) {
        const l = level(p.id).on_hand;
        if (l > 0) {
          units += l;
          total += l * (p.cost_minor ?? 0);
        }
      }
      return { total_minor: total, units, by_location: [], items_without_cost: db.products.filter((p) => p.cost_minor === null && level(p.id).on_hand > 0).length };
    },
    catalog_import: (input) => {
      const lines = input.csv.trim().split(/\r?\n/).slice(1);
      const errors = lines
        .map((l, i) => ({ l, line: i + 2 }))
        .filter(({ l }) => l.split(",").length < 3 || Number.isNaN(Number(l.split(",")[2])))
        .map(({ line }) => ({ line, column: "price", message: "not an amount" }));
      return { rows: lines.length, created: errors.length ? 0 : lines.length, updated: 0, unchanged: 0, errors, dry_run: input.dry_run, applied: !input.dry_run && errors.length === 0 };
    },
    catalog_export: () => ({ csv: "sku,name,price\n" + db.products.map((p) => `${p.sku},${p.name},${(p.price_minor / 100).toFixed(2)}`).join("\n"), rows: db.products.length }),
    customer_search: (input) => {
      const q = fold(input.query ?? "").trim();
      const items = db.customers
        .filter((c) => !c.merged_into && !c.erased_at)
        .filter((c) => !q || fold(`${c.name} ${c.email ?? ""} ${c.phone ?? ""} ${c.tags.join(" ")}`).includes(q))
        .sort((a, b) => a.name.localeCompare(b.name));
      return { items, total: db.customers.filter((c) => !c.merged_into && !c.erased_at).length };
    },
    customer_get: (input) => {
      const c = db.customers.find((x) => x.id === input.id);
      if (!c) throw new BackendError("not_found", `no customer with id ${input.id}`);
      return c;
    },
    customer_create: (input) => {
      if (!input.name.trim()) throw new BackendError("invalid_input", "the name is required");
      if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email)) throw new BackendError("invalid_input", `'${input.email}' is not an email address`);
      const c: CustomerDto = {
        id: id("cust"), name: input.name.trim(), email: input.email || null, phone: input.phone || null, notes: input.notes ?? "",
        marketing_consent: input.marketing_consent ?? false, consent_at: input.marketing_consent ? now() : null, tags: input.tags ?? [],
        addresses: input.addresses ?? [], merged_into: null, created_at: now(), updated_at: now(), erased_at: null,
      };
      db.customers.push(c);
      return c;
    },
    customer_update: (input) => {
      const c = db.customers.find((x) => x.id === input.id);
      if (!c) throw new BackendError("not_found", `no customer with id ${input.id}`);
      Object.assign(c, {
        name: input.customer.name, email: input.customer.email || null, phone: input.customer.phone || null,
        notes: input.customer.notes ?? "", marketing_consent: input.customer.marketing_consent ?? false,
        tags: input.customer.tags ?? [], addresses: input.customer.addresses ?? [], updated_at: now(),
      });
      return c;
    },
    customer_merge: (input) => {
      const keep = db.customers.find((x) => x.id === input.keep_id);
      const gone = db.customers.find((x) => x.id === input.remove_id);
      if (!keep || !gone) throw new BackendError("not_found", "no such customer");
      if (keep === gone) throw new BackendError("invalid_input", "a customer cannot be merged into itself");
      keep.email ??= gone.email;
      keep.phone ??= gone.phone;
      keep.tags = [...new Set([...keep.tags, ...gone.tags])];
      gone.merged_into = keep.id;
      keep.updated_at = now();
      return keep;
    },
    customer_import: (input) => ({ rows: input.csv.trim().split(/\r?\n/).length - 1, created: 0, updated: 0, unchanged: 0, errors: [], dry_run: input.dry_run, applied: !input.dry_run }),
    customer_data_export: (input) => {
      const c = db.customers.find((x) => x.id === input.id);
      if (!c) throw new BackendError("not_found", `no customer with id ${input.id}`);
      const content = input.format === "csv" ? `section,record,field,value\ncustomer,${c.id},name,${c.name}\n` : JSON.stringify({ customer: c, orders: [], vouchers: [] });
      return { format: input.format, filename: `customer-${c.id}.${input.format}`, content };
    },
    customer_erase: (input) => {
      const c = db.customers.find((x) => x.id === input.id);
      if (!c) throw new BackendError("not_found", `no customer with id ${input.id}`);
      Object.assign(c, { name: "", email: null, phone: null, notes: "", marketing_consent: false, consent_at: null, tags: [], addresses: [], erased_at: now() });
      return c;
    },
    customer_export: () => ({ csv: "name,email\n" + db.customers.map((c) => `${c.name},${c.email ?? ""}`).join("\n"), rows: db.customers.length }),
  };
}
