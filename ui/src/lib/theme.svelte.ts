// Light, dark, or follow the system; remembered on this device.
export type Theme = "light" | "dark" | "system";

const state = $state({ theme: (typeof localStorage !== "undefined" && (localStorage.getItem("kassa.theme") as Theme)) || "system" });

function apply(): void {
  if (typeof document === "undefined") return;
  const dark =
    state.theme === "dark" ||
    (state.theme === "system" && typeof matchMedia !== "undefined" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function theme(): Theme {
  return state.theme;
}

export function setTheme(t: Theme): void {
  state.theme = t;
  if (typeof localStorage !== "undefined") localStorage.setItem("kassa.theme", t);
  apply();
}

export function initTheme(): void {
  apply();
  if (typeof matchMedia !== "undefined") {
    matchMedia("(prefers-color-scheme: dark)").addEventListener?.("change", apply);
  }
}
