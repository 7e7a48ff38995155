// Texts for every error code the core can answer. Typed by the generated ErrorCode union, so a
// code added in Rust fails the UI's type check until both languages say what it means.
import type { ErrorCode } from "../api/bindings/ErrorCode";

type ErrorTexts = Record<`error.${ErrorCode}`, string>;

export const en: ErrorTexts = {
  "error.invalid_input": "The input is not valid.",
  "error.not_found": "Not found.",
  "error.unauthenticated": "Please sign in.",
  "error.invalid_credentials": "The email, password or code is wrong.",
  "error.account_locked": "This account is locked.",
  "error.totp_reused": "This code was already used; wait for the next one.",
  "error.forbidden": "Your role does not allow this.",
  "error.insufficient_stock": "Not enough stock.",
  "error.already_exists": "This already exists.",
  "error.idempotency_mismatch": "This request was already sent with different details; nothing was changed.",
  "error.conflict": "This conflicts with other changes.",
  "error.weak_password": "The password is too weak.",
  "error.not_set_up": "This device is not set up yet.",
  "error.session_locked": "The session locked after inactivity.",
  "error.clock_moved_back": "The device clock is wrong.",
  "error.invalid_transition": "This cannot be done in the record's current state.",
  "error.schema_too_new": "This data was written by a newer Kassa.",
  "error.keyring_unavailable": "The system keyring is not available.",
  "error.unavailable": "This is not available right now; try again shortly.",
  "error.storage": "The data could not be read or written.",
  "error.internal": "Something went wrong inside Kassa.",
};

export const de: ErrorTexts = {
  "error.invalid_input": "Die Eingabe ist ungültig.",
  "error.not_found": "Nicht gefunden.",
  "error.unauthenticated": "Bitte melden Sie sich an.",
  "error.invalid_credentials": "E-Mail, Passwort oder Code ist falsch.",
  "error.account_locked": "Dieses Konto ist gesperrt.",
  "error.totp_reused": "Dieser Code wurde schon verwendet; warten Sie auf den nächsten.",
  "error.forbidden": "Ihre Rolle erlaubt das nicht.",
  "error.insufficient_stock": "Nicht genug Bestand.",
  "error.already_exists": "Das existiert bereits.",
  "error.idempotency_mismatch": "Diese Anfrage wurde schon mit anderen Angaben gesendet; nichts wurde geändert.",
  "error.conflict": "Das widerspricht anderen Änderungen.",
  "error.weak_password": "Das Passwort ist zu schwach.",
  "error.not_set_up": "Dieses Gerät ist noch nicht eingerichtet.",
  "error.session_locked": "Die Sitzung wurde wegen Inaktivität gesperrt.",
  "error.clock_moved_back": "Die Uhr des Geräts geht falsch.",
  "error.invalid_transition": "Das ist im aktuellen Zustand des Vorgangs nicht möglich.",
  "error.schema_too_new": "Diese Daten stammen von einer neueren Kassa-Version.",
  "error.keyring_unavailable": "Der Schlüsselbund des Systems ist nicht verfügbar.",
  "error.unavailable": "Das ist gerade nicht verfügbar; bitte gleich noch einmal versuchen.",
  "error.storage": "Die Daten konnten nicht gelesen oder geschrieben werden.",
  "error.internal": "In Kassa ist ein Fehler aufgetreten.",
};
