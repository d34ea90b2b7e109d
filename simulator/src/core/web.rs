//! HTTP plumbing shared by every endpoint: parameters, responses, escaping.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Largest form body the simulator reads (real servers cap bodies too).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

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

/// The control API's error shape: `{"error":"..."}`.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
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

#[cfg(test)]
mod tests {
    use super::*;

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
