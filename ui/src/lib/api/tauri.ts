// The Backend over the desktop shell: every command goes through the shell's one `api` command.
import { invoke } from "@tauri-apps/api/core";
import { type Backend, asBackendError } from "./backend";

export function createTauriBackend(): Backend {
  return {
    async call(command, input) {
      try {
        return await invoke("api", { command, input: input ?? {} });
      } catch (e) {
        throw asBackendError(e);
      }
    },
  };
}

/** True inside the desktop shell. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}
