//! End-to-end tests of the real desktop app, driven through WebDriver.
//! Screenshots land in `target/e2e/<test>/`.

mod admin;
mod booking_reports;
mod bookings;
mod cards;
mod demo_store;
mod first_run;
mod harness;
mod identity;
mod reports;
mod selling;
mod stock;
mod sync;
mod updates;
