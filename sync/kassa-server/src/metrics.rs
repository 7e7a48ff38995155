//! Prometheus metrics: requests by route, method and status; changes taken; pulls; emails
//! sent, failed attempts by kind (`transient`, `permanent`) and the email queue by status;
//! per store, its devices, how long its least recently synced device has not synced, and
//! the card payments the provider has not finished; webhooks that failed, by error code, and
//! card payments forwarded beyond the store's offline limits (the queue and the stores' figures are
//! read from storage when the metrics are asked for, so every server instance reports the
//! shared state).

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;

type Labels = Vec<(&'static str, String)>;

/// The server's counters and the registry that exposes them.
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    pub(crate) changes_accepted: Counter,
    pub(crate) pulls: Counter,
    pub(crate) changes_pulled: Counter,
    pub(crate) email_sent: Counter,
    email_failures: Family<Labels, Counter>,
    email_queue: Family<Labels, Gauge>,
    email_queue_depth: Gauge,
    store_devices: Family<Labels, Gauge>,
    store_sync_lag: Family<Labels, Gauge>,
    open_cards: Family<Labels, Gauge>,
    open_cards_minor: Family<Labels, Gauge>,
    webhook_failures: Family<Labels, Counter>,
    offline_limits_broken: Counter,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Labels, Counter>::default();
        let changes_accepted = Counter::default();
        let pulls = Counter::default();
        let changes_pulled = Counter::default();
        registry.register(
            "kassa_http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "kassa_sync_changes_accepted",
            "Changes taken into the log by pushes",
            changes_accepted.clone(),
        );
        registry.register("kassa_sync_pulls", "Pull pages served", pulls.clone());
        registry.register(
            "kassa_sync_changes_pulled",
            "Changes handed out by pulls",
            changes_pulled.clone(),
        );
        let email_sent = Counter::default();
        let email_failures = Family::<Labels, Counter>::default();
        let email_queue = Family::<Labels, Gauge>::default();
        let email_queue_depth = Gauge::default();
        registry.register("kassa_email_sent", "Emails sent", email_sent.clone());
        registry.register(
            "kassa_email_send_failures",
            "Failed email attempts by kind: transient (tried again) or permanent (given up)",
            email_failures.clone(),
        );
        registry.register(
            "kassa_email_messages",
            "The server's emails by status",
            email_queue.clone(),
        );
        registry.register(
            "kassa_email_queue_depth",
            "Emails waiting to be sent (queued or sending)",
            email_queue_depth.clone(),
        );
        let store_devices = Family::<Labels, Gauge>::default();
        let store_sync_lag = Family::<Labels, Gauge>::default();
        let open_cards = Family::<Labels, Gauge>::default();
        let open_cards_minor = Family::<Labels, Gauge>::default();
        registry.register(
            "kassa_store_devices",
            "A store's devices that are paired and not revoked",
            store_devices.clone(),
        );
        registry.register(
            "kassa_store_sync_lag_seconds",
            "Seconds since a store's least recently synced device last synced (or was paired)",
            store_sync_lag.clone(),
        );
        registry.register(
            "kassa_card_open_payments",
            "Card payments the provider has not captured, declined or cancelled yet, by store and currency",
            open_cards.clone(),
        );
        registry.register(
            "kassa_card_open_minor",
            "The amount of those card payments in minor units, by store and currency",
            open_cards_minor.clone(),
        );
        let webhook_failures = Family::<Labels, Counter>::default();
        registry.register(
            "kassa_card_webhook_failures",
            "Card provider webhooks refused or not handled, by error code",
            webhook_failures.clone(),
        );
        let offline_limits_broken = Counter::default();
        registry.register(
            "kassa_card_offline_limits_broken",
            "Card payments forwarded after being taken offline beyond the store's limits (charged and marked for review)",
            offline_limits_broken.clone(),
        );
        Metrics {
            registry,
            webhook_failures,
            offline_limits_broken,
            requests,
            changes_accepted,
            pulls,
            changes_pulled,
            email_sent,
            email_failures,
            email_queue,
            email_queue_depth,
            store_devices,
            store_sync_lag,
            open_cards,
            open_cards_minor,
        }
    }

    /// Sets the stores' gauges from the storage's figures at `now`; a store or currency no
    /// longer reported is dropped.
    pub(crate) fn set_store_health(
        &self,
        stores: &[kassa_server_storage::StoreHealth],
        now: chrono::DateTime<chrono::Utc>,
    ) {
        for family in [
            &self.store_devices,
            &self.store_sync_lag,
            &self.open_cards,
            &self.open_cards_minor,
        ] {
            family.clear();
        }
        for h in stores {
            let store = vec![("store", h.store_id.clone())];
            self.store_devices
                .get_or_create(&store)
                .set(i64::try_from(h.devices).unwrap_or(i64::MAX));
            if let Some(at) = h
                .oldest_sync_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            {
                let lag = (now - at.with_timezone(&chrono::Utc)).num_seconds().max(0);
                self.store_sync_lag.get_or_create(&store).set(lag);
            }
            for (currency, n, minor) in &h.open_cards {
                let labels = vec![
                    ("store", h.store_id.clone()),
                    ("currency", currency.clone()),
                ];
                self.open_cards
                    .get_or_create(&labels)
                    .set(i64::try_from(*n).unwrap_or(i64::MAX));
                self.open_cards_minor.get_or_create(&labels).set(*minor);
            }
        }
    }

    /// The counters in the Prometheus (OpenMetrics) text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) = encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode the metrics");
        }
        out
    }

    /// Counts a webhook that ended in the error `code`.
    pub(crate) fn webhook_failure(&self, code: &'static str) {
        self.webhook_failures
            .get_or_create(&vec![("code", code.to_owned())])
            .inc();
    }

    /// Counts a forwarded card payment that broke the store's offline limits.
    pub(crate) fn offline_card_limits_broken(&self) {
        self.offline_limits_broken.inc();
    }

    /// Counts a failed email attempt of `kind` (`transient` or `permanent`).
    pub(crate) fn email_failure(&self, kind: &'static str) {
        self.email_failures
            .get_or_create(&vec![("kind", kind.to_owned())])
            .inc();
    }

    /// Sets the email queue's gauges from the storage's counts.
    pub(crate) fn set_email_counts(&self, c: &kassa_server_storage::EmailCounts) {
        for (status, n) in [
            ("queued", c.queued),
            ("sending", c.sending),
            ("sent", c.sent),
            ("failed", c.failed),
        ] {
            self.email_queue
                .get_or_create(&vec![("status", status.to_owned())])
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        self.email_queue_depth
            .set(i64::try_from(c.queued + c.sending).unwrap_or(i64::MAX));
    }

    fn count_request(&self, route: String, method: String, status: u16) {
        let labels = vec![
            ("route", route),
            ("method", method),
            ("status", status.to_string()),
        ];
        self.requests.get_or_create(&labels).inc();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The route a response answered, as the router matched it.
#[derive(Clone)]
pub(crate) struct RouteLabel(pub String);

/// Inside the router: tells the outer layer which route matched.
pub(crate) async fn label_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut res = next.run(req).await;
    if let Some(route) = route {
        res.extensions_mut().insert(RouteLabel(route));
    }
    res
}

/// Around the router: counts every request, matched or not.
pub(crate) async fn count_requests(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    // Only the methods the API knows get their own label, so odd requests cannot grow the
    // label set without bound.
    let method = match req.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let res = next.run(req).await;
    let route = res
        .extensions()
        .get::<RouteLabel>()
        .map_or_else(|| "unmatched".to_owned(), |r| r.0.clone());
    metrics.count_request(route, method, res.status().as_u16());
    res
}
