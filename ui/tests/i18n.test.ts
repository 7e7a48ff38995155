// Every error the core can answer reads in both languages, and counts choose their words.
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/lib/api/bindings/ErrorCode";
import { PERMISSIONS } from "../src/lib/api/bindings/Permission";
import { BackendError } from "../src/lib/api/backend";
import { errorText } from "../src/lib/app.svelte";
import { LOCALES, hasText, setLocale, t } from "../src/lib/i18n/index.svelte";

describe("error texts", () => {
  it("exist in English and German for every code of the generated union", () => {
    const missing = LOCALES.flatMap(({ id }) => ERROR_CODES.filter((c) => !hasText(id, `error.${c}`)).map((c) => `${id}: ${c}`));
    expect(missing).toEqual([]);
  });

  it("show German first and the core's detail after", () => {
    setLocale("de");
    expect(errorText(new BackendError("idempotency_mismatch", "the key was used for another sale"))).toBe(
      "Diese Anfrage wurde schon mit anderen Angaben gesendet; nichts wurde geändert. (The key was used for another sale)",
    );
    setLocale("en");
  });

  it("say a permission the role lacks whole in German, and the core's words in English", () => {
    const core = { code: "forbidden", message: "a cashier may not do this: refunds above the limit needs a role that allows it", permission: "refund_above_limit" };
    setLocale("de");
    expect(errorText(core)).toBe("Ihre Rolle erlaubt Erstattungen über dem Limit nicht; fragen Sie jemanden, dessen Rolle es erlaubt.");
    expect(errorText(core)).not.toMatch(/limit needs|cashier/);
    // A forbidden error without a permission (a rule of its own) keeps its detail.
    expect(errorText({ code: "forbidden", message: "only the person themselves may do this" })).toBe(
      "Ihre Rolle erlaubt das nicht. (Only the person themselves may do this)",
    );
    setLocale("en");
    expect(errorText(core)).toBe("A cashier may not do this: refunds above the limit needs a role that allows it");
  });

  it("name every permission in both languages", () => {
    const missing = LOCALES.flatMap(({ id }) => PERMISSIONS.filter((p) => !hasText(id, `permission.${p}`)).map((p) => `${id}: ${p}`));
    expect(missing).toEqual([]);
  });
});

describe("plurals", () => {
  it("say one line and two lines, in both languages", () => {
    setLocale("en");
    expect(t("sell.lines", { count: 1 })).toBe("1 line");
    expect(t("sell.lines", { count: 2 })).toBe("2 lines");
    expect(t("sell.lines", { count: 0 })).toBe("0 lines");
    expect(t("csv.imported", { rows: 1, created: 1, updated: 0, unchanged: 0 })).toBe("Imported 1 row: 1 new, 0 changed, 0 unchanged.");
    setLocale("de");
    expect(t("sell.lines", { count: 1 })).toBe("1 Zeile");
    expect(t("sell.lines", { count: 3 })).toBe("3 Zeilen");
    expect(t("stock.alerts_expiring", { count: 1 })).toBe("1 Charge läuft ab");
    expect(t("admin.audit_ok", { count: 1200 })).toBe("Kette geprüft · 1.200 Einträge");
    setLocale("en");
  });
});
