// Saving a booking's confirmation PDF: the desktop app writes it into its data folder's
// `exports` and says where; a plain browser (the mock backend) downloads it.
import { invoke } from "@tauri-apps/api/core";
import { asBackendError, type Backend } from "../../lib/api/backend";
import { inTauri } from "../../lib/api/tauri";
import type { Saved } from "../reports/save";

export async function saveConfirmation(backend: Backend, booking: string): Promise<Saved> {
  if (inTauri()) {
    try {
      const out = await invoke<{ path: string; file_name: string }>("save_booking_confirmation", { input: { booking } });
      return { path: out.path, file_name: out.file_name };
    } catch (e) {
      throw asBackendError(e);
    }
  }
  const doc = await backend.call("booking_confirmation", { booking });
  const file_name = `booking-${doc.reference}.pdf`;
  const blob = new Blob([Uint8Array.from(atob(doc.base64), (c) => c.charCodeAt(0))], { type: "application/pdf" });
  if (typeof URL.createObjectURL === "function") {
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = file_name;
    a.click();
    URL.revokeObjectURL(url);
  }
  return { path: null, file_name };
}
