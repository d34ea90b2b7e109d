//! HTTP plumbing shared by every endpoint: the absolute base, parameters, responses.

use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::header::{CONTENT_TYPE, HOST, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;

use crate::state::Shared;

/// Largest form body the simulator reads (real servers cap bodies too).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The absolute URL of the simulator's root for this request, e.g.
/// `http://127.0.0.1:3000/_sim`, never with a trailing slash.
#[derive(Clone, Debug)]
pub struct Base(pub String);

impl Base {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl FromRequestParts<Shared> for Base {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        if let Some(base) = &state.config.public_base {
            return Ok(Base(base.trim_end_matches('/').to_owned()));
        }
        let host = parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .filter(|h| !h.is_empty() && h.bytes().all(is_host_byte))
            .unwrap_or("localhost");
        let https = parts
            .headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
        let scheme = if https { "https" } else { "http" };
        let inner = parts.uri.path();
        let original = parts
            .extensions
            .get::<OriginalUri>()
            .map(|o| o.0.path().to_owned())
            .unwrap_or_else(|| inner.to_owned());
        Ok(Base(format!(
            "{scheme}://{host}{}",
            mount_prefix(&original, inner)
        )))
    }
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
}

/// The path the router is nested under: the original path minus the nested one.
pub fn mount_prefix(original: &str, inner: &str) -> String {
    let prefix = match original.strip_suffix(inner) {
        Some(prefix) => prefix,
        None if inner == "/" => original,
        None => "",
    };
    prefix
        .trim_end_matches('/')
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "/-_.~%".contains(*c))
        .collect()
}

/// Query and form parameters in the order they were sent (query first).
#[derive(Clone, Debug, Default)]
pub struct Params {
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
}

impl Params {
    pub fn from_query(query: Option<&str>) -> Self {
        Self {
            query: parse_pairs(query.unwrap_or("").as_bytes()),
            form: Vec::new(),
        }
    }

    /// The first non-empty-named value, query before form.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(self.form.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Like `get`, but an empty value counts as missing (as the providers treat it).
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }
}

pub fn parse_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let mut params = Params::from_query(req.uri().query());
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES)
                .await
                .map_err(|_| {
                    (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
                })?;
            params.form = parse_pairs(&bytes);
        }
        Ok(params)
    }
}

/// A body with exactly this Content-Type header.
pub fn typed(status: StatusCode, content_type: &'static str, body: impl Into<String>) -> Response {
    let mut response = (status, body.into()).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub fn html(body: String) -> Response {
    typed(StatusCode::OK, "text/html; charset=utf-8", body)
}

/// A 302, the status every provider uses for its authorize redirects.
pub fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = StatusCode::FOUND.into_response();
            response.headers_mut().insert(LOCATION, value);
            response
        }
        Err(_) => (StatusCode::BAD_REQUEST, "invalid redirect").into_response(),
    }
}

/// `uri` with `pairs` appended to its query, keeping any query it already has.
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let (before, fragment) = match uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (uri, None),
    };
    let mut out = before.to_owned();
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    if !encoded.is_empty() {
        out.push(if before.contains('?') { '&' } else { '?' });
        out.push_str(&encoded);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// Whether `redirect_uri` is an absolute http(s) URL whose host is a registered
/// callback domain. Only the host is compared, like WeChat.
pub fn callback_allowed(redirect_uri: &str, domains: &[String]) -> bool {
    let Ok(url) = url::Url::parse(redirect_uri) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    domains.iter().any(|d| d.eq_ignore_ascii_case(host))
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A JavaScript string literal (double-quoted) safe inside a `<script>` element.
pub fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX_UPPER: &[u8] = b"0123456789ABCDEF";
pub const HEX_LOWER: &[u8] = b"0123456789abcdef";
pub const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A random string from `alphabet` (the thread-local CSPRNG).
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_from_nesting() {
        assert_eq!(mount_prefix("/_sim/phone", "/phone"), "/_sim");
        assert_eq!(mount_prefix("/_sim/", "/"), "/_sim");
        assert_eq!(mount_prefix("/_sim", "/"), "/_sim");
        assert_eq!(mount_prefix("/phone", "/phone"), "");
    }

    #[test]
    fn query_appending_keeps_existing() {
        assert_eq!(
            with_query("http://a/cb?next=%2Fx", &[("code", "C"), ("state", "S")]),
            "http://a/cb?next=%2Fx&code=C&state=S"
        );
        assert_eq!(
            with_query("http://a/cb#f", &[("state", "a b")]),
            "http://a/cb?state=a+b#f"
        );
    }

    #[test]
    fn callback_domain_compares_host_only() {
        let domains = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        assert!(callback_allowed("http://127.0.0.1:3000/auth/cb", &domains));
        assert!(callback_allowed("https://LOCALHOST/x", &domains));
        assert!(!callback_allowed("http://evil.com/?localhost", &domains));
        assert!(!callback_allowed("http://localhost.evil.com/", &domains));
        assert!(!callback_allowed("/relative", &domains));
        assert!(!callback_allowed(
            "javascript:alert(1)//localhost",
            &domains
        ));
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_html("<a href='x'>&"),
            "&lt;a href=&#39;x&#39;&gt;&amp;"
        );
        assert_eq!(js_string("a\"</script>"), "\"a\\\"\\u003c/script\\u003e\"");
    }
}
