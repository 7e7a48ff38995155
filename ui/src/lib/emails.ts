// How one email's state reads: waiting on this device for a sync, waiting at the server (with
// its attempts so far), sent, or failed.
import type { EmailStatusDto } from "./api/bindings/EmailStatusDto";
import type { MessageKey } from "./i18n/index.svelte";
import { formatDateTime } from "./format";

export interface EmailState {
  label: MessageKey;
  params?: Record<string, string | number>;
  tone: "ok" | "bad" | "wait";
}

export function emailState(e: Pick<EmailStatusDto, "status" | "on_server" | "attempts" | "sent_at">): EmailState {
  if (e.status === "sent") return { label: "emails.sent", params: { time: e.sent_at ? formatDateTime(e.sent_at) : "" }, tone: "ok" };
  if (e.status === "failed") return { label: "emails.failed", params: { count: e.attempts }, tone: "bad" };
  if (!e.on_server) return { label: "emails.waiting_sync", tone: "wait" };
  if (e.attempts > 0) return { label: "emails.retrying", params: { count: e.attempts }, tone: "wait" };
  return { label: "emails.at_server", tone: "wait" };
}
