// The one interface the UI talks to the Kassa core through.
// `tauri.ts` implements it over the desktop shell; `mock.ts` implements it in memory for tests.
import type { CommandName, Commands } from "./bindings/commands";
import { ERROR_CODES, type ErrorCode } from "./bindings/ErrorCode";
import { PERMISSIONS, type Permission } from "./bindings/Permission";

export type { CommandName, Commands, ErrorCode };

/** Calls app API commands. */
export interface Backend {
  call<K extends CommandName>(command: K, input: Commands[K]["input"]): Promise<Commands[K]["output"]>;
}

/** A failed command: a stable code to match on and a message for people. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  /** For `forbidden` from the permission table: the permission the role lacks. */
  readonly permission?: Permission;
  constructor(code: ErrorCode, message: string, permission?: Permission) {
    super(message);
    this.name = "BackendError";
    this.code = code;
    this.permission = permission;
  }
}

/** Turns anything thrown by a call into a BackendError. */
export function asBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const o = e as { code: unknown; message: unknown; permission?: unknown };
    // A code this UI does not know (a newer core) reads as internal; the message still says what happened.
    const code = ERROR_CODES.find((c) => c === o.code) ?? "internal";
    return new BackendError(code, String(o.message), PERMISSIONS.find((p) => p === o.permission));
  }
  return new BackendError("internal", e instanceof Error ? e.message : String(e));
}
