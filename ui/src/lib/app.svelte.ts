// The app's shared state: what the core said about this device and who is signed in.
import { getContext, setContext } from "svelte";
import type { AppStatus } from "./api/bindings/AppStatus";
import type { Permission } from "./api/bindings/Permission";
import { type Backend, BackendError, asBackendError } from "./api/backend";
import { locale, setPerson, t, type MessageKey } from "./i18n/index.svelte";

/** Something a screen has open that signing out would close (e.g. the Sell screen's cart). */
export type UnsavedGuard = () => string | null;

/** How the person leaves the till: sign out, or hand it to someone else. */
export type LeaveKind = "logout" | "switch";

export class AppState {
  status = $state<AppStatus | null>(null);
  loadError = $state<BackendError | null>(null);
  /** A one-off notice for the top of the main frame (e.g. "a backup code was used"). */
  notice = $state<string | null>(null);
  /** Before signing in: the sign-in form, or redeeming an invitation code. */
  entry = $state<"login" | "accept">("login");
  /** An email to put into the sign-in form (after accepting an invitation). */
  loginEmail = $state("");
  /** A sign-out waiting for the person to confirm closing unsaved work. */
  leaving = $state<{ kind: LeaveKind; items: string[] } | null>(null);

  private guards = new Set<UnsavedGuard>();
  private lastInput = 0;
  private lastBeat = 0;

  constructor(readonly backend: Backend) {}

  /** Registers a guard that names unsaved work (or returns null); returns its removal. */
  addUnsavedGuard(guard: UnsavedGuard): () => void {
    this.guards.add(guard);
    return () => this.guards.delete(guard);
  }

  /** What is open and unsaved, as the guards describe it. */
  unsavedWork(): string[] {
    return [...this.guards].map((g) => g()).filter((x): x is string => !!x);
  }

  /** Signs out or switches user; asks first (through `leaving`) when work is open. */
  requestLeave(kind: LeaveKind): Promise<void> {
    const items = this.unsavedWork();
    if (items.length > 0) {
      this.leaving = { kind, items };
      return Promise.resolve();
    }
    return this.leave(kind);
  }

  /** Ends the session without asking. Unsynced sales stay in the outbox: the core keeps them. */
  async leave(kind: LeaveKind): Promise<void> {
    this.leaving = null;
    try {
      await this.backend.call(kind === "logout" ? "logout" : "switch_user", {});
    } finally {
      this.entry = "login";
      await this.refresh();
    }
  }

  /** Locks the session now; the PIN unlocks it. */
  async lock(): Promise<void> {
    try {
      await this.backend.call("session_lock", {});
    } finally {
      await this.refresh();
    }
  }

  /** Notes a key press or click: the person is at the till. */
  noteActivity(): void {
    this.lastInput = Date.now();
  }

  /** Tells the core about activity since the last beat (polling alone never keeps a session open). */
  async heartbeat(): Promise<void> {
    const s = this.session;
    if (!s || s.locked || this.lastInput <= this.lastBeat) return;
    this.lastBeat = Date.now();
    try {
      await this.backend.call("session_activity", {});
    } catch {
      // A session that locked meanwhile shows as locked at the next refresh.
    }
  }

  get session() {
    return this.status?.session ?? null;
  }

  /** Whether the signed-in person's role allows `permission`. */
  can(permission: Permission): boolean {
    return this.session?.user.permissions.includes(permission) ?? false;
  }

  /** Asks the core again what to show. */
  async refresh(): Promise<void> {
    try {
      this.status = await this.backend.call("app_status", {});
      this.loadError = null;
      // The UI language is each person's own: their last choice comes back when they sign in.
      setPerson(this.status.session?.user.id ?? null);
    } catch (e) {
      this.loadError = asBackendError(e);
    }
  }

  /** Asks the core where sync stands (cheap; the badge polls it). */
  async refreshSync(): Promise<void> {
    if (!this.status) return;
    try {
      this.status.sync = await this.backend.call("sync_status", {});
    } catch {
      // The next full refresh shows what is wrong.
    }
  }

  /** Signs out, asking first when work is open. */
  async logout(): Promise<void> {
    await this.requestLeave("logout");
  }
}

const KEY = Symbol("kassa.app");

export function provideApp(app: AppState): AppState {
  setContext(KEY, app);
  return app;
}

export function useApp(): AppState {
  return getContext<AppState>(KEY);
}

/** What to show a person for a failed command: their language first, the core's detail after. */
export function errorText(e: unknown): string {
  const err = asBackendError(e);
  const message = err.message ? err.message.charAt(0).toUpperCase() + err.message.slice(1) : "";
  if (locale() === "en") return message || t("error.generic");
  // A permission the role lacks is said whole in the person's language.
  if (err.code === "forbidden" && err.permission) {
    return t("error.forbidden_permission", { what: t(`permission.${err.permission}`) });
  }
  const key: MessageKey = `error.${err.code}`;
  const translated = t(key);
  return translated === key ? message || t("error.generic") : `${translated} (${message})`;
}
