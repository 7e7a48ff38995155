//! First-run setup and the demo store.

use crate::dto::{DemoOutput, DemoStaff, Enrolment, SetupInput, SetupOutput};
use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::role::Role;
use kassa_domain::totp;
use kassa_store::foundation::device::{self, SetupParams};
use kassa_store::identity::staff::{self, NewCredentials, NewStaff};
use kassa_store::{FixedClock, Store};
use std::sync::Arc;

/// The QR code of an `otpauth://` URI, as an SVG document.
pub(crate) fn qr_svg(uri: &str) -> ApiResult<String> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build())
}

pub(crate) fn enrolment(
    id: &str,
    email: &str,
    secret: &[u8],
    backup_codes: Vec<String>,
) -> ApiResult<Enrolment> {
    let otpauth_uri = totp::provisioning_uri(secret, email)?;
    Ok(Enrolment {
        id: id.to_string(),
        email: email.to_string(),
        totp_secret: totp::secret_base32(secret),
        qr_svg: qr_svg(&otpauth_uri)?,
        otpauth_uri,
        backup_codes,
    })
}

/// The demo store's staff: email, role and password. Shown on a demo store's sign-in screen.
const DEMO_STAFF: [(&str, &str, Role, &str); 4] = [
    (
        "admin@demo.kassa.app",
        "Ada Admin",
        Role::Admin,
        "demo admin opens the corner shop",
    ),
    (
        "manager@demo.kassa.app",
        "Max Manager",
        Role::Manager,
        "demo manager counts the float twice",
    ),
    (
        "cashier@demo.kassa.app",
        "Cleo Cashier",
        Role::Cashier,
        "demo cashier scans oat milk quickly",
    ),
    (
        "agent@demo.kassa.app",
        "Aziz Agent",
        Role::Agent,
        "demo agent books the lake ferry",
    ),
];

/// A demo role's password, if `role` has a demo account.
pub(crate) fn demo_password(role: Role) -> Option<&'static str> {
    DEMO_STAFF
        .iter()
        .find(|(_, _, r, _)| *r == role)
        .map(|(_, _, _, p)| *p)
}

impl Api {
    /// Creates the store, this device and its first admin; once per data folder.
    pub fn setup(&self, input: SetupInput) -> ApiResult<SetupOutput> {
        let mut store = self.store();
        let out = device::setup(
            &mut store,
            SetupParams {
                store_name: input.store_name,
                store_code: input.store_code,
                currency: input.currency,
                device_name: input.device_name,
                admin_email: input.admin_email.clone(),
                admin_name: input.admin_name,
                password: input.password,
                demo: false,
            },
        )?;
        let email = staff::get(store.conn(), &out.admin_id)?.email;
        Ok(SetupOutput {
            store_id: out.store_id,
            device_id: out.device_id,
            admin: enrolment(&out.admin_id, &email, &out.totp_secret, out.backup_codes)?,
        })
    }

    /// Creates a demo store with staff of every role. The desktop app and the CLI
    /// show its credentials so anyone can try Kassa at once.
    pub fn demo(&self) -> ApiResult<DemoOutput> {
        let mut store = self.store();
        // The shop opened eight weeks ago: it is set up and sells on a clock set back, then
        // the store gets its own clock again, whatever happened.
        let real = store.clock_arc();
        let now = real.now();
        let past = Arc::new(FixedClock::new(crate::demo_history::opened_at(now)));
        store.set_clock(past.clone());
        let made = Self::demo_store(&mut store, &past, now);
        store.set_clock(real);
        let (out, mut agent) = made?;
        // Today's bookings (a hold and a quote) on the store's own clock.
        agent.today(&mut store)?;
        Ok(out)
    }

    fn demo_store(
        store: &mut Store,
        past: &FixedClock,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ApiResult<(DemoOutput, crate::demo_trips::Agent)> {
        let (admin_email, admin_name, _, admin_password) = DEMO_STAFF[0];
        let out = device::setup(
            store,
            SetupParams {
                store_name: "Corner Shop (demo)".into(),
                store_code: Some("DEMO".into()),
                currency: "EUR".into(),
                device_name: Some("Till 1".into()),
                admin_email: admin_email.into(),
                admin_name: Some(admin_name.into()),
                password: admin_password.into(),
                demo: true,
            },
        )?;
        let mut staff_out = vec![DemoStaff {
            email: admin_email.into(),
            role: Role::Admin.as_str().into(),
            password: admin_password.into(),
            totp_secret: totp::secret_base32(&out.totp_secret),
        }];
        let prepared = DEMO_STAFF[1..]
            .iter()
            .map(|(email, name, role, password)| {
                Ok((
                    *email,
                    *name,
                    *role,
                    *password,
                    NewCredentials::prepare(password)?,
                ))
            })
            .collect::<kassa_store::Result<Vec<_>>>()?;
        let key = store.store_key()?.clone_key();
        store.write(|tx| {
            for (email, name, role, _, creds) in &prepared {
                let who = NewStaff {
                    store_id: &out.store_id,
                    email,
                    display_name: name,
                    role: *role,
                };
                staff::insert_active(tx, &key, &who, creds, Some(&out.admin_id))?;
            }
            Ok(())
        })?;
        crate::demo_catalog::seed(store, now.date_naive(), &out.store_id, &out.admin_id)?;
        let id_of = |email: &str| -> ApiResult<String> {
            store
                .conn()
                .query_row(
                    "SELECT id FROM staff WHERE store_id = ?1 AND email = ?2",
                    [out.store_id.as_str(), email],
                    |r| r.get(0),
                )
                .map_err(|e| {
                    ApiError::new(
                        ErrorCode::Internal,
                        format!("reading the demo staff failed: {e}"),
                    )
                })
        };
        // Sold by the manager, the cashier and the admin; the manager takes the refunds.
        let sellers = vec![
            id_of(DEMO_STAFF[1].0)?,
            id_of(DEMO_STAFF[2].0)?,
            out.admin_id.clone(),
        ];
        let agent_id = id_of(DEMO_STAFF[3].0)?;
        // The trips are set up when the shop opened; the agent books them over the history.
        let departures = crate::demo_trips::seed(store, now, &out.store_id, &out.admin_id)?;
        let mut agent = crate::demo_trips::Agent::new(&out.store_id, &agent_id, departures, now);
        // The agent earns 5 % on what customers pay for bookings.
        agent.earns(store, &out.admin_id, 500)?;
        crate::demo_history::seed(
            store,
            past,
            now,
            &out.store_id,
            &out.admin_id,
            &sellers,
            &mut agent,
        )?;
        for (email, _, role, password, creds) in &prepared {
            staff_out.push(DemoStaff {
                email: (*email).into(),
                role: role.as_str().into(),
                password: (*password).into(),
                totp_secret: totp::secret_base32(&creds.totp_secret),
            });
        }
        Ok((
            DemoOutput {
                store_id: out.store_id,
                device_id: out.device_id,
                staff: staff_out,
            },
            agent,
        ))
    }
}
