//! The absolute URL of the simulator's root, for pages and QR codes.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::header::HOST;
use axum::http::request::Parts;

use crate::core::state::Shared;

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
fn mount_prefix(original: &str, inner: &str) -> String {
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
}
