//! Ids made on the device: UUIDv7, so they sort by creation time and never collide across devices.

/// A new UUIDv7 as lowercase hyphenated text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Checks that `s` is a UUID, for ids coming from outside.
pub fn parse_id(s: &str, what: &str) -> kassa_domain::Result<String> {
    uuid::Uuid::parse_str(s.trim())
        .map(|u| u.to_string())
        .map_err(|_| kassa_domain::Error::invalid_input(format!("'{s}' is not a valid {what} id")))
}
