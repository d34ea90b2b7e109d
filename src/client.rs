//! Who is asking, as far as the network says: the client's IP address. The socket's peer,
//! or behind a proxy the address that the configured header carries (only that header: any
//! other one is the client's own say). Rate limits and stream caps are keyed by it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::AppError;

/// The client's address, put in each request's extensions by [`identify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

/// Resolves the client's address once per request, before any route sees it.
pub async fn identify(
    trusted_header: Option<HeaderName>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let from_proxy = trusted_header
        .as_ref()
        .and_then(|name| forwarded(request.headers(), name));
    // No peer only when served without connect info (never by `Application`): one bucket.
    let addr = from_proxy
        .or(peer)
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    request.extensions_mut().insert(ClientAddr(addr));
    next.run(request).await
}

/// The address the trusted proxy wrote: the last entry of its last header, since a proxy
/// appends the peer it saw to whatever the client sent (`X-Forwarded-For: forged, real`).
fn forwarded(headers: &HeaderMap, name: &HeaderName) -> Option<IpAddr> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .ok_or_else(|| {
                AppError::Unexpected(anyhow::anyhow!("the client-address layer is missing"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_header_is_read_from_its_last_entry() {
        let name = HeaderName::from_static("x-forwarded-for");
        let mut headers = HeaderMap::new();
        headers.insert(&name, "198.51.100.1, 203.0.113.7".parse().expect("header"));
        assert_eq!(forwarded(&headers, &name), "203.0.113.7".parse().ok());
        headers.insert(&name, "[2001:db8::1]:443".parse().expect("header"));
        assert_eq!(forwarded(&headers, &name), "2001:db8::1".parse().ok());
        headers.insert(&name, "garbage".parse().expect("header"));
        assert_eq!(forwarded(&headers, &name), None);
    }
}
