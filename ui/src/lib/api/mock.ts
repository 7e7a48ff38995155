// An in-memory Backend for Vitest and for running the UI in a plain browser.
// It keeps just enough state to behave like the core for the screens: a store, staff and a session.
import type { AppStatus } from "./bindings/AppStatus";
import type { SessionDto } from "./bindings/SessionDto";
import type { UserDto } from "./bindings/UserDto";
import { ROLE_PERMISSIONS, type Role } from "./bindings/Role";
import type { Permission } from "./bindings/Permission";
import type { SettingDto } from "./bindings/SettingDto";
import { type Backend, BackendError, type CommandName, type Commands } from "./backend";
import { type MockCatalog, catalogHandlers } from "./mock-catalog";
import { tillHandlers } from "./mock-till";
import { type ReportOrder, reportHandlers } from "./mock-reports";

type Handler<K extends CommandName> = (input: Commands[K]["input"]) => Commands[K]["output"] | Promise<Commands[K]["output"]>;
export type Handlers = { [K in CommandName]?: Handler<K> };

interface MockUser {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  password: string;
  pin?: string;
  locked?: boolean;
  must_change_password?: boolean;
  suspended?: boolean;
}

interface MockInvitation {
  id: string;
  token: string;
  kind: string;
  email: string;
  role: Role;
  display_name: string | null;
  revoked?: boolean;
  accepted?: boolean;
}

/** The code the mock's authenticator always shows. */
export const MOCK_TOTP = "123456";

export interface MockBackend extends Backend {
  /** Commands called, in order, with their inputs. */
  readonly calls: { command: CommandName; input: unknown }[];
  state: { status: AppStatus; users: MockUser[]; invitations: MockInvitation[] };
}

export function createMockBackend(overrides: Handlers = {}, initial?: Partial<AppStatus>): MockBackend {
  const status: AppStatus = {
    set_up: false,
    store: null,
    device: null,
    session: null,
    sync: { state: "not_paired", pending_changes: 0, pending_bytes: 0, last_sync_at: null, paired: null, last_error: null, open_conflicts: 0, pull_remaining: null, card_alarms: 0 },
    demo_logins: null,
    shift: null,
    version: "0.1.0",
    ...initial,
  };
  const state = { status, users: [] as MockUser[], invitations: [] as MockInvitation[] };
  const calls: { command: CommandName; input: unknown }[] = [];
  // Whole-number settings as the core describes them: the idle lock, a money limit and a rate.
  const SETTING_DEFS = [
    { key: "security.idle_lock_minutes", group: "security", default: 15, min: 1, max: 15, unit: null, describe: "Minutes without use after which a session locks (at most 15)" },
    { key: "payments.offline_card_max_minor", group: "payments", default: 15_000, min: 0, max: 100_000_000, unit: "money", describe: "Largest card payment taken while the card provider cannot be reached" },
    { key: "sell.max_discount_bp", group: "selling", default: 1_000, min: 0, max: 10_000, unit: "basis_points", describe: "Largest discount a cashier may give without a manager" },
  ] as const;
  const settingValues: Record<string, number> = Object.fromEntries(SETTING_DEFS.map((d) => [d.key, d.default]));
  const settingDto = (d: (typeof SETTING_DEFS)[number], editable: boolean): SettingDto => ({
    key: d.key, topic: d.key.split(".")[0], group: d.group, choices: null, kind: "int", value: settingValues[d.key], default: d.default,
    unit: d.unit, min: d.min, max: d.max, describe: d.describe, editable,
  });
  const catalog: MockCatalog = { products: [], movements: [], customers: [] };
  const reportOrders: ReportOrder[] = [];

  const userDto = (u: MockUser): UserDto => ({
    id: u.id,
    email: u.email,
    display_name: u.display_name,
    role: u.role,
    // The core's own table, generated from kassa_domain::role.
    permissions: [...ROLE_PERMISSIONS[u.role]],
  });

  const defaults: Handlers = {
    app_status: () => structuredClone(state.status),
    sync_status: () => structuredClone(state.status.sync),
    device_pairing_code: () => {
      signedIn();
      if (!state.status.sync.paired) throw new BackendError("not_paired", "this device is not paired with a server yet");
      return {
        code: "7KQ2-M9XD-0RTA-W4HF", server_url: state.status.sync.paired.server_url, store_id: "store-1",
        expires_at: "2026-11-22T10:00:00.000Z", pairing_uri: "kassa://pair?server=x&code=7KQ2-M9XD-0RTA-W4HF",
        qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
      };
    },
    conflicts_list: () => {
      signedIn();
      return { conflicts: [] };
    },
    conflict_resolve: (input) => {
      signedIn();
      throw new BackendError("not_found", `no open conflict with id ${input.conflict_id}`);
    },
    outbox_summary: () => {
      signedIn();
      const n = state.status.sync.pending_changes;
      const at = "2026-11-22T09:00:00.000Z";
      return {
        pending_changes: n,
        pending_bytes: state.status.sync.pending_bytes,
        groups: n > 0 ? [{ kind: "other", changes: n, records: n, oldest_at: at, newest_at: at }] : [],
      };
    },
    setup: (input) => {
      if (state.status.set_up) throw new BackendError("already_exists", "this data folder already holds a store");
      if (input.password.length < 12) {
        throw new BackendError("weak_password", "the password has too few characters; use at least 12");
      }
      state.status.set_up = true;
      state.status.store = {
        id: "store-1", code: "CORN", name: input.store_name, currency: input.currency.toUpperCase(), currency_exponent: 2,
      };
      state.status.device = { id: "device-1", code: "01", name: input.device_name ?? "Till 1", key_source: "OS keyring" };
      state.users.push({ id: "user-1", email: input.admin_email, display_name: input.admin_name ?? "Admin", role: "admin", password: input.password });
      state.status.sync.pending_changes += 20;
      return {
        store_id: "store-1",
        device_id: "device-1",
        admin: {
          id: "user-1",
          email: input.admin_email,
          totp_secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
          otpauth_uri: "otpauth://totp/Kassa:a?secret=JBSWY3DPEHPK3PXP&issuer=Kassa",
          qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
          backup_codes: Array.from({ length: 10 }, (_, i) => `AAAA${i}-BBBB${i}`),
        },
      };
    },
    login: (input) => {
      const u = state.users.find((x) => x.email.toLowerCase() === input.email.trim().toLowerCase());
      const codeOk = input.totp_code === MOCK_TOTP || (input.backup_code ?? "").length > 0;
      if (!u || u.password !== input.password || !codeOk) {
        throw new BackendError("invalid_credentials", "the email, password or code is wrong (9 attempts left before the account locks)");
      }
      if (u.locked) throw new BackendError("account_locked", "this account is locked after 10 failed attempts until 10:30 (in 30 min), or until a manager or admin unlocks it");
      const session: SessionDto = {
        session_id: "session-1", user: userDto(u), role: u.role, backup_codes_left: null,
        locked: false, must_change_password: u.must_change_password ?? false, has_pin: !!u.pin,
      };
      state.status.session = session;
      return session;
    },
    logout: () => {
      if (!state.status.session) throw new BackendError("unauthenticated", "nobody is signed in");
      state.status.session = null;
      return { ok: true };
    },
    switch_user: () => {
      if (!state.status.session) throw new BackendError("unauthenticated", "nobody is signed in");
      state.status.session = null;
      return { ok: true };
    },
    session_lock: () => {
      const s = signedIn();
      s.locked = true;
      return { ok: true };
    },
    session_activity: () => {
      signedIn();
      return { ok: true };
    },
    session_unlock: (input) => {
      const s = state.status.session;
      if (!s) throw new BackendError("unauthenticated", "nobody is signed in");
      const u = me();
      const ok = input.pin !== undefined ? !!u.pin && input.pin === u.pin : input.password === u.password && input.totp_code === MOCK_TOTP;
      if (!ok) throw new BackendError("invalid_credentials", "the PIN is wrong (4 tries left before the session ends)");
      s.locked = false;
      return structuredClone(s);
    },
    account_set_pin: (input) => {
      const u = me();
      if (input.current_password !== u.password) throw new BackendError("invalid_credentials", "the email, password or code is wrong");
      if (!/^\d{4,8}$/.test(input.pin)) throw new BackendError("weak_password", "a PIN is 4 to 8 digits, nothing else");
      u.pin = input.pin;
      signedIn().has_pin = true;
      return { ok: true };
    },
    account_change_password: (input) => {
      const u = me();
      if (input.current_password !== u.password) throw new BackendError("invalid_credentials", "the email, password or code is wrong");
      if (input.new_password.length < 12) throw new BackendError("weak_password", "the password has too few characters; use at least 12");
      u.password = input.new_password;
      u.must_change_password = false;
      signedIn().must_change_password = false;
      return { ok: true };
    },
    account_backup_codes: (input) => {
      if (input.current_password !== me().password) throw new BackendError("invalid_credentials", "the email, password or code is wrong");
      return { backup_codes: Array.from({ length: 10 }, (_, i) => `NEW${i}A-BBBB${i}`) };
    },
    staff_list: () => {
      requireAdmin();
      return {
        staff: state.users.map((u) => ({
          id: u.id, email: u.email, display_name: u.display_name, role: u.role,
          status: u.suspended ? "suspended" : "active", locked_until: u.locked ? "2026-11-22T10:30:00.000Z" : null,
          failed_attempts: u.locked ? 10 : 0, totp_enrolled: true, backup_codes_left: 10, has_pin: !!u.pin,
          must_change_password: u.must_change_password ?? false, manageable: u.id !== me().id, is_me: u.id === me().id,
        })),
        invitations: state.invitations.filter((i) => !i.revoked && !i.accepted).map(invitationDto),
        assignable_roles: ["cashier", "agent", "manager", "admin"],
      };
    },
    staff_invite: (input) => {
      requireAdmin();
      if (state.users.some((u) => u.email === input.email)) throw new BackendError("already_exists", `${input.email} already has an account here`);
      const inv: MockInvitation = {
        id: `inv-${state.invitations.length + 1}`, token: `TOKN-${state.invitations.length + 1}AAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG`,
        kind: "invite", email: input.email, role: input.role, display_name: input.display_name ?? null,
      };
      state.invitations.push(inv);
      return { invitation: invitationDto(inv), token: inv.token };
    },
    staff_invite_revoke: (input) => {
      requireAdmin();
      const inv = state.invitations.find((i) => i.id === input.invitation_id);
      if (!inv) throw new BackendError("not_found", "no invitation");
      inv.revoked = true;
      return { ...invitationDto(inv), state: "revoked" };
    },
    invitation_check: (input) => {
      const inv = findInvitation(input.token);
      return { kind: inv.kind, email: inv.email, display_name: inv.display_name, role: inv.role, store_name: state.status.store?.name ?? "", expires_at: "2026-11-25T09:00:00.000Z" };
    },
    staff_accept: (input) => {
      const inv = findInvitation(input.token);
      if (input.password.length < 12) throw new BackendError("weak_password", "the password has too few characters; use at least 12");
      inv.accepted = true;
      const id = `user-${state.users.length + 1}`;
      state.users.push({ id, email: inv.email, display_name: input.display_name ?? inv.display_name ?? "New", role: inv.role, password: input.password });
      return {
        id, email: inv.email, totp_secret: "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
        otpauth_uri: "otpauth://totp/Kassa:new?secret=KRSXG5CTMVRXEZLU&issuer=Kassa",
        qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
        backup_codes: Array.from({ length: 10 }, (_, i) => `CCCC${i}-DDDD${i}`),
      };
    },
    staff_unlock: (input) => {
      const actor = state.status.session ? me() : null;
      const mayAlone = actor?.role === "admin" || actor?.role === "manager";
      if (!mayAlone) {
        const a = input.approval;
        if (!a) throw new BackendError("forbidden", "a cashier may not do this alone: managing staff needs a manager's approval");
        const approver = state.users.find((u) => u.email === a.email);
        const secretOk = approver && (a.pin !== undefined ? a.pin === approver.pin : a.password === approver.password);
        if (!approver || !secretOk || a.totp_code !== MOCK_TOTP) throw new BackendError("invalid_credentials", "the email, password or code is wrong (9 attempts left before the account locks)");
        if (approver.role !== "admin" && approver.role !== "manager") throw new BackendError("forbidden", "may not approve");
      }
      const target = state.users.find((u) => u.email === input.email || u.id === input.staff_id);
      if (!target) throw new BackendError("not_found", `nobody with the email ${input.email} works here`);
      target.locked = false;
      return {
        id: target.id, email: target.email, display_name: target.display_name, role: target.role, status: "active",
        locked_until: null, failed_attempts: 0, totp_enrolled: true, backup_codes_left: 10, has_pin: !!target.pin,
        must_change_password: false, manageable: true, is_me: false,
      };
    },
    settings_list: () => ({ settings: SETTING_DEFS.map((d) => settingDto(d, me().role === "admin")) }),
    settings_set: (input) => {
      requireAdmin();
      const d = SETTING_DEFS.find((x) => x.key === input.key);
      if (!d) throw new BackendError("not_found", `no setting ${input.key}`);
      if (typeof input.value !== "number" || !Number.isInteger(input.value) || input.value < d.min || input.value > d.max) {
        throw new BackendError("invalid_input", `${d.key} must be between ${d.min} and ${d.max}`);
      }
      settingValues[d.key] = input.value;
      return settingDto(d, true);
    },
    store_get: () => {
      const store = state.status.store;
      return {
        id: store?.id ?? "", code: store?.code ?? "", name: store?.name ?? "", currency: store?.currency ?? "EUR",
        currency_locked: reportOrders.length > 0, editable: me().role === "admin" || me().role === "manager",
      };
    },
    store_update: (input) => {
      requireAdmin();
      const store = state.status.store;
      if (!store) throw new BackendError("not_set_up", "no store");
      if (input.currency && input.currency.toUpperCase() !== store.currency && reportOrders.length > 0) {
        throw new BackendError("currency_locked", `the store's currency stays ${store.currency}`);
      }
      if (input.name !== undefined) store.name = input.name.trim();
      if (input.currency !== undefined) store.currency = input.currency.trim().toUpperCase();
      return { id: store.id, code: store.code, name: store.name, currency: store.currency, currency_locked: reportOrders.length > 0, editable: true };
    },
    audit_verify: () => ({ ok: true, entries: 5, first_bad: null }),
    audit_list: () => ({ entries: [], chain: { ok: true, entries: 5, first_bad: null } }),
    ...catalogHandlers(catalog),
    ...tillHandlers(catalog, {
      currency: () => state.status.store?.currency ?? "EUR",
      staffName: () => me().display_name,
      require: (permission) => requirePermission(permission),
      onOrder: (o) => reportOrders.push(o),
    }),
    ...reportHandlers(catalog, {
      orders: () => reportOrders,
      currency: () => state.status.store?.currency ?? "EUR",
      require: (permission) => requirePermission(permission),
      lastSyncAt: () => state.status.sync.last_sync_at,
    }),
  };

  function signedIn(): SessionDto {
    const s = state.status.session;
    if (!s) throw new BackendError("unauthenticated", "nobody is signed in");
    if (s.locked) throw new BackendError("session_locked", "the session is locked");
    return s;
  }
  function me(): MockUser {
    const s = state.status.session;
    const u = s && state.users.find((x) => x.id === s.user.id);
    if (!u) throw new BackendError("unauthenticated", "nobody is signed in");
    return u;
  }
  function requirePermission(permission: Permission): void {
    signedIn();
    if (!ROLE_PERMISSIONS[me().role].includes(permission)) throw new BackendError("forbidden", `a ${me().role} may not do this`, permission);
  }
  function requireAdmin(): void {
    signedIn();
    if (me().role !== "admin" && me().role !== "manager") throw new BackendError("forbidden", "a cashier may not do this");
  }
  function invitationDto(i: MockInvitation) {
    return {
      id: i.id, kind: i.kind, email: i.email, display_name: i.display_name, role: i.role, state: "pending",
      expires_at: "2026-11-25T09:00:00.000Z", created_at: "2026-11-22T09:00:00.000Z", manageable: true,
    };
  }
  function findInvitation(token: string): MockInvitation {
    const inv = state.invitations.find((i) => i.token.toLowerCase() === token.trim().toLowerCase() && !i.revoked && !i.accepted);
    if (!inv) throw new BackendError("invalid_credentials", "this code is not valid; check it, or ask for a new one");
    return inv;
  }

  const handlers: Handlers = { ...defaults, ...overrides };
  return {
    calls,
    state,
    async call(command, input) {
      calls.push({ command, input });
      const h = handlers[command] as Handler<typeof command> | undefined;
      if (!h) throw new BackendError("not_found", `the mock has no command '${command}'`);
      return await h(input as never);
    },
  };
}
