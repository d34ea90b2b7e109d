//! The one HTTP client and the one way to call a provider: bytes in, UTF-8 text
//! out, whatever the Content-Type claims. Logs name the endpoint path only,
//! because WeChat and QQ put secrets in query strings. Every call is counted and
//! timed here ([`CALLS`], [`CALL_DURATION`]), by provider and endpoint name.

use std::error::Error as _;
use std::time::{Duration, Instant};

use reqwest::{Client, RequestBuilder, StatusCode, redirect};
use url::Url;

use crate::parse::{self, Document};
use crate::{ErrorKind, ProviderError, ProviderId};

/// Provider calls by `provider`, `endpoint`, `outcome` (`ok` or the error's kind) and
/// `code` (the provider's own error code, `none` when it gave none).
pub const CALLS: &str = "denglu_provider_calls_total";
/// Seconds per provider call, by `provider` and `endpoint`, failures included.
pub const CALL_DURATION: &str = "denglu_provider_call_duration_seconds";

/// Says what [`CALLS`] and [`CALL_DURATION`] count, for whichever recorder the app installs.
pub fn describe_metrics() {
    metrics::describe_counter!(
        CALLS,
        "Calls to the providers' APIs, by provider, endpoint, outcome and provider error code"
    );
    metrics::describe_histogram!(
        CALL_DURATION,
        metrics::Unit::Seconds,
        "Time a call to a provider's API took, by provider and endpoint"
    );
}

/// One API endpoint of a provider: where it is, and the short fixed name metrics give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub name: &'static str,
    pub path: &'static str,
}

impl Endpoint {
    pub(crate) const fn new(name: &'static str, path: &'static str) -> Self {
        Endpoint { name, path }
    }
}

/// A larger answer is not a provider answer; stop reading rather than buffer it.
const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP and TLS connection set-up.
    pub connect: Duration,
    /// The whole call, body included.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(10),
        }
    }
}

/// The process-wide client: rustls, pooled, 5 s to connect, 10 s per call.
pub fn http_client() -> Client {
    http_client_with(Timeouts::default())
}

/// The same client with other timeouts (tests use short ones).
pub fn http_client_with(timeouts: Timeouts) -> Client {
    Client::builder()
        .user_agent("Denglu/0.1")
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.total)
        // Provider APIs never redirect; following one would replay secrets elsewhere.
        .redirect(redirect::Policy::none())
        .build()
        .expect("a reqwest client with rustls and no custom roots always builds")
}

/// `base` with `path` appended (`https://h/prefix` + `/sns/auth`).
pub(crate) fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(path.split('/').filter(|s| !s.is_empty()));
    }
    url
}

/// A provider's answer, decoded.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub text: String,
}

/// Calls `endpoint` and reads the answer as a document ([`interpret`]), counting the call and
/// its time by the endpoint's name (never its URL, which carries secrets).
pub(crate) async fn call(
    provider: ProviderId,
    endpoint: Endpoint,
    request: RequestBuilder,
    provider_error: impl Fn(&Document) -> Option<ProviderError>,
) -> Result<Document, ProviderError> {
    let started = Instant::now();
    let result = match fetch(provider, endpoint.path, request).await {
        Ok(reply) => interpret(provider, endpoint.path, &reply, provider_error),
        Err(err) => Err(err),
    };
    let (outcome, code) = match &result {
        Ok(_) => ("ok", "none".to_owned()),
        Err(err) => (
            err.kind().as_str(),
            err.code()
                .map_or_else(|| "none".to_owned(), |c| c.to_string()),
        ),
    };
    let (provider, name) = (provider.as_str(), endpoint.name);
    metrics::histogram!(CALL_DURATION, "provider" => provider, "endpoint" => name)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        CALLS,
        "provider" => provider,
        "endpoint" => name,
        "outcome" => outcome,
        "code" => code
    )
    .increment(1);
    result
}

/// Sends one request and reads its body as UTF-8 text.
async fn fetch(
    provider: ProviderId,
    endpoint: &str,
    request: RequestBuilder,
) -> Result<Reply, ProviderError> {
    let started = Instant::now();
    let result = read(provider, request).await;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match &result {
        Ok(reply) => tracing::debug!(
            %provider, endpoint, status = reply.status.as_u16(), elapsed_ms, "provider call"
        ),
        Err(err) => {
            tracing::warn!(%provider, endpoint, elapsed_ms, error = %err, "provider call failed")
        }
    }
    result
}

async fn read(provider: ProviderId, request: RequestBuilder) -> Result<Reply, ProviderError> {
    let mut response = request.send().await.map_err(|e| transport(provider, &e))?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport(provider, &e))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ProviderError::new(
                ErrorKind::Malformed,
                provider,
                None,
                "response body too large",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).map_err(|_| {
        ProviderError::new(
            ErrorKind::Malformed,
            provider,
            None,
            "response body is not UTF-8",
        )
    })?;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    Ok(Reply { status, text })
}

/// Network failures: the provider is unreachable or too slow. The message is built
/// from the error chain without its URL, which may carry secrets.
fn transport(provider: ProviderId, err: &reqwest::Error) -> ProviderError {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "connection failed while reading the body"
    } else {
        "request failed"
    };
    let mut message = what.to_owned();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    ProviderError::new(ErrorKind::Unavailable, provider, None, message)
}

/// Reads a reply as a document: the provider's own error wins over the status line
/// (errors arrive with HTTP 200 and with HTTP 400 alike), then the status, then the body.
pub(crate) fn interpret(
    provider: ProviderId,
    endpoint: &str,
    reply: &Reply,
    provider_error: impl Fn(&Document) -> Option<ProviderError>,
) -> Result<Document, ProviderError> {
    match parse::document(&reply.text) {
        Some(doc) => {
            if let Some(err) = provider_error(&doc) {
                return Err(err);
            }
            if !reply.status.is_success() {
                return Err(status_error(provider, endpoint, reply.status));
            }
            Ok(doc)
        }
        None if !reply.status.is_success() => Err(status_error(provider, endpoint, reply.status)),
        None => Err(malformed(
            provider,
            endpoint,
            "neither JSON, JSONP nor a form",
        )),
    }
}

/// The error for a non-success status whose body is no provider error.
pub(crate) fn status_error(
    provider: ProviderId,
    endpoint: &str,
    status: StatusCode,
) -> ProviderError {
    let kind = if status.is_redirection()
        || status == StatusCode::NOT_FOUND
        || status == StatusCode::METHOD_NOT_ALLOWED
    {
        // The base URL points somewhere that is not the provider's API.
        ErrorKind::Misconfigured
    } else {
        ErrorKind::Unavailable
    };
    ProviderError::new(
        kind,
        provider,
        None,
        format!("HTTP {} from {endpoint}", status.as_u16()),
    )
}

/// The error for a success status whose body we cannot read.
pub(crate) fn malformed(provider: ProviderId, endpoint: &str, problem: &str) -> ProviderError {
    ProviderError::new(
        ErrorKind::Malformed,
        provider,
        None,
        format!("unexpected answer from {endpoint}: {problem}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_appends_paths_to_prefixed_bases() {
        let base = Url::parse("http://127.0.0.1:9/api.weixin.qq.com").expect("valid");
        assert_eq!(
            join(&base, "/sns/oauth2/access_token").as_str(),
            "http://127.0.0.1:9/api.weixin.qq.com/sns/oauth2/access_token"
        );
        let root = Url::parse("https://graph.qq.com").expect("valid");
        assert_eq!(
            join(&root, "/oauth2.0/me").as_str(),
            "https://graph.qq.com/oauth2.0/me"
        );
        let slash = Url::parse("https://x.example/sim/?q=1#f").expect("valid");
        assert_eq!(join(&slash, "/a").as_str(), "https://x.example/sim/a");
    }

    #[test]
    fn statuses_are_classified() {
        let p = ProviderId::Qq;
        assert_eq!(
            status_error(p, "/x", StatusCode::SERVICE_UNAVAILABLE).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            status_error(p, "/x", StatusCode::TOO_MANY_REQUESTS).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            status_error(p, "/x", StatusCode::NOT_FOUND).kind(),
            ErrorKind::Misconfigured
        );
        assert_eq!(
            status_error(p, "/x", StatusCode::FOUND).kind(),
            ErrorKind::Misconfigured
        );
    }
}
