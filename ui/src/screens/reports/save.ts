// Saving an exported report: the desktop app writes it into its data folder's `exports` and
// says where; a plain browser (the mock backend) downloads it.
import { invoke } from "@tauri-apps/api/core";
import { asBackendError, type Backend } from "../../lib/api/backend";
import type { ReportExportInput } from "../../lib/api/bindings/ReportExportInput";
import { inTauri } from "../../lib/api/tauri";

export interface Saved {
  /** Where it was written, in the desktop app. */
  path: string | null;
  file_name: string;
}

export async function saveReport(backend: Backend, input: ReportExportInput): Promise<Saved> {
  if (inTauri()) {
    try {
      const out = await invoke<{ path: string; file_name: string }>("save_report", { input });
      return { path: out.path, file_name: out.file_name };
    } catch (e) {
      throw asBackendError(e);
    }
  }
  const file = await backend.call("report_export", input);
  const blob =
    file.csv !== null
      ? new Blob([file.csv], { type: "text/csv;charset=utf-8" })
      : new Blob([Uint8Array.from(atob(file.base64 ?? ""), (c) => c.charCodeAt(0))], { type: "application/pdf" });
  if (typeof URL.createObjectURL === "function") {
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = file.file_name;
    a.click();
    URL.revokeObjectURL(url);
  }
  return { path: null, file_name: file.file_name };
}
