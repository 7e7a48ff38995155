//! A device in a temp folder with the demo staff, a clock the test moves, and sign-in helpers.
#![allow(dead_code)]

pub mod samples;

use chrono::{TimeZone, Utc};
use kassa_app::dto::{DemoOutput, LoginInput, NoInput};
use kassa_app::{Api, FixedClock, KeySource, Surface};
use std::sync::Arc;

pub struct Device {
    pub api: Api,
    pub clock: Arc<FixedClock>,
    pub demo: DemoOutput,
    _dir: tempfile::TempDir,
}

impl Device {
    /// A demo store on a fresh device, nobody signed in.
    pub fn demo() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
        ));
        let api = Api::open_with(
            dir.path(),
            Surface::Desktop,
            clock.clone(),
            KeySource::ExplicitKeys {
                device: [5; 32],
                store: [77; 32],
            },
        )
        .unwrap();
        let demo = api.demo().unwrap();
        Device {
            api,
            clock,
            demo,
            _dir: dir,
        }
    }

    /// The number the next Z report gets: the demo store closed each day of its history.
    pub fn next_z_number(&self) -> i64 {
        let reports = self.api.z_list(NoInput {}).unwrap().reports;
        reports.iter().filter_map(|z| z.number).max().unwrap_or(0) + 1
    }

    /// Signs in the demo person with `role`, with a code from the next unused time step.
    pub fn sign_in(&self, role: &str) {
        let s = self.person(role).clone();
        self.login(&s.email, &s.password, &s.totp_secret).unwrap();
    }

    /// The device's data folder.
    pub fn data_dir(&self) -> &std::path::Path {
        self.api.data_dir()
    }

    /// The demo person with `role`.
    pub fn person(&self, role: &str) -> &kassa_app::dto::DemoStaff {
        self.demo
            .staff
            .iter()
            .find(|s| s.role == role)
            .expect("demo role")
    }

    /// Moves the clock to the next 30 s step and returns the code `secret_b32` shows then.
    pub fn next_code(&self, secret_b32: &str) -> String {
        self.clock.advance(chrono::Duration::seconds(30));
        self.code_now(secret_b32)
    }

    /// The code `secret_b32` shows now.
    pub fn code_now(&self, secret_b32: &str) -> String {
        let secret = kassa_app::kassa_domain::totp::secret_from_base32(secret_b32).unwrap();
        let unix = u64::try_from(kassa_app::Clock::now(self.clock.as_ref()).timestamp()).unwrap();
        kassa_app::kassa_domain::totp::code_at(&secret, unix).unwrap()
    }

    /// Signs in with a password and the next code of `secret_b32`.
    pub fn login(
        &self,
        email: &str,
        password: &str,
        secret_b32: &str,
    ) -> kassa_app::ApiResult<kassa_app::dto::SessionDto> {
        let code = self.next_code(secret_b32);
        self.api.login(LoginInput {
            email: email.to_string(),
            password: password.to_string(),
            totp_code: Some(code),
            backup_code: None,
        })
    }

    /// What would show a write: changes waiting in the outbox and entries in the audit trail.
    pub fn footprint(&self) -> (u64, u64) {
        let status = self.api.sync_status(kassa_app::dto::NoInput {}).unwrap();
        let audit = self.api.audit_verify(kassa_app::dto::NoInput {}).unwrap();
        (status.pending_changes, audit.entries)
    }
}

/// The text of a PDF given as base64, laid out (poppler's pdftotext); fails unless it is a PDF.
pub fn pdf_text(base64: &str) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64)
        .unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}
