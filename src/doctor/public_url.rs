//! The public URL: served over https, and answering as Denglu at `{public_url}healthz`.

use std::error::Error as _;
use std::net::IpAddr;

use reqwest::{Client, StatusCode};
use url::{Host, Url};

use super::check::{Check, Said};
use super::clock::{self, Observation};

/// What a host is, as the providers' registration rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// `localhost`, `127.0.0.1`, `::1`: this machine; a laptop with the simulator.
    Loopback,
    /// Any other IP address: reachable, but no provider registers one.
    Ip,
    /// A domain name.
    Name,
}

pub fn host_kind(url: &Url) -> HostKind {
    match url.host() {
        Some(Host::Ipv4(ip)) if ip.is_loopback() => HostKind::Loopback,
        Some(Host::Ipv6(ip)) if ip.is_loopback() => HostKind::Loopback,
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => HostKind::Ip,
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                HostKind::Loopback
            } else if name.parse::<IpAddr>().is_ok() {
                HostKind::Ip
            } else {
                HostKind::Name
            }
        }
        None => HostKind::Name,
    }
}

fn name() -> Said {
    Said::new("Public URL is https", "公开地址使用 https")
}

/// `configured`: whether `DENGLU_PUBLIC_URL` is set (else Denglu uses its listening address).
pub fn scheme(public: &Url, configured: bool) -> Check {
    let unset = if configured {
        Said::new("", "")
    } else {
        Said::new(
            "DENGLU_PUBLIC_URL is not set, so Denglu uses its listening address; ",
            "未设置 DENGLU_PUBLIC_URL，Denglu 使用其监听地址；",
        )
    };
    let fix = Said::new(
        "serve Denglu behind TLS (a reverse proxy with a certificate) and set \
         DENGLU_PUBLIC_URL=https://your-domain/",
        "在 TLS 之后提供服务（带证书的反向代理），并设置 DENGLU_PUBLIC_URL=https://你的域名/",
    );
    if public.scheme() == "https" {
        if !configured {
            return Check::warn(
                name(),
                Said::new(
                    format!("{}{public}", unset.en),
                    format!("{}{public}", unset.zh),
                ),
                fix,
            );
        }
        return Check::pass(
            name(),
            Said::new(
                format!("{public} uses https"),
                format!("{public} 使用 https"),
            ),
        );
    }
    match host_kind(public) {
        HostKind::Loopback => Check::warn(
            name(),
            Said::new(
                format!(
                    "{}{public} is plain http on this machine: fine for development only",
                    unset.en
                ),
                format!("{}{public} 是本机上的明文 http：仅适用于开发环境", unset.zh),
            ),
            fix,
        ),
        _ => Check::fail(
            name(),
            Said::new(
                format!(
                    "{}{public} is plain http: codes, tokens and session cookies would cross \
                     the network in clear",
                    unset.en
                ),
                format!(
                    "{}{public} 是明文 http：授权码、令牌和会话 Cookie 会以明文在网络上传输",
                    unset.zh
                ),
            ),
            fix,
        ),
    }
}

fn reach_name() -> Said {
    Said::new("Public URL answers", "公开地址可以访问")
}

/// GETs `{public}healthz`; also returns the answer's `Date` beside our clock, for the clock check.
pub async fn reachable(client: &Client, public: &Url) -> (Check, Option<Observation>) {
    let Ok(health) = public.join("healthz") else {
        return (
            Check::fail(
                reach_name(),
                Said::new(
                    format!("cannot form {public}healthz"),
                    format!("无法构造 {public}healthz"),
                ),
                Said::new("check DENGLU_PUBLIC_URL", "检查 DENGLU_PUBLIC_URL"),
            ),
            None,
        );
    };
    let response = match client.get(health.clone()).send().await {
        Ok(response) => response,
        Err(e) => return (unreachable(&health, &e), None),
    };
    let observed = clock::observe(response.headers(), health.as_str());
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    (answered(&health, status, &body), observed)
}

/// What a connection failure was, in words an operator acts on.
fn unreachable(url: &Url, error: &reqwest::Error) -> Check {
    let mut chain = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    let detail = chain.join(": ");
    let lower = detail.to_ascii_lowercase();
    let (en, zh) = if error.is_timeout() {
        ("timed out", "超时")
    } else if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
        ("the name does not resolve (DNS)", "域名无法解析（DNS）")
    } else if lower.contains("refused") {
        ("connection refused", "连接被拒绝")
    } else if lower.contains("certificate") || lower.contains("tls") {
        ("the TLS handshake failed", "TLS 握手失败")
    } else {
        ("cannot connect", "无法连接")
    };
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    };
    Check::fail(
        reach_name(),
        Said::new(
            format!("GET {url}: {en}{detail}"),
            format!("GET {url}：{zh}{detail}"),
        ),
        Said::new(
            "start Denglu where DENGLU_PUBLIC_URL points, with DNS and the proxy in front of \
             it forwarding to LEPTOS_SITE_ADDR",
            "在 DENGLU_PUBLIC_URL 指向的地址上运行 Denglu，并确保 DNS 与前端代理转发到 LEPTOS_SITE_ADDR",
        ),
    )
}

/// Denglu's health answer is 200 with `{"status":"ok",...}`; anything else is named.
pub fn answered(url: &Url, status: StatusCode, body: &str) -> Check {
    let health: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let is_denglu = health
        .as_ref()
        .and_then(|h| h.get("status"))
        .and_then(|s| s.as_str());
    match (status, is_denglu) {
        (StatusCode::OK, Some("ok")) => Check::pass(
            reach_name(),
            Said::new(
                format!("GET {url} answered 200 from Denglu"),
                format!("GET {url} 返回 200，来自 Denglu"),
            ),
        ),
        (StatusCode::OK, _) => Check::fail(
            reach_name(),
            Said::new(
                format!(
                    "GET {url} answered 200, but not with Denglu's health JSON: something else serves this address"
                ),
                format!("GET {url} 返回 200，但不是 Denglu 的健康检查 JSON：该地址上是别的服务"),
            ),
            Said::new(
                "point the proxy (or DNS) for this URL at Denglu, or fix DENGLU_PUBLIC_URL",
                "将该地址的代理（或 DNS）指向 Denglu，或修正 DENGLU_PUBLIC_URL",
            ),
        ),
        (StatusCode::SERVICE_UNAVAILABLE, Some(_)) => Check::fail(
            reach_name(),
            Said::new(
                format!("GET {url} answered 503: Denglu runs but cannot reach its database"),
                format!("GET {url} 返回 503：Denglu 在运行，但连不上数据库"),
            ),
            Said::new(
                "check DATABASE_URL and that the database server is up",
                "检查 DATABASE_URL 以及数据库服务是否正常",
            ),
        ),
        (status, _) => Check::fail(
            reach_name(),
            Said::new(
                format!("GET {url} answered {status}, not 200"),
                format!("GET {url} 返回 {status}，而不是 200"),
            ),
            Said::new(
                "serve Denglu at the root of DENGLU_PUBLIC_URL (the proxy forwards every path \
                 unchanged) and start it",
                "在 DENGLU_PUBLIC_URL 的根路径提供 Denglu（代理原样转发所有路径），并启动它",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Outcome;

    fn url(raw: &str) -> Url {
        Url::parse(raw).expect("a valid URL")
    }

    #[test]
    fn hosts_are_told_apart() {
        assert_eq!(host_kind(&url("http://127.0.0.1:3000")), HostKind::Loopback);
        assert_eq!(host_kind(&url("http://[::1]:3000")), HostKind::Loopback);
        assert_eq!(host_kind(&url("http://localhost:3000")), HostKind::Loopback);
        assert_eq!(host_kind(&url("https://203.0.113.7")), HostKind::Ip);
        assert_eq!(host_kind(&url("https://login.example.com")), HostKind::Name);
    }

    #[test]
    fn https_passes_loopback_http_warns_and_other_http_fails() {
        assert_eq!(
            scheme(&url("https://login.example.com/"), true).outcome,
            Outcome::Pass
        );
        let laptop = scheme(&url("http://127.0.0.1:3000/"), true);
        assert_eq!(laptop.outcome, Outcome::Warn);
        assert!(laptop.found.en.contains("development only"));
        let exposed = scheme(&url("http://login.example.com/"), true);
        assert_eq!(exposed.outcome, Outcome::Fail);
        assert!(exposed.fix.is_some());
        // Not configured: Denglu falls back to its listening address, which is worth a word.
        let unset = scheme(&url("https://login.example.com/"), false);
        assert_eq!(unset.outcome, Outcome::Warn);
        assert!(unset.found.en.contains("DENGLU_PUBLIC_URL is not set"));
    }

    #[test]
    fn only_denglus_health_answer_counts() {
        let health = url("https://login.example.com/healthz");
        let ok = r#"{"status":"ok","database":"up"}"#;
        assert_eq!(answered(&health, StatusCode::OK, ok).outcome, Outcome::Pass);
        let other = answered(&health, StatusCode::OK, "<html>Welcome to nginx</html>");
        assert_eq!(other.outcome, Outcome::Fail);
        assert!(other.found.en.contains("not with Denglu's health JSON"));
        let down = answered(
            &health,
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"status":"unavailable","database":"down"}"#,
        );
        assert!(down.found.en.contains("database"));
        let missing = answered(&health, StatusCode::NOT_FOUND, "");
        assert!(missing.found.en.contains("404"), "{}", missing.found.en);
    }
}
