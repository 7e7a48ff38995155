// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A booking's document: the confirmation as PDF.
 */
export type BookingDocumentOutput = { reference: string, 
/**
 * The PDF's bytes, base64.
 */
base64: string, 
/**
 * The same confirmation as a self-contained HTML page: the preview.
 */
html: string, };
