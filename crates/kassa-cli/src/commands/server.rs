//! `kassa server`: the central sync server, carried by the same binary, and the pairing
//! codes it hands out. It keeps its own database (`--database`, or `server.db` in the data
//! folder) and never opens a device's store.

use super::Outcome;
use clap::{Args, Subcommand};
use kassa_app::ApiError;
use kassa_server::{
    EmailSettings, SenderOptions, ServerError, ServerOptions, SmtpConfig, SmtpTls, TlsFiles,
};
use serde_json::json;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(subcommand)]
    pub command: Option<ServerCommand>,
    /// The address to listen on, e.g. 127.0.0.1:8443 (port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// `sqlite:PATH` or `postgres://...` (default: server.db in the data folder).
    #[arg(long, value_name = "URL", global = true)]
    pub database: Option<String>,
    /// The TLS certificate chain (PEM); required off loopback, with --tls-key.
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM).
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The folder of signed app releases devices update from (default: `updates` in the data
    /// folder): `VERSION/notes.md` and `VERSION/TARGET-ARCH/ARTIFACT` with `ARTIFACT.sig`.
    #[arg(long, value_name = "DIR")]
    pub updates_dir: Option<PathBuf>,
    /// The server's address as devices reach it (e.g. https://pos.example.com), used in update
    /// download links; by default the address each device asked.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub cards: CardArgs,
    /// The SMTP server the server sends queued emails through (receipts); without it emails
    /// stay queued. See --smtp-tls for how the connection is secured.
    #[arg(
        long,
        env = "KASSA_SMTP_HOST",
        value_name = "HOST",
        requires = "smtp_from"
    )]
    pub smtp_host: Option<String>,
    /// The SMTP port.
    #[arg(
        long,
        env = "KASSA_SMTP_PORT",
        value_name = "PORT",
        default_value_t = 587
    )]
    pub smtp_port: u16,
    /// How the SMTP connection is secured: starttls (required: nothing is sent where the
    /// SMTP server does not offer it), implicit (TLS from the first byte, SMTPS), or
    /// opportunistic (STARTTLS where offered, else plain; only for an SMTP server on this
    /// machine). Default: implicit on port 465, opportunistic on this machine, else starttls.
    #[arg(long, env = "KASSA_SMTP_TLS", value_name = "MODE")]
    pub smtp_tls: Option<String>,
    /// A PEM file of certificates to trust for the SMTP server besides the public roots
    /// (a certificate of the shop's own authority).
    #[arg(long, env = "KASSA_SMTP_CA_FILE", value_name = "FILE")]
    pub smtp_ca_file: Option<std::path::PathBuf>,
    /// The SMTP user name; its password comes from KASSA_SMTP_PASSWORD.
    #[arg(long, env = "KASSA_SMTP_USER", value_name = "USER")]
    pub smtp_user: Option<String>,
    /// The sender of every email, e.g. "Corner Shop <receipts@example.com>".
    #[arg(long, env = "KASSA_SMTP_FROM", value_name = "ADDRESS")]
    pub smtp_from: Option<String>,
    /// Seconds before the first retry of an email that could not be sent; each later retry
    /// waits twice as long, up to an hour.
    #[arg(
        long,
        env = "KASSA_SMTP_RETRY_SECONDS",
        value_name = "SECONDS",
        default_value_t = 30
    )]
    pub smtp_retry_seconds: u64,
}

/// The card provider (Stripe's PaymentIntents API). Its secrets come from the environment
/// only (other users see arguments): KASSA_STRIPE_SECRET_KEY, without which the server takes
/// no card payments, and KASSA_STRIPE_WEBHOOK_SECRET.
#[derive(Debug, Args)]
pub struct CardArgs {
    /// Refused: the secret key never goes in an argument; set KASSA_STRIPE_SECRET_KEY.
    #[arg(long, value_name = "KEY", global = true, hide = true)]
    pub stripe_secret_key: Option<String>,
    /// Refused: the webhook secret never goes in an argument; set KASSA_STRIPE_WEBHOOK_SECRET.
    #[arg(long, value_name = "SECRET", global = true, hide = true)]
    pub stripe_webhook_secret: Option<String>,
    /// Stripe's API base URL (another for a stand-in speaking the same API).
    #[arg(long, value_name = "URL", env = "KASSA_STRIPE_API_BASE", global = true, default_value = kassa_server::cards::STRIPE_API_BASE)]
    pub stripe_api_base: String,
    /// Minutes between reconciliations with the provider while serving (0: none).
    #[arg(
        long,
        value_name = "MINUTES",
        env = "KASSA_RECONCILE_MINUTES",
        global = true,
        default_value_t = 60
    )]
    pub reconcile_every_minutes: u64,
}

/// The secret key's variable.
const SECRET_KEY_ENV: &str = "KASSA_STRIPE_SECRET_KEY";
/// The webhook secret's variable.
const WEBHOOK_SECRET_ENV: &str = "KASSA_STRIPE_WEBHOOK_SECRET";

impl CardArgs {
    /// The card provider's options, from the environment's secrets; `None` without a
    /// secret key. A secret given as an argument is refused, naming its variable.
    fn options(&self) -> Result<Option<kassa_server::CardOptions>, ApiError> {
        for (given, var) in [
            (self.stripe_secret_key.is_some(), SECRET_KEY_ENV),
            (self.stripe_webhook_secret.is_some(), WEBHOOK_SECRET_ENV),
        ] {
            if given {
                return Err(invalid(format!(
                    "a card provider secret is never passed as an argument (other users of this machine see arguments); set {var}"
                )));
            }
        }
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let Some(key) = env(SECRET_KEY_ENV) else {
            return Ok(None);
        };
        Ok(Some(kassa_server::CardOptions {
            stripe: kassa_server::cards::StripeConfig {
                api_base: self.stripe_api_base.clone(),
                secret_key: key,
            },
            webhook_secret: env(WEBHOOK_SECRET_ENV),
            reconcile_every: (self.reconcile_every_minutes > 0)
                .then(|| std::time::Duration::from_secs(self.reconcile_every_minutes * 60)),
        }))
    }
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// A one-time pairing code, valid for an hour: without --store for a new store's first
    /// device (it uploads its store), with --store for another device of that store.
    PairingCode {
        /// The store the code joins.
        #[arg(long, value_name = "ID")]
        store: Option<String>,
    },
    /// Compares the card provider's PaymentIntents created in a period with the server's
    /// card payments, and fixes what differs (audited): a missing payment is recorded, a
    /// status takes the provider's, an amount that differs is marked for a manager.
    Reconcile {
        /// Start of the period: RFC 3339 or YYYY-MM-DD (UTC midnight), included.
        #[arg(long, value_name = "TIME")]
        from: String,
        /// End of the period: RFC 3339 or YYYY-MM-DD (UTC midnight), excluded.
        #[arg(long, value_name = "TIME")]
        to: String,
    },
    /// The emails the server sends (every store's, or one's): status, attempts, last error.
    Emails {
        /// Only this store's.
        #[arg(long, value_name = "ID")]
        store: Option<String>,
    },
}

fn failed(e: ServerError) -> ApiError {
    ApiError {
        code: e.code().into(),
        message: e.to_string(),
        permission: None,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ApiError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError {
            code: "internal".into(),
            message: format!("the server's runtime cannot start: {e}"),
            permission: None,
        })
}

pub fn run(a: &ServerArgs, dir: &Path) -> Result<Outcome, ApiError> {
    match &a.command {
        Some(ServerCommand::PairingCode { store }) => pairing_code(a, store.as_deref(), dir),
        Some(ServerCommand::Reconcile { from, to }) => reconcile(a, from, to, dir),
        Some(ServerCommand::Emails { store }) => emails(a, store.as_deref(), dir),
        None => serve(a, dir),
    }
}

fn serve(a: &ServerArgs, dir: &Path) -> Result<Outcome, ApiError> {
    let listen = a.listen.ok_or_else(|| ApiError {
        code: "invalid_input".into(),
        message: "kassa server needs --listen ADDR (or a subcommand: pairing-code)".into(),
        permission: None,
    })?;
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    };
    data_folder(a, dir)?;
    let opts = ServerOptions {
        listen,
        database: a.database.clone(),
        data_dir: dir.to_path_buf(),
        tls,
        updates_dir: a.updates_dir.clone(),
        public_url: a.public_url.clone(),
        cards: a.cards.options()?,
        email: email_settings(a)?,
    };
    runtime()?
        .block_on(kassa_server::run(opts, |addr| {
            // One line, at once: scripts and tests read the bound port from it.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", json!({"listening": addr.to_string()}));
            let _ = out.flush();
        }))
        .map_err(failed)?;
    Ok(Outcome::from_json(
        json!({"stopped": true}),
        "The server stopped.",
    ))
}

/// The data folder the default database lives in, made when missing.
fn data_folder(a: &ServerArgs, dir: &Path) -> Result<(), ApiError> {
    if a.database.is_some() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| ApiError {
        code: "io_error".into(),
        message: format!("cannot make the data folder {}: {e}", dir.display()),
        permission: None,
    })
}

fn pairing_code(a: &ServerArgs, store: Option<&str>, dir: &Path) -> Result<Outcome, ApiError> {
    data_folder(a, dir)?;
    let issued = runtime()?
        .block_on(async {
            let storage = kassa_server::open_storage(a.database.as_deref(), dir).await?;
            kassa_server::issue_pairing_code(storage.as_ref(), store, chrono::Utc::now()).await
        })
        .map_err(failed)?;
    let human = match &issued.store_id {
        None => format!(
            "Pairing code {} for a new store's first device; valid until {}.",
            issued.code, issued.expires_at
        ),
        Some(id) => format!(
            "Pairing code {} for a new device of store {id}; valid until {}.",
            issued.code, issued.expires_at
        ),
    };
    Ok(Outcome::from_json(
        json!({"code": issued.code, "store_id": issued.store_id, "expires_at": issued.expires_at}),
        human,
    ))
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError {
        code: "invalid_input".into(),
        message: message.into(),
        permission: None,
    }
}

/// A moment given as RFC 3339 or as a date (its UTC midnight).
fn moment(what: &str, text: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            invalid(format!(
                "--{what} must be RFC 3339 or YYYY-MM-DD, not {text:?}"
            ))
        })
}

fn reconcile(a: &ServerArgs, from: &str, to: &str, dir: &Path) -> Result<Outcome, ApiError> {
    let (from, to) = (moment("from", from)?, moment("to", to)?);
    if from >= to {
        return Err(invalid("--from must be before --to"));
    }
    let options = a.cards.options()?.ok_or_else(|| {
        invalid(format!(
            "reconciling needs the card provider: set {SECRET_KEY_ENV}"
        ))
    })?;
    let cards = options.cards().map_err(|e| invalid(e.to_string()))?;
    data_folder(a, dir)?;
    let report = runtime()?.block_on(async {
        let storage = kassa_server::open_storage(a.database.as_deref(), dir)
            .await
            .map_err(failed)?;
        kassa_server::cards::reconcile(&*storage, &*cards.provider, from, to, chrono::Utc::now())
            .await
            .map_err(|e| ApiError {
                code: match &e {
                    kassa_server::cards::ReconcileError::Provider(
                        kassa_server::cards::ProviderError::Unreachable(_),
                    ) => "card_provider_unreachable".into(),
                    kassa_server::cards::ReconcileError::Provider(_) => {
                        "card_provider_error".into()
                    }
                    kassa_server::cards::ReconcileError::Storage(_) => "internal".into(),
                },
                message: e.to_string(),
                permission: None,
            })
    })?;
    let mut human = format!(
        "{} intents at the provider, {} payments on the server from {} to {}: {} differences, {} fixed.",
        report.provider_intents,
        report.server_payments,
        report.from,
        report.to,
        report.mismatches.len(),
        report.fixed
    );
    for m in &report.mismatches {
        human.push_str(&format!("\n  {} {}: {}", m.kind, m.intent_id, m.fix));
    }
    let json = serde_json::to_value(&report).map_err(|e| ApiError {
        code: "internal".into(),
        message: e.to_string(),
        permission: None,
    })?;
    Ok(Outcome::from_json(json, human))
}

/// The email settings the flags and environment give, if an SMTP host is set. The password
/// only ever comes from KASSA_SMTP_PASSWORD (arguments are visible to other users).
fn email_settings(a: &ServerArgs) -> Result<Option<EmailSettings>, ApiError> {
    let Some(host) = a.smtp_host.clone() else {
        return Ok(None);
    };
    let password = std::env::var("KASSA_SMTP_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let tls = match &a.smtp_tls {
        Some(mode) => SmtpTls::parse(mode).map_err(|e| ApiError {
            code: "invalid_input".into(),
            message: e.to_string(),
            permission: None,
        })?,
        None => SmtpTls::default_for(&host, a.smtp_port),
    };
    Ok(Some(EmailSettings {
        smtp: SmtpConfig {
            host,
            port: a.smtp_port,
            username: a.smtp_user.clone(),
            password,
            from: a.smtp_from.clone().unwrap_or_default(),
            tls,
            ca_file: a.smtp_ca_file.clone(),
        },
        sender: SenderOptions {
            retry_base: std::time::Duration::from_secs(a.smtp_retry_seconds.max(1)),
            ..SenderOptions::default()
        },
    }))
}

fn emails(a: &ServerArgs, store: Option<&str>, dir: &Path) -> Result<Outcome, ApiError> {
    data_folder(a, dir)?;
    let emails = runtime()?
        .block_on(async {
            let storage = kassa_server::open_storage(a.database.as_deref(), dir).await?;
            Ok::<_, ServerError>(storage.emails(store, None).await?)
        })
        .map_err(failed)?;
    let states: Vec<_> = emails
        .into_iter()
        .map(kassa_server::email::state_of)
        .collect();
    let mut human = String::new();
    for e in &states {
        human.push_str(&format!(
            "{}  {:<8} {:>2} attempt(s)  {}  {}{}\n",
            e.queued_at,
            e.status,
            e.attempts,
            e.to_address,
            e.subject,
            e.last_error
                .as_deref()
                .map(|r| format!("  ({r})"))
                .unwrap_or_default()
        ));
    }
    if states.is_empty() {
        human.push_str("No emails.");
    }
    Ok(Outcome::from_json(
        json!({ "emails": states }),
        human.trim_end().to_owned(),
    ))
}
