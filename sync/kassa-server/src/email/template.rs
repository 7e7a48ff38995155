//! The server's email templates: the device's document (a receipt, a booking confirmation)
//! inside a letter in the store's receipt language (English or German), as HTML and as plain text.

use html_escape::{encode_double_quoted_attribute, encode_text};

/// The languages the templates speak; anything but German is English, as on receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailLanguage {
    En,
    De,
}

impl MailLanguage {
    /// The language of a setting such as `de` or `de-AT`; English for anything else or none.
    pub fn from_setting(code: Option<&str>) -> MailLanguage {
        match code {
            Some(c) if c.trim().to_ascii_lowercase().starts_with("de") => MailLanguage::De,
            _ => MailLanguage::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MailLanguage::En => "en",
            MailLanguage::De => "de",
        }
    }
}

/// What the letter says around the document it carries.
struct Words {
    receipt_intro: &'static str,
    booking_intro: &'static str,
    reminder_intro: &'static str,
    other_intro: &'static str,
    attached: &'static str,
    booking_attached: &'static str,
    signature: &'static str,
    automatic: &'static str,
}

fn words(lang: MailLanguage) -> Words {
    match lang {
        MailLanguage::En => Words {
            receipt_intro: "Thank you for shopping at {store}. Here is your receipt.",
            booking_intro: "Thank you for booking with {store}. Here is your booking confirmation.",
            reminder_intro: "A reminder from {store}: the balance of your booking falls due soon.",
            other_intro: "A message from {store}.",
            attached: "The receipt is attached as a PDF.",
            booking_attached: "The booking confirmation is attached as a PDF.",
            signature: "Kind regards,\n{store}",
            automatic: "This email was sent automatically; please do not reply to it.",
        },
        MailLanguage::De => Words {
            receipt_intro: "Vielen Dank für Ihren Einkauf bei {store}. Hier ist Ihr Beleg.",
            booking_intro: "Vielen Dank für Ihre Buchung bei {store}. Hier ist Ihre Buchungsbestätigung.",
            reminder_intro: "Eine Erinnerung von {store}: Der Restbetrag Ihrer Buchung ist bald fällig.",
            other_intro: "Eine Nachricht von {store}.",
            attached: "Der Beleg ist als PDF angehängt.",
            booking_attached: "Die Buchungsbestätigung ist als PDF angehängt.",
            signature: "Mit freundlichen Grüßen\n{store}",
            automatic: "Diese E-Mail wurde automatisch versendet; bitte antworten Sie nicht darauf.",
        },
    }
}

/// A letter ready to send: both bodies of the multipart message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub html: String,
    pub text: String,
}

/// The letter for an email of `kind` (`receipt`, `booking_confirmation`...) from `store`,
/// around the device's HTML body; `with_pdf` says that the document is attached.
pub fn letter(
    lang: MailLanguage,
    kind: &str,
    store: &str,
    subject: &str,
    body_html: &str,
    with_pdf: bool,
) -> Letter {
    let w = words(lang);
    let (intro, attached) = match kind {
        "receipt" => (w.receipt_intro, w.attached),
        "booking_confirmation" => (w.booking_intro, w.booking_attached),
        "balance_reminder" => (w.reminder_intro, w.booking_attached),
        _ => (w.other_intro, w.attached),
    };
    let fill = |s: &str, store: &str| s.replace("{store}", store);
    let store_html = encode_text(store).into_owned();
    let body = inner_body(body_html);
    let attached_html = if with_pdf {
        format!("<p>{}</p>\n", encode_text(attached))
    } else {
        String::new()
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family: sans-serif; color: #1a1a1a;\">\n\
         <p>{intro}</p>\n{attached_html}\
         <div style=\"font-family: monospace; white-space: pre; border: 1px solid #ddd; padding: 8px; display: inline-block;\">\n{body}</div>\n\
         <p>{signature}</p>\n<p style=\"color: #666; font-size: smaller;\">{automatic}</p>\n</body></html>\n",
        lang = lang.code(),
        title = encode_double_quoted_attribute(subject),
        intro = fill(&encode_text(intro), &store_html),
        signature = fill(&encode_text(w.signature), &store_html).replace('\n', "<br>"),
        automatic = encode_text(w.automatic),
    );
    let mut text = fill(intro, store);
    text.push_str("\n\n");
    if with_pdf {
        text.push_str(attached);
        text.push_str("\n\n");
    }
    text.push_str(&plain_text(body_html));
    text.push_str("\n\n");
    text.push_str(&fill(w.signature, store));
    text.push_str("\n\n");
    text.push_str(w.automatic);
    text.push('\n');
    Letter { html, text }
}

/// What a staff invitation's letter needs: the invitation as the device handed it over.
#[derive(Debug, Clone, Copy)]
pub struct InvitationFacts<'a> {
    /// `invite` or `reenrol`.
    pub kind: &'a str,
    pub display_name: Option<&'a str>,
    pub to_address: &'a str,
    /// `cashier`, `agent`, `manager` or `admin`.
    pub role: &'a str,
    /// RFC 3339.
    pub expires_at: &'a str,
    pub code: &'a str,
}

fn role_name(lang: MailLanguage, role: &str) -> &str {
    match (lang, role) {
        (MailLanguage::En, "cashier") => "Cashier",
        (MailLanguage::En, "agent") => "Travel agent",
        (MailLanguage::En, "manager") => "Manager",
        (MailLanguage::De, "cashier") => "Kassierer/in",
        (MailLanguage::De, "agent") => "Reiseberater/in",
        (MailLanguage::De, "manager") => "Filialleitung",
        (_, "admin") => "Admin",
        (_, other) => other,
    }
}

/// The subject of a staff invitation's letter (the device shows the same for its row).
pub fn invitation_subject(lang: MailLanguage, kind: &str, store: &str) -> String {
    match (lang, kind) {
        (MailLanguage::En, "reenrol") => format!("Your code for a new authenticator at {store}"),
        (MailLanguage::De, "reenrol") => {
            format!("Ihr Code für einen neuen Authenticator bei {store}")
        }
        (MailLanguage::En, _) => format!("Your invitation to {store}"),
        (MailLanguage::De, _) => format!("Ihre Einladung zu {store}"),
    }
}

/// A staff invitation's (or re-enrolment's) letter: who it is for, the store, the role, the
/// one-time code, until when it works and what to do with it, as the app's sign-in screen
/// words it. No attachment.
pub fn invitation_letter(lang: MailLanguage, store: &str, f: &InvitationFacts<'_>) -> Letter {
    let expires = chrono::DateTime::parse_from_rfc3339(f.expires_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    let until = match (lang, expires) {
        (MailLanguage::En, Some(t)) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        (MailLanguage::De, Some(t)) => t.format("%d.%m.%Y, %H:%M Uhr (UTC)").to_string(),
        (_, None) => f.expires_at.to_owned(),
    };
    let name = f
        .display_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(f.to_address);
    let role = role_name(lang, f.role);
    let reenrol = f.kind == "reenrol";
    let (greeting, intro, steps, expiry, ignore): (String, String, [String; 3], String, &str) =
        match lang {
            MailLanguage::En => (
                format!("Hello {name},"),
                if reenrol {
                    format!(
                        "here is your one-time code to set up a new authenticator for your Kassa account at {store} ({}).",
                        f.to_address
                    )
                } else {
                    format!(
                        "you are invited to join {store} in Kassa as {role} ({}). Here is your one-time invitation code.",
                        f.to_address
                    )
                },
                [
                    "Open Kassa on one of the store's devices.".to_owned(),
                    "On the sign-in screen, choose \"I have an invitation or a new-authenticator code\".".to_owned(),
                    if reenrol {
                        "Enter this code and confirm with your current password.".to_owned()
                    } else {
                        "Enter this code and choose your password.".to_owned()
                    },
                ],
                format!("The code works once, until {until}."),
                "If you did not expect this email, ignore it; without the code nothing happens.",
            ),
            MailLanguage::De => (
                format!("Hallo {name},"),
                if reenrol {
                    format!(
                        "hier ist Ihr einmaliger Code, um einen neuen Authenticator für Ihr Kassa-Konto bei {store} einzurichten ({}).",
                        f.to_address
                    )
                } else {
                    format!(
                        "Sie sind eingeladen, bei {store} in Kassa als {role} mitzuarbeiten ({}). Hier ist Ihr einmaliger Einladungscode.",
                        f.to_address
                    )
                },
                [
                    "Öffnen Sie Kassa auf einem der Geräte des Geschäfts.".to_owned(),
                    "Wählen Sie auf der Anmeldeseite „Ich habe einen Einladungs- oder Authenticator-Code“.".to_owned(),
                    if reenrol {
                        "Geben Sie diesen Code ein und bestätigen Sie mit Ihrem aktuellen Passwort.".to_owned()
                    } else {
                        "Geben Sie diesen Code ein und wählen Sie Ihr Passwort.".to_owned()
                    },
                ],
                format!("Der Code gilt einmal, bis {until}."),
                "Falls Sie diese E-Mail nicht erwartet haben, ignorieren Sie sie; ohne den Code geschieht nichts.",
            ),
        };
    let w = words(lang);
    let subject = invitation_subject(lang, f.kind, store);
    let fill = |s: &str, store: &str| s.replace("{store}", store);
    let steps_html: String = steps
        .iter()
        .map(|s| format!("<li>{}</li>", encode_text(s)))
        .collect();
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family: sans-serif; color: #1a1a1a;\">\n\
         <p>{greeting}</p>\n<p>{intro}</p>\n\
         <p style=\"font-family: monospace; font-size: 1.4em; letter-spacing: 0.1em;\">{code}</p>\n\
         <ol>{steps_html}</ol>\n<p>{expiry}</p>\n<p>{ignore}</p>\n\
         <p>{signature}</p>\n<p style=\"color: #666; font-size: smaller;\">{automatic}</p>\n</body></html>\n",
        lang = lang.code(),
        title = encode_double_quoted_attribute(&subject),
        greeting = encode_text(&greeting),
        intro = encode_text(&intro),
        code = encode_text(f.code),
        expiry = encode_text(&expiry),
        ignore = encode_text(ignore),
        signature = encode_text(&fill(w.signature, store)).replace('\n', "<br>"),
        automatic = encode_text(w.automatic),
    );
    let mut text = format!("{greeting}\n\n{intro}\n\n    {}\n\n", f.code);
    for (i, step) in steps.iter().enumerate() {
        text.push_str(&format!("{}. {step}\n", i + 1));
    }
    text.push_str(&format!(
        "\n{expiry}\n{ignore}\n\n{}\n\n{}\n",
        fill(w.signature, store),
        w.automatic
    ));
    Letter { html, text }
}

/// What is inside the `<body>` of an HTML document (the whole text if it has none), without
/// scripts or styles.
fn inner_body(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let start = lower
        .find("<body")
        .and_then(|i| lower[i..].find('>').map(|j| i + j + 1))
        .unwrap_or(0);
    let end = lower[start..]
        .find("</body>")
        .map_or(html.len(), |j| start + j);
    let mut out = String::with_capacity(end - start);
    let mut rest = &html[start..end];
    // Scripts never travel in a letter.
    while let Some(i) = rest.to_ascii_lowercase().find("<script") {
        out.push_str(&rest[..i]);
        match rest[i..].to_ascii_lowercase().find("</script>") {
            Some(j) => rest = &rest[i + j + "</script>".len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of an HTML receipt: one line per block element, entities decoded, the row
/// layout's spacing kept (each row is already laid out in columns).
pub fn plain_text(html: &str) -> String {
    let body = inner_body(html);
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '<' {
            let end = body[i..].find('>').map_or(body.len(), |j| i + j + 1);
            let tag = body[i..end].to_ascii_lowercase();
            if tag.starts_with("</div")
                || tag.starts_with("<br")
                || tag.starts_with("</p")
                || tag.starts_with("</tr")
                || tag.starts_with("</h")
            {
                out.push('\n');
            }
            if tag.contains("rule") {
                out.push_str(&"-".repeat(48));
            }
            while chars.peek().is_some_and(|(k, _)| *k < end) {
                chars.next();
            }
        } else if c != '\n' && c != '\r' {
            out.push(c);
        }
    }
    let decoded = html_escape::decode_html_entities(&out).replace('\u{a0}', " ");
    decoded
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIPT: &str = "<!doctype html><html><head><title>x</title><style>.row{}</style></head>\
        <body><div class=\"paper\"><div class=\"row bold center\">Corner &amp; Co</div>\n\
        <div class=\"row rule\"></div>\n<div class=\"row\">Tea          2.50</div>\n\
        <div class=\"row\">&nbsp;</div>\n<script>alert(1)</script></div></body></html>";

    #[test]
    fn the_receipt_becomes_text_row_by_row() {
        assert_eq!(
            plain_text(RECEIPT),
            format!("Corner & Co\n{}\nTea          2.50", "-".repeat(48))
        );
    }

    #[test]
    fn the_letter_speaks_the_stores_language() {
        let en = letter(
            MailLanguage::En,
            "receipt",
            "Corner & Co",
            "Receipt 1",
            RECEIPT,
            true,
        );
        assert!(
            en.text
                .starts_with("Thank you for shopping at Corner & Co.")
        );
        assert!(en.text.contains("attached as a PDF"));
        assert!(en.html.contains("<html lang=\"en\">"));
        assert!(en.html.contains("Corner &amp; Co. Here is your receipt."));
        assert!(!en.html.contains("<script"), "{}", en.html);
        let de = letter(
            MailLanguage::De,
            "receipt",
            "Eck",
            "Beleg 1",
            RECEIPT,
            false,
        );
        assert!(
            de.text
                .starts_with("Vielen Dank für Ihren Einkauf bei Eck.")
        );
        assert!(!de.text.contains("PDF"));
        assert!(de.html.contains("<html lang=\"de\">"));
        let booking = letter(
            MailLanguage::De,
            "booking_confirmation",
            "Reisebüro",
            "Buchungsbestätigung 1",
            RECEIPT,
            true,
        );
        assert!(
            booking
                .text
                .starts_with("Vielen Dank für Ihre Buchung bei Reisebüro."),
            "{}",
            booking.text
        );
        assert!(
            booking
                .text
                .contains("Die Buchungsbestätigung ist als PDF angehängt.")
        );
        let reminder = letter(
            MailLanguage::En,
            "balance_reminder",
            "Travel Desk",
            "Payment reminder 1",
            RECEIPT,
            true,
        );
        assert!(
            reminder.text.starts_with(
                "A reminder from Travel Desk: the balance of your booking falls due soon."
            ),
            "{}",
            reminder.text
        );
        assert!(
            reminder
                .text
                .contains("The booking confirmation is attached as a PDF.")
        );
        assert_eq!(MailLanguage::from_setting(Some("de-AT")), MailLanguage::De);
        let facts = InvitationFacts {
            kind: "invite",
            display_name: Some("Nia <Novak>"),
            to_address: "nia@example.com",
            role: "cashier",
            expires_at: "2026-12-06T18:00:00.000Z",
            code: "ABCD-EFGH-JKMN",
        };
        let en = invitation_letter(MailLanguage::En, "Corner & Co", &facts);
        assert!(en.text.starts_with("Hello Nia <Novak>,"), "{}", en.text);
        assert!(en.text.contains("as Cashier"), "{}", en.text);
        assert!(en.text.contains("ABCD-EFGH-JKMN"));
        assert!(
            en.text.contains("until 2026-12-06 18:00 UTC"),
            "{}",
            en.text
        );
        assert!(en.html.contains("Nia &lt;Novak&gt;"), "{}", en.html);
        assert!(en.html.contains("Corner &amp; Co"));
        let de = invitation_letter(MailLanguage::De, "Eck", &facts);
        assert!(de.text.contains("als Kassierer/in"), "{}", de.text);
        assert!(
            de.text.contains("bis 06.12.2026, 18:00 Uhr (UTC)"),
            "{}",
            de.text
        );
        assert!(de.html.contains("<html lang=\"de\">"));
        assert_eq!(
            invitation_subject(MailLanguage::De, "invite", "Eck"),
            "Ihre Einladung zu Eck"
        );
        assert_eq!(MailLanguage::from_setting(Some("fr")), MailLanguage::En);
        assert_eq!(MailLanguage::from_setting(None), MailLanguage::En);
    }
}
