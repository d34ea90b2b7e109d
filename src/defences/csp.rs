//! The Content-Security-Policy and its twin `X-Frame-Options`: a fresh nonce per response,
//! handed to Leptos (which puts it on the hydration scripts and serialised resources) and to
//! our own inline script; and `no-store` for everything that is not a static asset.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_FRAME_OPTIONS};
use http::{HeaderMap, HeaderValue};
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

use crate::config::{SIMULATOR_MOUNT, Settings};

/// WeChat's hosts for the embedded QR: `wxLogin.js` and the frame it draws.
const WECHAT_SCRIPT_HOST: &str = "https://res.wx.qq.com";
const WECHAT_FRAME_HOST: &str = "https://open.weixin.qq.com";

/// The policies of this site, decided once from the settings.
#[derive(Clone)]
pub struct Policies {
    /// While simulating, wxLogin.js and the QR frame are our own `/_sim/` copies.
    simulator: bool,
}

impl Policies {
    pub fn new(settings: &Settings) -> Arc<Self> {
        Arc::new(Self {
            simulator: settings.simulator,
        })
    }

    /// The app's policy for one response; `form_target` is one more origin its forms may lead
    /// to (see [`FORM_TARGET`]).
    fn app(&self, nonce: &Nonce, form_target: Option<&str>) -> String {
        let (script_host, frames) = if self.simulator {
            ("", "'self'")
        } else {
            (WECHAT_SCRIPT_HOST, WECHAT_FRAME_HOST)
        };
        // 'wasm-unsafe-eval' lets the hydration script compile our wasm, nothing else.
        let scripts = format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval' {script_host}");
        format!(
            "default-src 'self'; script-src {scripts}; frame-src {frames}; \
             img-src 'self' https: data:; style-src 'self'; form-action 'self'{target}; \
             frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            scripts = scripts.trim_end(),
            target = form_target.map(|t| format!(" {t}")).unwrap_or_default(),
        )
    }

    /// The simulator's pages (development only) are stand-ins for other sites with inline
    /// scripts and styles of their own; what matters is that only this site may frame them
    /// (its QR page is the embedded iframe of /login).
    fn simulator(&self) -> &'static str {
        "frame-ancestors 'self'; base-uri 'none'; object-src 'none'"
    }
}

/// A page whose form leads to another site (the consent page's "Allow" ends at the site that
/// asked: browsers apply `form-action` to the redirects a form post follows) names that site's
/// origin in this header; the policy adds it and the header never leaves the server.
pub const FORM_TARGET: &str = "x-denglu-form-target";

/// `scheme://host[:port]` of an http(s) URL; a native app's own scheme (`com.example.app:`)
/// as a scheme source.
fn origin_of(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    match url.scheme() {
        "http" | "https" => Some(url.origin().ascii_serialization()),
        scheme if scheme.contains('.') => Some(format!("{scheme}:")),
        _ => None,
    }
}

/// Sets the policy (and `no-store`) on every response; the nonce travels to the renderer in
/// the request's extensions.
pub async fn apply(
    State(policies): State<Arc<Policies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let simulator_page = policies.simulator && under_simulator(request.uri().path());
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let form_target = response
        .headers_mut()
        .remove(FORM_TARGET)
        .and_then(|v| v.to_str().ok().and_then(origin_of));
    let (policy, framing) = if simulator_page {
        (policies.simulator().to_string(), "SAMEORIGIN")
    } else {
        (policies.app(&nonce, form_target.as_deref()), "DENY")
    };
    let headers = response.headers_mut();
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static(framing));
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    if !headers.contains_key(CACHE_CONTROL) && !is_static_asset(headers) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Gives the renderer this response's nonce (in place of the one leptos_axum makes itself,
/// which the header would not know).
pub fn provide_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

fn under_simulator(path: &str) -> bool {
    path.strip_prefix(SIMULATOR_MOUNT)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Styles, scripts, the wasm, images and fonts may be cached; pages, JSON, redirects and
/// streams are personal or one-off.
pub fn is_static_asset(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| {
            [
                "text/css",
                "javascript",
                "application/wasm",
                "image/",
                "font/",
            ]
            .iter()
            .any(|asset| kind.contains(asset))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulator_mount_is_a_whole_path_segment() {
        assert!(under_simulator("/_sim"));
        assert!(under_simulator("/_sim/control/users"));
        assert!(!under_simulator("/_simulated"));
        assert!(!under_simulator("/login"));
    }

    #[test]
    fn without_the_simulator_only_wechat_may_add_scripts_and_frames() {
        let policies = Policies { simulator: false };
        let nonce = Nonce::from_value("abc");
        let policy = policies.app(&nonce, None);
        assert!(
            policy.contains(
                "script-src 'self' 'nonce-abc' 'wasm-unsafe-eval' https://res.wx.qq.com;"
            )
        );
        assert!(policy.contains("frame-src https://open.weixin.qq.com;"));
        assert!(!policy.contains("unsafe-inline"));
    }
}
