import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { createTauriBackend, inTauri } from "./lib/api/tauri";
import { createMockBackend } from "./lib/api/mock";
import { initTheme } from "./lib/theme.svelte";
import { locale, setLocale } from "./lib/i18n/index.svelte";

initTheme();
setLocale(locale());

// Outside the desktop shell (a plain browser during UI work) the in-memory backend stands in.
const backend = inTauri() ? createTauriBackend() : createMockBackend();

const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
mount(App, { target, props: { backend } });
