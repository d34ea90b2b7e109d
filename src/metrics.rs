//! Prometheus metrics at `/metrics`: requests by route and status, sign-ins by provider and
//! outcome, provider calls (counted in the `providers` crate), waiting QR pages, database pool
//! use.
//!
//! The recorder is process-wide and installed once, only when the configuration names who may
//! read the metrics; until then every `counter!` and `gauge!` does nothing. `/metrics` is no
//! route: [`serve`] answers it before the sessions for an allowed client, and anyone else falls
//! through to the router, which answers as for any unknown path.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ::metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use providers::ProviderId;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::client::ClientAddr;
use crate::config::{MetricsAccess, SIMULATOR_MOUNT};
use crate::db::Pool;
use crate::model::LoginError;

pub const PATH: &str = "/metrics";

/// Requests by `route` (the route's template, `unmatched` for none), `method` and `status`.
pub const HTTP_REQUESTS: &str = "denglu_http_requests_total";
/// Seconds from a request's arrival to its response's head (a live-status stream counts until
/// it starts), by `route` and `method`.
pub const HTTP_DURATION: &str = "denglu_http_request_duration_seconds";
/// Sign-ins by `provider`, `outcome` and `error`.
pub const SIGNINS: &str = "denglu_signins_total";
/// Live-status streams open in this process: QR pages waiting for a phone.
pub const QR_WAITING: &str = "denglu_qr_waiting_pages";
/// The database pool's connections by `state` (`idle`, `in_use`), read at each scrape.
pub const DB_POOL: &str = "denglu_db_pool_connections";
pub const DB_POOL_MAX: &str = "denglu_db_pool_max_connections";

/// The route label of a request no route matched (a static file, an unknown path).
const UNMATCHED: &str = "unmatched";

/// Buckets for every histogram: all of them are seconds, from a cached page to a provider's
/// ten-second timeout.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histograms are folded into their buckets between scrapes, so that memory stays
/// flat when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the recorder, once per process (many apps run in one test process); `None` when
/// another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => {
                    describe();
                    let upkeep = handle.clone();
                    // A thread, not a task: it outlives any one runtime (tests start many).
                    let spawned = std::thread::Builder::new()
                        .name("metrics-upkeep".into())
                        .spawn(move || {
                            loop {
                                std::thread::sleep(UPKEEP_EVERY);
                                upkeep.run_upkeep();
                            }
                        });
                    if let Err(e) = spawned {
                        tracing::warn!(error = %e, "cannot start the metrics upkeep thread");
                    }
                    Some(handle)
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests by route, method and status");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by route and method"
    );
    describe_counter!(
        SIGNINS,
        "Sign-ins by provider and outcome (signed_in, new_person, linked, link_refused, failed), \
         with the error kind of a failed one"
    );
    describe_gauge!(
        QR_WAITING,
        "QR sign-in pages waiting on a live-status stream"
    );
    describe_gauge!(DB_POOL, "Database pool connections by state (idle, in_use)");
    describe_gauge!(DB_POOL_MAX, "Most connections the database pool may open");
    providers::describe_metrics();
    // Present from the first scrape, before any page has waited.
    gauge!(QR_WAITING).increment(0.0);
}

/// What became of a sign-in: the provider answered and the person went on, or it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// A known person (or the same person through the other WeChat app) is signed in.
    SignedIn,
    /// A first login: on to profile completion.
    NewPerson,
    /// A signed-in person added this sign-in method.
    Linked,
    /// A signed-in session met an identity it did not ask to link, or one owned by another.
    LinkRefused,
    Failed(LoginError),
}

impl SignIn {
    fn labels(self) -> (&'static str, &'static str) {
        match self {
            SignIn::SignedIn => ("signed_in", "none"),
            SignIn::NewPerson => ("new_person", "none"),
            SignIn::Linked => ("linked", "none"),
            SignIn::LinkRefused => ("link_refused", "none"),
            SignIn::Failed(error) => ("failed", error.as_str()),
        }
    }
}

pub fn sign_in(provider: ProviderId, outcome: SignIn) {
    let (outcome, error) = outcome.labels();
    counter!(SIGNINS, "provider" => provider.as_str(), "outcome" => outcome, "error" => error)
        .increment(1);
}

/// A QR page started waiting on its live-status stream...
pub fn qr_page_waiting() {
    gauge!(QR_WAITING).increment(1.0);
}

/// ...and stopped (the stream ended or the page went away).
pub fn qr_page_left() {
    gauge!(QR_WAITING).decrement(1.0);
}

/// Counts and times every request, labelled by its route's template (never the raw path, whose
/// values have no bound). The outermost layer of the router, so refusals count too.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(path) => Some(path.as_str().to_owned()),
        // The simulator is a service of its own, without routes the router knows.
        None if request
            .uri()
            .path()
            .strip_prefix(SIMULATOR_MOUNT)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')) =>
        {
            Some(format!("{SIMULATOR_MOUNT}/{{*path}}"))
        }
        None => None,
    };
    let method = method_label(request.method());
    let response = next.run(request).await;
    let route = match route {
        Some(route) => route,
        None if response.extensions().get::<Scraped>().is_some() => PATH.to_owned(),
        None => UNMATCHED.to_owned(),
    };
    let status = response.status().as_str().to_owned();
    histogram_of(&route, method).record(started.elapsed().as_secs_f64());
    counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status).increment(1);
    response
}

fn histogram_of(route: &str, method: &'static str) -> ::metrics::Histogram {
    ::metrics::histogram!(HTTP_DURATION, "route" => route.to_owned(), "method" => method)
}

/// Methods a client may invent are one label, so that they cannot grow the label set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Marks the answer to a scrape, which no route matched, for [`track_requests`].
#[derive(Debug, Clone, Copy)]
struct Scraped;

/// What [`serve`] needs: who may scrape, the recorder, and the pool to read at each scrape.
#[derive(Clone)]
pub struct Scrape {
    access: Arc<MetricsAccess>,
    /// The token's SHA-256: compared in constant time whatever the length presented.
    token_digest: Option<[u8; 32]>,
    handle: Option<&'static PrometheusHandle>,
    pool: Pool,
}

impl Scrape {
    /// Installs the recorder when the configuration names who may read it.
    pub fn new(access: MetricsAccess, pool: Pool) -> Self {
        let handle = if access.enabled() { install() } else { None };
        let token_digest = access
            .token
            .as_ref()
            .map(|token| digest(token.expose_secret().as_bytes()));
        Self {
            access: Arc::new(access),
            token_digest,
            handle,
            pool,
        }
    }

    fn allows(&self, client: Option<ClientAddr>, headers: &HeaderMap) -> bool {
        let by_address = client.is_some_and(|ClientAddr(addr)| {
            // An IPv4 client of a dual-stack socket arrives as ::ffff:a.b.c.d.
            let addr = addr.to_canonical();
            self.access.allow.iter().any(|net| net.contains(&addr))
        });
        by_address || self.token_matches(headers)
    }

    fn token_matches(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = &self.token_digest else {
            return false;
        };
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        presented.is_some_and(|token| bool::from(digest(token.as_bytes()).ct_eq(expected)))
    }

    /// The pool's gauges as they are now: one app per process in production, so its pool.
    fn read_pool(&self) {
        let (size, idle, max) = match &self.pool {
            Pool::Sqlite(pool) => (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
            Pool::Postgres(pool) => (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX);
        gauge!(DB_POOL, "state" => "idle").set(f64::from(idle));
        gauge!(DB_POOL, "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
        gauge!(DB_POOL_MAX).set(f64::from(max));
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `GET /metrics` from an allowed client: the metrics, never cached, no session touched.
/// Anyone else, and every other request, goes on to the router.
pub async fn serve(State(scrape): State<Scrape>, request: Request, next: Next) -> Response {
    let asks = request.method() == Method::GET && request.uri().path() == PATH;
    let Some(handle) = scrape.handle.filter(|_| asks) else {
        return next.run(request).await;
    };
    let client = request.extensions().get::<ClientAddr>().copied();
    if !scrape.allows(client, request.headers()) {
        return next.run(request).await;
    }
    scrape.read_pool();
    let mut response = (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        handle.render(),
    )
        .into_response();
    response.extensions_mut().insert(Scraped);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(allow: &str, token: Option<&str>) -> Scrape {
        let access = MetricsAccess {
            allow: allow
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().expect("a range"))
                .collect(),
            token: token.map(|t| secrecy::SecretString::from(t.to_string())),
        };
        let token_digest = access
            .token
            .as_ref()
            .map(|t| digest(t.expose_secret().as_bytes()));
        let pool = sea_orm::sqlx::SqlitePool::connect_lazy("sqlite::memory:").expect("a pool");
        Scrape {
            access: Arc::new(access),
            token_digest,
            handle: None,
            pool: Pool::Sqlite(pool),
        }
    }

    fn client(addr: &str) -> Option<ClientAddr> {
        Some(ClientAddr(addr.parse().expect("an address")))
    }

    fn bearer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value.parse().expect("a header"));
        headers
    }

    #[tokio::test]
    async fn addresses_in_the_allowed_ranges_may_scrape() {
        let s = scrape("10.0.0.0/8,2001:db8::/32", None);
        let none = HeaderMap::new();
        assert!(s.allows(client("10.1.2.3"), &none));
        assert!(s.allows(client("::ffff:10.1.2.3"), &none));
        assert!(s.allows(client("2001:db8::7"), &none));
        assert!(!s.allows(client("11.0.0.1"), &none));
        assert!(!s.allows(None, &none));
    }

    #[tokio::test]
    async fn only_the_exact_bearer_token_opens_the_metrics() {
        let s = scrape("", Some("the-scrape-token-0123"));
        assert!(s.allows(None, &bearer("Bearer the-scrape-token-0123")));
        assert!(s.allows(None, &bearer("bearer the-scrape-token-0123")));
        assert!(!s.allows(None, &bearer("Bearer the-scrape-token-012")));
        assert!(!s.allows(None, &bearer("Basic the-scrape-token-0123")));
        assert!(!s.allows(None, &bearer("the-scrape-token-0123")));
        assert!(!s.allows(client("127.0.0.1"), &HeaderMap::new()));
        let nobody = scrape("", None);
        assert!(!nobody.allows(client("127.0.0.1"), &bearer("Bearer ")));
    }

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let invented = Method::from_bytes(b"BREW").expect("a method");
        assert_eq!(method_label(&invented), "other");
    }
}
