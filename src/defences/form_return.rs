//! Where a plain form post is sent back to. Leptos sends a plain (no wasm) post back to its
//! `Referer`, which another site chooses; the pages send none at all (`no-referrer`), so the
//! server functions name their page themselves ([`crate::server_fn::return_to`]) and this
//! layer keeps any other location on this site.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use http::header::LOCATION;
use url::Url;

use super::site::{Site, origin_of};

pub async fn stay_on_site(State(site): State<Site>, request: Request, next: Next) -> Response {
    // The OpenID Connect endpoints answer posts by going back to the site that asked, at an
    // address that site registered (checked there, exactly): theirs to send, not ours to keep.
    let posted = !request.method().is_safe() && !request.uri().path().starts_with("/oauth/");
    let mut response = next.run(request).await;
    if !posted {
        return response;
    }
    let kept = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|location| on_site(location, &site));
    if let Some(kept) = kept {
        let value = HeaderValue::from_str(&kept).unwrap_or(HeaderValue::from_static("/"));
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// A location on this site, as a path: a local path as it is, a URL of this site by its
/// path and query, anything else the front page.
fn on_site(location: &str, site: &Site) -> String {
    if is_local_path(location) {
        return location.to_string();
    }
    match Url::parse(location) {
        Ok(url) if origin_of(&url) == *site.origin => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        },
        _ => "/".to_string(),
    }
}

fn is_local_path(location: &str) -> bool {
    location.starts_with('/') && !location.starts_with("//") && !location.starts_with("/\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_elsewhere_becomes_the_front_page() {
        let site = Site {
            origin: "http://127.0.0.1:3000".into(),
        };
        assert_eq!(on_site("/account?x=1", &site), "/account?x=1");
        assert_eq!(
            on_site("http://127.0.0.1:3000/account?x=1", &site),
            "/account?x=1"
        );
        assert_eq!(on_site("https://evil.example/phish", &site), "/");
        assert_eq!(on_site("//evil.example/phish", &site), "/");
        assert_eq!(on_site("/\\evil.example", &site), "/");
    }
}
