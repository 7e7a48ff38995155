// The one interface the UI talks to the Kassa core through.
// `tauri.ts` implements it over the desktop shell; `mock.ts` implements it in memory for tests.
import type { CommandName, Commands } from "./bindings/commands";

export type { CommandName, Commands };

/** Calls app API commands. */
export interface Backend {
  call<K extends CommandName>(command: K, input: Commands[K]["input"]): Promise<Commands[K]["output"]>;
}

/** A failed command: a stable code to match on and a message for people. */
export class BackendError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/** Turns anything thrown by a call into a BackendError. */
export function asBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const o = e as { code: unknown; message: unknown };
    return new BackendError(String(o.code), String(o.message));
  }
  return new BackendError("internal", e instanceof Error ? e.message : String(e));
}
