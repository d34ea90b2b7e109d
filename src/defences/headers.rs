//! The headers every response carries whatever it is: no referrer (callback URLs carry
//! codes), no MIME sniffing, and HSTS when the site is served over https.

use axum::Router;
use http::HeaderValue;
use http::header::{REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::Settings;

pub fn fixed_headers(router: Router, settings: &Settings) -> Router {
    let router = router
        .layer(SetResponseHeaderLayer::overriding(
            REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    if settings.public_base().scheme() != "https" {
        return router;
    }
    // A year; not `includeSubDomains`: other hosts of the domain are not ours to pin.
    router.layer(SetResponseHeaderLayer::overriding(
        STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    ))
}
