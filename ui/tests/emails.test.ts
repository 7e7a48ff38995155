// An email's state reads as where it is: waiting here, at the server, sent, or failed.
import { describe, expect, it } from "vitest";
import { emailState } from "../src/lib/emails";
import { setLocale, t } from "../src/lib/i18n/index.svelte";

const read = (e: Parameters<typeof emailState>[0]) => {
  const s = emailState(e);
  return [s.tone, t(s.label, s.params)];
};

describe("email states", () => {
  it("say where each email stands, in both languages", () => {
    setLocale("en");
    expect(read({ status: "queued", on_server: false, attempts: 0, sent_at: null })).toEqual(["wait", "Waiting for the next sync"]);
    expect(read({ status: "queued", on_server: true, attempts: 0, sent_at: null })).toEqual(["wait", "At the server, not sent yet"]);
    expect(read({ status: "sending", on_server: true, attempts: 2, sent_at: null })).toEqual(["wait", "At the server, 2 attempts so far"]);
    expect(read({ status: "failed", on_server: true, attempts: 1, sent_at: null })).toEqual(["bad", "Failed after 1 attempt"]);
    expect(read({ status: "sent", on_server: true, attempts: 1, sent_at: "2026-03-05T14:07:09Z" })[0]).toBe("ok");
    expect(read({ status: "sent", on_server: true, attempts: 1, sent_at: "2026-03-05T14:07:09Z" })[1]).toMatch(/^Sent 05\/03\/2026/);
    setLocale("de");
    expect(read({ status: "failed", on_server: true, attempts: 5, sent_at: null })).toEqual(["bad", "Fehlgeschlagen nach 5 Versuchen"]);
    expect(read({ status: "queued", on_server: false, attempts: 0, sent_at: null })).toEqual(["wait", "Wartet auf den nächsten Sync"]);
    expect(read({ status: "sent", on_server: true, attempts: 1, sent_at: "2026-03-05T14:07:09Z" })[1]).toMatch(/^Gesendet 05\.03\.26/);
    setLocale("en");
  });
});
