import { tick } from "svelte";

/**
 * What a pairing link holds (`kassa://pair?server=…&code=…`): the QR code beside a pairing
 * code, and what a 2D scanner types when it reads it. Null for anything else, so an address
 * typed by hand is left as it is. The core reads a link given as the address the same way.
 */
export function readPairingLink(text: string): { server: string; code: string } | null {
  const trimmed = text.trim();
  if (!/^kassa:\/\/pair\?/i.test(trimmed)) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  const server = url.searchParams.get("server")?.trim() ?? "";
  const code = url.searchParams.get("code")?.trim() ?? "";
  return server && code ? { server, code } : null;
}

/**
 * For the address field of a pairing form: when it holds a pairing link (scanned, then Enter;
 * or pasted), `fill` puts its server and code into the form, and Enter submits it once the
 * fields show them.
 */
export async function takePairingLink(e: Event, text: string, fill: (link: { server: string; code: string }) => void) {
  const link = readPairingLink(text);
  if (!link) return;
  fill(link);
  if (e instanceof KeyboardEvent) {
    e.preventDefault();
    await tick();
    (e.target as HTMLInputElement).form?.requestSubmit();
  }
}
