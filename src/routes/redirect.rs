//! The one way routes answer with a redirect: the location made ASCII (a safe `next` may hold
//! `/登录`, a Location header may not), and `no-store`, since these redirects carry states,
//! codes and tickets that nothing on the way may cache.

use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// `302 Found`: where a sign-in's redirects go (the providers expect it).
pub fn found(location: &str) -> Response {
    redirect(StatusCode::FOUND, location)
}

/// `303 See Other`: after a request that did something, the page to look at next.
pub fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(&ascii_location(location)) {
        Ok(value) => (
            status,
            [
                (LOCATION, value),
                (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        // Unreachable: the location was made ASCII above. Fail closed, not with a panic.
        Err(_) => (StatusCode::BAD_REQUEST, "bad redirect").into_response(),
    }
}

/// Percent-encodes every byte that is not visible ASCII.
fn ascii_location(location: &str) -> String {
    let mut out = String::with_capacity(location.len());
    for byte in location.bytes() {
        if byte.is_ascii_graphic() {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn locations_are_sent_as_ascii() {
        assert_eq!(super::ascii_location("/登?a=b c"), "/%E7%99%BB?a=b%20c");
        assert_eq!(
            super::ascii_location("/account?notice=linked"),
            "/account?notice=linked"
        );
    }
}
