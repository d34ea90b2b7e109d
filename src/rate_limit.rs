//! Rate limits on what costs us (a session, a ticket, a provider round trip, a database
//! write) or guesses at something: the sign-in steps and every form post. Counted per client
//! address and, when the request carries a session cookie, per session; beyond a limit the
//! answer is 429 with `Retry-After`, before any work. GCRA buckets from `governor`: a quota
//! per minute, all of it usable at once.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::http::header::COOKIE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::client::ClientAddr;
use crate::config::Limits;
use crate::error::AppError;
use crate::session::COOKIE_NAME;

/// What a request is, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `/auth/{provider}/start`, `/auth/{provider}/callback`, `/login/qr`, a new QR ticket.
    SignIn,
    /// Any other POST to a server function under `/api/`.
    Form,
}

fn kind(method: &Method, path: &str) -> Option<Kind> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (&Method::GET, ["auth", provider, "start" | "callback"]) if *provider != "qr" => {
            Some(Kind::SignIn)
        }
        (&Method::GET, ["login", "qr"]) => Some(Kind::SignIn),
        (&Method::POST, ["api", "qr", "ticket"]) => Some(Kind::SignIn),
        (&Method::POST, ["api", ..]) => Some(Kind::Form),
        _ => None,
    }
}

/// One kind's two buckets.
struct Pair {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_session: DefaultKeyedRateLimiter<String>,
}

impl Pair {
    fn new(per_address: u32, per_session: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            per_address: RateLimiter::keyed(quota(per_address)),
            per_session: RateLimiter::keyed(quota(per_session)),
        }
    }

    /// The address first: a client that is over it spends nothing on session buckets.
    fn check(&self, addr: IpAddr, session: Option<&str>) -> Result<(), Duration> {
        // The limiter's own clock: making a new one asks the CPU what it supports (`cpuid`)
        // every time, more work than the check itself.
        let clock = self.per_address.clock();
        self.per_address
            .check_key(&addr)
            .map_err(|until| until.wait_time_from(clock.now()))?;
        if let Some(session) = session {
            self.per_session
                .check_key(&session.to_string())
                .map_err(|until| until.wait_time_from(clock.now()))?;
        }
        Ok(())
    }

    fn forget_idle(&self) {
        self.per_address.retain_recent();
        self.per_session.retain_recent();
    }
}

/// The limits of one running instance.
pub struct RateLimits {
    sign_in: Pair,
    forms: Pair,
}

impl RateLimits {
    /// Starts a task that forgets clients whose buckets are full again, so memory follows the
    /// clients of the last minute; it ends when the limits are dropped.
    pub fn start(limits: &Limits) -> Arc<Self> {
        let this = Arc::new(Self {
            sign_in: Pair::new(limits.signin_per_address, limits.signin_per_session),
            forms: Pair::new(limits.forms_per_address, limits.forms_per_session),
        });
        let weak = Arc::downgrade(&this);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(limits) = weak.upgrade() else { break };
                limits.sign_in.forget_idle();
                limits.forms.forget_idle();
            }
        });
        this
    }

    fn pair(&self, kind: Kind) -> &Pair {
        match kind {
            Kind::SignIn => &self.sign_in,
            Kind::Form => &self.forms,
        }
    }
}

/// The layer: counts the request if it is of a limited kind, else lets it through untouched.
pub async fn enforce(
    State(limits): State<Arc<RateLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(kind) = kind(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let Some(ClientAddr(addr)) = request.extensions().get::<ClientAddr>().copied() else {
        return AppError::Unexpected(anyhow::anyhow!("the client-address layer is missing"))
            .into_response();
    };
    let session = session_cookie(&request);
    match limits.pair(kind).check(addr, session.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::info!(%addr, ?kind, "rate limited");
            AppError::TooManyRequests {
                retry_after_secs: wait.as_secs_f64().ceil() as u64,
            }
            .into_response()
        }
    }
}

/// The session cookie's value, bounded: a forged huge one costs no more than a real one.
fn session_cookie(request: &Request) -> Option<String> {
    request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| name.trim_start_matches("__Host-") == COOKIE_NAME)
        .map(|(_, value)| value.chars().take(128).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limited_routes_are_the_sign_in_steps_and_the_form_posts() {
        for (method, path, expected) in [
            (Method::GET, "/auth/qq/start", Some(Kind::SignIn)),
            (Method::GET, "/auth/wechat/callback", Some(Kind::SignIn)),
            (Method::GET, "/login/qr", Some(Kind::SignIn)),
            (Method::POST, "/api/qr/ticket", Some(Kind::SignIn)),
            (Method::POST, "/api/signup/check_username", Some(Kind::Form)),
            (Method::POST, "/api/account/unlink", Some(Kind::Form)),
            (Method::GET, "/api/me", None),
            (Method::GET, "/login", None),
            (Method::GET, "/auth/qr/abc/events", None),
            (Method::GET, "/healthz", None),
        ] {
            assert_eq!(kind(&method, path), expected, "{method} {path}");
        }
    }

    #[tokio::test]
    async fn a_client_over_its_quota_waits_and_others_do_not() {
        let pair = Pair::new(2, 100);
        let (a, b): (IpAddr, IpAddr) = (
            "10.0.0.1".parse().expect("ip"),
            "10.0.0.2".parse().expect("ip"),
        );
        assert!(pair.check(a, None).is_ok());
        assert!(pair.check(a, None).is_ok());
        let wait = pair.check(a, None).expect_err("over the quota");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(pair.check(b, None).is_ok());
    }
}
