// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The new admin's authenticator enrolment, shown once.
 */
export type Enrolment = { id: string, email: string, 
/**
 * Base32, as typed into an authenticator app.
 */
totp_secret: string, 
/**
 * The `otpauth://` URI in the QR code.
 */
otpauth_uri: string, 
/**
 * The QR code as an SVG document.
 */
qr_svg: string, 
/**
 * Ten single-use codes to write down.
 */
backup_codes: Array<string>, };
