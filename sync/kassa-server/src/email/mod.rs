//! The email sender: takes the emails devices queued (kept by pushes from `email_outbox`),
//! writes each as a multipart letter in the store's language and sends it over SMTP
//! (`lettre`: STARTTLS whenever the SMTP server offers it, plain when it offers none).
//!
//! A transient failure (a 4xx answer, no connection) is tried again after a delay that
//! doubles from `retry_base` up to `retry_max`, at most `max_attempts` times; a permanent
//! one (a 5xx answer, an address that cannot be one) is kept as `failed` with its reason.
//! Each attempt runs under a lease (`lease`): a sender that dies mid-send leaves its emails
//! to be taken again once the lease runs out, so a server restart loses none.

pub mod invitation;
pub mod template;

use crate::metrics::Metrics;
use crate::state::{Clock, timestamp};
use futures_util::StreamExt;
use kassa_server_storage::{EmailJob, EmailOutcome, Storage};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;
use template::{MailLanguage, letter};
use tokio::sync::Notify;
use tracing::Instrument;

/// How the connection to the SMTP server is secured (`kassa server --smtp-tls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// STARTTLS, required: where the SMTP server does not offer it, nothing is sent (the
    /// email waits for a retry), so neither the password nor the mail crosses in the clear.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Implicit,
    /// STARTTLS where offered, else plain: only for an SMTP server on this machine.
    Opportunistic,
}

impl SmtpTls {
    /// `starttls`, `implicit` or `opportunistic`.
    pub fn parse(s: &str) -> Result<SmtpTls, MailerError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpTls::StartTls),
            "implicit" => Ok(SmtpTls::Implicit),
            "opportunistic" => Ok(SmtpTls::Opportunistic),
            _ => Err(MailerError::Smtp(format!(
                "'{s}' is no SMTP TLS mode (starttls, implicit, opportunistic)"
            ))),
        }
    }

    /// What a host and port usually need: TLS from the first byte on port 465, STARTTLS
    /// where offered for an SMTP server on this machine, else STARTTLS required.
    pub fn default_for(host: &str, port: u16) -> SmtpTls {
        if port == 465 {
            SmtpTls::Implicit
        } else if is_loopback(host) {
            SmtpTls::Opportunistic
        } else {
            SmtpTls::StartTls
        }
    }
}

/// Whether `host` names this machine.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Where and as whom the server sends email (`kassa server --smtp-*`, `KASSA_SMTP_*`).
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, `Name <address>` or a bare address.
    pub from: String,
    pub tls: SmtpTls,
    /// A PEM file of certificates trusted besides the public roots (an SMTP server with a
    /// certificate of the shop's own authority).
    pub ca_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for SmtpConfig {
    // The password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("from", &self.from)
            .field("tls", &self.tls)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

/// How the sender paces itself.
#[derive(Debug, Clone)]
pub struct SenderOptions {
    /// Emails taken per round.
    pub batch: u32,
    /// Emails of a round in flight at once (each on its own SMTP connection from the pool).
    pub concurrency: usize,
    /// How long an idle sender waits before looking again (a push with an email wakes it).
    pub poll: Duration,
    /// The first retry's delay; each later one doubles it.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Attempts before a transient failure is given up as `failed`.
    pub max_attempts: u32,
    /// How long one attempt may hold an email before another sender may take it.
    pub lease: Duration,
}

impl Default for SenderOptions {
    fn default() -> Self {
        SenderOptions {
            batch: 20,
            concurrency: 4,
            poll: Duration::from_secs(5),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            max_attempts: 10,
            lease: Duration::from_secs(300),
        }
    }
}

impl SenderOptions {
    /// The delay after the `attempts`-th failed attempt: `retry_base · 2^(attempts-1)`, at
    /// most `retry_max`.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(31));
        self.retry_base
            .checked_mul(factor)
            .map_or(self.retry_max, |d| d.min(self.retry_max))
    }
}

/// Why the mailer could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("the sender address {0:?} is not an email address")]
    From(String),
    #[error("the SMTP settings are not usable: {0}")]
    Smtp(String),
}

/// The SMTP connection settings and the sender, ready to send.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &SmtpConfig) -> Result<Mailer, MailerError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| MailerError::From(config.from.clone()))?;
        if config.tls == SmtpTls::Opportunistic && !is_loopback(&config.host) {
            return Err(MailerError::Smtp(format!(
                "opportunistic TLS could send the password and the mail in the clear; it is \
                 only for an SMTP server on this machine, not {}: use starttls or implicit",
                config.host
            )));
        }
        let mut params = TlsParameters::builder(config.host.clone());
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                MailerError::Smtp(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            let cert = Certificate::from_pem(&pem).map_err(|e| {
                MailerError::Smtp(format!(
                    "the CA file {} holds no PEM certificate: {e}",
                    path.display()
                ))
            })?;
            params = params.add_root_certificate(cert);
        }
        let params = params
            .build_rustls()
            .map_err(|e| MailerError::Smtp(e.to_string()))?;
        let tls = match config.tls {
            SmtpTls::StartTls => Tls::Required(params),
            SmtpTls::Implicit => Tls::Wrapper(params),
            SmtpTls::Opportunistic => Tls::Opportunistic(params),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &config.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                config.password.clone().unwrap_or_default(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one email; says how it ended (the attempt count decides retry or give up).
    pub async fn send(&self, job: &EmailJob, opts: &SenderOptions, now: &Clock) -> EmailOutcome {
        let message = match self.message(job) {
            Ok(m) => m,
            Err(error) => return EmailOutcome::Failed { error },
        };
        match self.transport.send(message).await {
            Ok(_) => EmailOutcome::Sent,
            Err(e) if e.is_permanent() => EmailOutcome::Failed {
                error: smtp_error(&e),
            },
            Err(e) if job.record.attempts >= opts.max_attempts => EmailOutcome::Failed {
                error: format!(
                    "gave up after {} attempts: {}",
                    job.record.attempts,
                    smtp_error(&e)
                ),
            },
            Err(e) => {
                let delay = chrono::Duration::from_std(opts.backoff(job.record.attempts))
                    .unwrap_or(chrono::Duration::MAX);
                EmailOutcome::Retry {
                    error: smtp_error(&e),
                    next_attempt_at: timestamp(now() + delay),
                }
            }
        }
    }

    /// The whole message: the letter as text and HTML, with the PDF of the document the
    /// email carries (a receipt, a booking confirmation). A message that cannot be made (an address that
    /// is not one) is a permanent failure, with its reason.
    pub fn message(&self, job: &EmailJob) -> Result<Message, String> {
        let to: Mailbox = job
            .record
            .to_address
            .parse()
            .map_err(|_| format!("{:?} is not an email address", job.record.to_address))?;
        let lang = MailLanguage::from_setting(job.language.as_deref());
        if job.record.kind == kassa_server_storage::INVITATION_EMAIL_KIND {
            return self.invitation_message(job, to, lang);
        }
        let body_html = job
            .payload
            .get("body_html")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let pdf = attached_pdf(job)?;
        let letter = letter(
            lang,
            &job.record.kind,
            &job.store_name,
            &job.record.subject,
            body_html,
            pdf.is_some(),
        );
        let alternative = MultiPart::alternative()
            .singlepart(SinglePart::plain(letter.text))
            .singlepart(SinglePart::html(letter.html));
        let body = match pdf {
            Some((name, bytes)) => MultiPart::mixed().multipart(alternative).singlepart(
                Attachment::new(name).body(
                    bytes,
                    ContentType::parse("application/pdf")
                        .map_err(|e| format!("the attachment's type: {e}"))?,
                ),
            ),
            None => alternative,
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(job.record.subject.clone())
            .header(ContentLanguage(lang.code()))
            .multipart(body)
            .map_err(|e| format!("the message cannot be written: {e}"))
    }
}

impl Mailer {
    /// A staff invitation's message: its code and what to do with it, no attachment. The
    /// subject is written here in the store's language.
    fn invitation_message(
        &self,
        job: &EmailJob,
        to: Mailbox,
        lang: MailLanguage,
    ) -> Result<Message, String> {
        let field = |k: &str| job.payload.get(k).and_then(|v| v.as_str());
        let code = field("code").ok_or("the invitation's code is no longer held")?;
        let facts = template::InvitationFacts {
            kind: field("invitation_kind").unwrap_or("invite"),
            display_name: field("display_name"),
            to_address: &job.record.to_address,
            role: field("role").unwrap_or_default(),
            expires_at: field("expires_at").unwrap_or_default(),
            code,
        };
        let letter = template::invitation_letter(lang, &job.store_name, &facts);
        let subject = template::invitation_subject(lang, facts.kind, &job.store_name);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentLanguage(lang.code()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(letter.text))
                    .singlepart(SinglePart::html(letter.html)),
            )
            .map_err(|e| format!("the message cannot be written: {e}"))
    }
}

/// The `Content-Language` header: the letter's language.
#[derive(Debug, Clone, Copy)]
struct ContentLanguage(&'static str);

impl lettre::message::header::Header for ContentLanguage {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match MailLanguage::from_setting(Some(s)) {
            MailLanguage::De => Ok(ContentLanguage("de")),
            MailLanguage::En => Ok(ContentLanguage("en")),
        }
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.to_owned())
    }
}

/// The PDF of the document the email carries, if any (`receipt`, or `booking_confirmation`):
/// its file name and bytes, rendered with the same documents crate as the devices.
fn attached_pdf(job: &EmailJob) -> Result<Option<(String, Vec<u8>)>, String> {
    let doc = |key: &str| job.payload.get(key).filter(|v| !v.is_null()).cloned();
    if let Some(doc) = doc("booking_confirmation") {
        let c: kassa_documents::booking::BookingConfirmation = serde_json::from_value(doc)
            .map_err(|e| {
                format!("the booking confirmation this email carries cannot be read: {e}")
            })?;
        let bytes = kassa_documents::booking::pdf(&c)
            .map_err(|e| format!("the booking confirmation's PDF cannot be made: {e}"))?;
        return Ok(Some((kassa_documents::booking::file_name(&c), bytes)));
    }
    let Some(doc) = doc("receipt") else {
        return Ok(None);
    };
    let receipt: kassa_documents::Receipt = serde_json::from_value(doc)
        .map_err(|e| format!("the receipt this email carries cannot be read: {e}"))?;
    let bytes = kassa_documents::pdf::render(&receipt)
        .map_err(|e| format!("the receipt's PDF cannot be made: {e}"))?;
    Ok(Some((
        kassa_documents::plain_file_name(&format!("{}.pdf", receipt.number)),
        bytes,
    )))
}

/// An SMTP failure as kept and shown: the server's answer when it gave one.
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    e.to_string()
}

/// The sender's loop: runs until the task is dropped or aborted.
pub async fn run_sender(
    storage: Arc<dyn Storage>,
    mailer: Mailer,
    clock: Clock,
    opts: SenderOptions,
    metrics: Arc<Metrics>,
    wake: Arc<Notify>,
) {
    loop {
        let taken = match send_round(&*storage, &mailer, &clock, &opts, &metrics).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "the email sender cannot read its queue");
                0
            }
        };
        if taken < opts.batch as usize {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(opts.poll) => {}
            }
        }
    }
}

/// One round: takes what is due and sends it; returns how many were taken.
pub async fn send_round(
    storage: &dyn Storage,
    mailer: &Mailer,
    clock: &Clock,
    opts: &SenderOptions,
    metrics: &Metrics,
) -> Result<usize, kassa_server_storage::StorageError> {
    let now = clock();
    let lease = chrono::Duration::from_std(opts.lease).unwrap_or(chrono::Duration::MAX);
    let jobs = storage
        .claim_emails(&timestamp(now), &timestamp(now + lease), opts.batch)
        .await?;
    futures_util::stream::iter(&jobs)
        .for_each_concurrent(opts.concurrency.max(1), |job| {
            send_one(storage, mailer, clock, opts, metrics, job)
        })
        .await;
    Ok(jobs.len())
}

/// One attempt at one email, in its span, and its outcome kept.
async fn send_one(
    storage: &dyn Storage,
    mailer: &Mailer,
    clock: &Clock,
    opts: &SenderOptions,
    metrics: &Metrics,
    job: &EmailJob,
) {
    let span = tracing::info_span!(
        "email",
        store = %job.record.store_id,
        email = %job.record.id,
        kind = %job.record.kind,
        attempt = job.record.attempts,
    );
    async {
        let outcome = mailer.send(job, opts, clock).await;
        match &outcome {
            EmailOutcome::Sent => {
                metrics.email_sent.inc();
                tracing::info!("email sent");
            }
            EmailOutcome::Retry {
                error,
                next_attempt_at,
            } => {
                metrics.email_failure("transient");
                tracing::warn!(%error, %next_attempt_at, "email not sent; it is tried again");
            }
            EmailOutcome::Failed { error } => {
                metrics.email_failure("permanent");
                tracing::warn!(%error, "email failed for good");
            }
        }
        if let Err(e) = storage
            .finish_email(
                &job.record.store_id,
                &job.record.id,
                outcome,
                &timestamp(clock()),
            )
            .await
        {
            tracing::error!(error = %e, "the email's outcome cannot be kept");
        }
    }
    .instrument(span)
    .await;
}

/// An email as the API shows it.
pub fn state_of(r: kassa_server_storage::EmailRecord) -> kassa_sync_protocol::wire::EmailState {
    kassa_sync_protocol::wire::EmailState {
        id: r.id,
        device_id: r.device_id,
        kind: r.kind,
        to_address: r.to_address,
        subject: r.subject,
        ref_id: r.ref_id,
        status: r.status.as_str().to_owned(),
        attempts: r.attempts,
        last_error: r.last_error,
        queued_at: r.queued_at,
        next_attempt_at: r.next_attempt_at,
        sent_at: r.sent_at,
        updated_at: r.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_the_most() {
        let o = SenderOptions {
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(600),
            ..SenderOptions::default()
        };
        let secs: Vec<u64> = (1..=7).map(|a| o.backoff(a).as_secs()).collect();
        assert_eq!(secs, vec![30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(o.backoff(u32::MAX), Duration::from_secs(600));
    }
}
