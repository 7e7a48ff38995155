// Saving a customer's data export: the desktop app writes it into its data folder's
// `exports` and says where; a plain browser (the mock backend) downloads it.
import { invoke } from "@tauri-apps/api/core";
import { asBackendError, type Backend } from "../../lib/api/backend";
import type { CustomerDataExportInput } from "../../lib/api/bindings/CustomerDataExportInput";
import { inTauri } from "../../lib/api/tauri";

export async function saveCustomerData(backend: Backend, input: CustomerDataExportInput): Promise<string> {
  if (inTauri()) {
    try {
      const out = await invoke<{ path: string; file_name: string }>("save_customer_data", { input });
      return out.path;
    } catch (e) {
      throw asBackendError(e);
    }
  }
  const file = await backend.call("customer_data_export", input);
  const type = file.format === "csv" ? "text/csv;charset=utf-8" : "application/json";
  if (typeof URL.createObjectURL === "function") {
    const url = URL.createObjectURL(new Blob([file.content], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = file.filename;
    a.click();
    URL.revokeObjectURL(url);
  }
  return file.filename;
}
