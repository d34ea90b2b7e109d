//! Notes the device a signed-in session is used from, for "where you're signed in": the
//! browser and system (from the User-Agent) and the network (the client address, as
//! `client` tells it, with its host part cut off: an approximate place, never the address).

use std::net::IpAddr;

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use tower_sessions::Session;

use crate::auth::SignInSession;
use crate::client::ClientAddr;
use crate::defences::is_static_asset;
use crate::qr::agent;
use crate::session::Device;

/// Middleware inside the session layer, on the app's own routes (not the simulator's).
pub async fn note_device(session: Session, request: Request, next: Next) -> Response {
    let device = device_of(request.headers(), request.extensions().get::<ClientAddr>());
    let response = next.run(request).await;
    // Styles, scripts, the wasm and images would each cost a session read for nothing; and
    // an answer any cache may keep (discovery, the JWKS) must never carry a session cookie.
    let shared = response
        .headers()
        .get(http::header::CACHE_CONTROL)
        .is_some_and(|v| v.as_bytes().starts_with(b"public"));
    if is_static_asset(response.headers()) || shared {
        return response;
    }
    if let Err(e) = SignInSession::new(session).seen(device, Utc::now()).await {
        tracing::warn!(error = %e, "cannot note the session's device");
    }
    response
}

/// The device a request comes from: its browser and system, and its network.
pub fn device_of(headers: &HeaderMap, client: Option<&ClientAddr>) -> Device {
    Device {
        agent: headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(agent::describe),
        network: client.map(|ClientAddr(ip)| network_of(*ip)),
    }
}

/// `203.0.113.0/24`, `2001:db8:1::/48`: where a request came from, roughly.
pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network_of(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_hide_the_host() {
        assert_eq!(
            network_of("203.0.113.77".parse().expect("ip")),
            "203.0.113.0/24"
        );
        assert_eq!(
            network_of("2001:db8:1:2::9".parse().expect("ip")),
            "2001:db8:1::/48"
        );
        assert_eq!(
            network_of("::ffff:10.1.2.3".parse().expect("ip")),
            "10.1.2.0/24"
        );
    }
}
