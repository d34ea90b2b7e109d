//! Posts from other sites are refused before any work. `Origin` says where a post comes
//! from, except that our pages' `Referrer-Policy: no-referrer` makes browsers send
//! `Origin: null` even for their own posts: then, and without `Origin`, the fetch metadata
//! (`Sec-Fetch-Site`) decides. A client that sends neither header is not a browser being
//! abused, and `SameSite=Lax` cookies keep the session out of other sites' posts besides.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use http::header::ORIGIN;

use super::site::Site;
use crate::error::AppError;

/// The OpenID Connect endpoints other sites post to by design: the authorization and logout
/// requests (form posts from the client's pages) and the calls a client makes with its own
/// credentials (no cookie counts there). Consent and the logout confirmation stay guarded.
const OPEN_TO_OTHER_SITES: [&str; 6] = [
    "/oauth/authorize",
    "/oauth/logout",
    "/oauth/token",
    "/oauth/userinfo",
    "/oauth/revoke",
    "/oauth/introspect",
];

pub async fn refuse_cross_site(State(site): State<Site>, request: Request, next: Next) -> Response {
    if !request.method().is_safe()
        && !OPEN_TO_OTHER_SITES.contains(&request.uri().path())
        && is_cross_site(request.headers(), &site)
    {
        tracing::warn!(method = %request.method(), "refused a cross-site request");
        return AppError::CrossSite.into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap, site: &Site) -> bool {
    let origin = headers.get(ORIGIN).map(|v| v.as_bytes());
    if let Some(origin) = origin.filter(|o| *o != b"null") {
        return origin != site.origin.as_bytes();
    }
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin" | b"none") => false,
        Some(_) => true,
        // `null` with nothing to vouch for it: a sandboxed frame, or an old browser.
        None => origin.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            origin: "https://denglu.example".into(),
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    http::HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn only_this_sites_origin_may_post() {
        let site = site();
        assert!(!is_cross_site(
            &headers(&[("origin", "https://denglu.example")]),
            &site
        ));
        assert!(is_cross_site(
            &headers(&[("origin", "https://denglu.example.evil")]),
            &site
        ));
        assert!(is_cross_site(
            &headers(&[("origin", "http://denglu.example")]),
            &site
        ));
        assert!(is_cross_site(&headers(&[("origin", "null")]), &site));
        // What our own no-referrer pages send.
        assert!(!is_cross_site(
            &headers(&[("origin", "null"), ("sec-fetch-site", "same-origin")]),
            &site
        ));
        assert!(is_cross_site(
            &headers(&[("origin", "null"), ("sec-fetch-site", "cross-site")]),
            &site
        ));
        // Origin decides when both are sent.
        assert!(is_cross_site(
            &headers(&[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "same-origin")
            ]),
            &site
        ));
    }

    #[test]
    fn without_origin_the_fetch_metadata_decides() {
        let site = site();
        assert!(!is_cross_site(&headers(&[]), &site));
        assert!(!is_cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &site
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            &site
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &site
        ));
    }
}
