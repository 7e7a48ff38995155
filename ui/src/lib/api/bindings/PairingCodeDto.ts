// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A one-time code for another device to join this store, shown once.
 */
export type PairingCodeDto = { 
/**
 * Four groups of Crockford base32, e.g. `7KQ2-M9XD-0RTA-W4HF`.
 */
code: string, 
/**
 * The server the other device pairs with.
 */
server_url: string, store_id: string, 
/**
 * RFC 3339; the code is refused after it.
 */
expires_at: string, 
/**
 * `kassa://pair?server=...&code=...`: what the QR code holds.
 */
pairing_uri: string, 
/**
 * The QR code of `pairing_uri`, as an SVG document.
 */
qr_svg: string, };
