//! `/metrics`: only for the addresses or the bearer token the configuration names, the same
//! 404 as any unknown path for everyone else, and counts that follow what people do.
//!
//! The recorder is one per process and other tests sign in at the same time, so the counts
//! are compared before and after, never read as absolute values.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const TOKEN: &str = "scrape-token-for-the-tests-0123";

async fn scrape(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let request = app.client.get(app.url("/metrics"));
    let request = match authorization {
        Some(value) => request.header("authorization", value),
        None => request,
    };
    request.send().await.expect("the app answers")
}

/// The metrics as text, for a client holding the token.
async fn read(app: &TestApp) -> String {
    let response = scrape(app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

/// The sum of the samples of `name` whose labels include every one of `labels`.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    samples(text, name)
        .filter(|(sample_labels, _)| {
            labels
                .iter()
                .all(|(k, v)| sample_labels.iter().any(|(sk, sv)| sk == k && sv == v))
        })
        .map(|(_, value)| value)
        .sum()
}

/// Each sample of `name`: its labels and its value.
fn samples<'t>(
    text: &'t str,
    name: &'t str,
) -> impl Iterator<Item = (Vec<(String, String)>, f64)> + 't {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(move |line| {
            let rest = line.strip_prefix(name)?;
            let (labels, value) = match rest.strip_prefix('{') {
                Some(rest) => rest.rsplit_once("} ")?,
                None => ("", rest.strip_prefix(' ')?),
            };
            Some((parse_labels(labels), value.trim().parse().ok()?))
        })
}

fn parse_labels(text: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    let mut rest = text;
    while let Some((key, after)) = rest.split_once("=\"") {
        let Some(end) = after.find('"') else { break };
        labels.push((
            key.trim_start_matches(',').to_string(),
            after[..end].to_string(),
        ));
        rest = &after[end + 1..];
    }
    labels
}

#[tokio::test]
async fn without_configuration_metrics_are_an_unknown_path() {
    let app = spawn_app().await;
    let unknown = app.get("/no-such-page").await;
    assert_eq!(unknown.status(), 404);
    for authorization in [None, Some("Bearer anything-at-all-0123456789")] {
        let response = scrape(&app, authorization).await;
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.headers().get("content-type"),
            unknown.headers().get("content-type"),
            "the same page as any unknown path"
        );
        let body = response.text().await.expect("text");
        assert!(!body.contains("# TYPE"), "{body}");
    }
}

#[tokio::test]
async fn a_wrong_token_or_address_gets_the_unknown_path_answer_and_the_right_token_the_metrics() {
    let app = spawn_app_with(&[
        ("DENGLU_METRICS_TOKEN", TOKEN),
        ("DENGLU_METRICS_ALLOW", "10.0.0.0/8"),
    ])
    .await;
    let unknown = app.get("/no-such-page").await;
    for authorization in [
        None,
        Some("Bearer not-the-scrape-token-0123456"),
        Some(&format!("Bearer {TOKEN}x")),
        Some(&format!("Basic {TOKEN}")),
        Some(TOKEN),
    ] {
        let response = scrape(&app, authorization).await;
        assert_eq!(response.status(), 404, "{authorization:?}");
        assert_eq!(
            response.headers().get("content-type"),
            unknown.headers().get("content-type")
        );
    }
    let response = scrape(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
        "{:?}",
        response.headers()
    );
}

#[tokio::test]
async fn the_address_the_trusted_proxy_names_decides() {
    let app = spawn_app_with(&[
        ("DENGLU_METRICS_ALLOW", "203.0.113.0/24"),
        ("DENGLU_TRUSTED_PROXY_HEADER", "X-Forwarded-For"),
    ])
    .await;
    let from = |forwarded: &'static str| {
        app.client
            .get(app.url("/metrics"))
            .header("x-forwarded-for", forwarded)
            .send()
    };
    let outside = from("198.51.100.7").await.expect("the app answers");
    assert_eq!(
        outside.status(),
        404,
        "loopback is not in the allowed range"
    );
    // The proxy appends the peer it saw: the client's own entries before it do not count.
    let forged = from("203.0.113.9, 198.51.100.7")
        .await
        .expect("the app answers");
    assert_eq!(forged.status(), 404);
    let inside = from("198.51.100.7, 203.0.113.9")
        .await
        .expect("the app answers");
    assert_eq!(inside.status(), 200);
}

#[tokio::test]
async fn an_allowed_address_reads_the_metrics_with_no_session_and_no_caching() {
    let app = spawn_app_with(&[("DENGLU_METRICS_ALLOW", "127.0.0.1")]).await;
    let response = scrape(&app, None).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "{:?}",
        response.headers()
    );
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let text = response.text().await.expect("text");
    assert!(app.browser().session_id().is_none());
    assert_eq!(app.count("sessions").await, 0, "no session was stored");
    assert!(
        samples(&text, "denglu_qr_waiting_pages").count() == 1,
        "{text}"
    );
    let max = value(&text, "denglu_db_pool_max_connections", &[]);
    assert!(max >= 1.0, "{text}");
    let idle = samples(&text, "denglu_db_pool_connections")
        .find(|(labels, _)| labels.contains(&("state".into(), "idle".into())));
    let in_use = samples(&text, "denglu_db_pool_connections")
        .find(|(labels, _)| labels.contains(&("state".into(), "in_use".into())));
    let (Some((_, idle)), Some((_, in_use))) = (idle, in_use) else {
        panic!("pool gauges for idle and in_use: {text}");
    };
    assert!(idle + in_use <= max, "{text}");
}

#[tokio::test]
async fn sign_ins_provider_calls_and_routes_are_counted() {
    let app = spawn_app_with(&[("DENGLU_METRICS_TOKEN", TOKEN)]).await;
    let before = read(&app).await;

    // A first login (to profile completion), then the same person signing in again.
    let browser = app.new_browser();
    browser.sign_up(&app, "qq", 3, "metrics_qq").await;
    let again = app.new_browser();
    let landed = again.sign_in_with(&app, "qq", 3).await;
    assert!(!landed.starts_with("/login"), "{landed}");
    // A code WeChat refuses: a failed sign-in, and a call with WeChat's own code.
    let failing = app.new_browser();
    app.auto_approve("wechat", 1).await;
    let callback = failing.authorize(&failing.start("wechat", "").await).await;
    app.sim(
        "faults",
        json!({"endpoint": "api.weixin.qq.com/sns/oauth2/access_token", "kind": "error", "code": 40029}),
    )
    .await;
    assert_eq!(
        failing.callback(&callback).await,
        "/login?error=invalid_code"
    );

    let after = read(&app).await;
    let grew = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    let signins = "denglu_signins_total";
    assert!(
        grew(signins, &[("provider", "qq"), ("outcome", "new_person")]) >= 1.0,
        "{after}"
    );
    assert!(
        grew(signins, &[("provider", "qq"), ("outcome", "signed_in")]) >= 1.0,
        "{after}"
    );
    assert!(
        grew(
            signins,
            &[
                ("provider", "wechat"),
                ("outcome", "failed"),
                ("error", "invalid_code")
            ]
        ) >= 1.0,
        "{after}"
    );

    let calls = "denglu_provider_calls_total";
    for endpoint in ["token", "openid", "userinfo"] {
        assert!(
            grew(
                calls,
                &[
                    ("provider", "qq"),
                    ("endpoint", endpoint),
                    ("outcome", "ok")
                ]
            ) >= 2.0,
            "qq {endpoint}: {after}"
        );
    }
    assert!(
        grew(
            calls,
            &[
                ("provider", "wechat"),
                ("endpoint", "token"),
                ("outcome", "invalid_code"),
                ("code", "40029")
            ]
        ) >= 1.0,
        "{after}"
    );
    assert!(
        grew(
            "denglu_provider_call_duration_seconds_count",
            &[("provider", "qq"), ("endpoint", "token")]
        ) >= 2.0,
        "{after}"
    );

    let requests = "denglu_http_requests_total";
    assert!(
        grew(
            requests,
            &[
                ("route", "/auth/{provider}/start"),
                ("method", "GET"),
                ("status", "302")
            ]
        ) >= 3.0,
        "{after}"
    );
    assert!(
        grew(
            requests,
            &[("route", "/auth/{provider}/callback"), ("status", "302")]
        ) >= 3.0,
        "{after}"
    );
    for raw in ["route=\"/auth/qq/", "route=\"/_sim/graph.qq.com"] {
        assert!(!after.contains(raw), "raw paths are no labels: {after}");
    }
    assert!(
        grew(requests, &[("route", "/_sim/{*path}"), ("method", "POST")]) >= 1.0,
        "the simulator's control calls: {after}"
    );
    assert!(
        grew(
            "denglu_http_request_duration_seconds_count",
            &[("route", "/auth/{provider}/callback")]
        ) >= 3.0,
        "{after}"
    );
    assert!(
        grew(requests, &[("route", "/metrics"), ("status", "200")]) >= 1.0,
        "the first scrape is counted: {after}"
    );
}

#[tokio::test]
async fn a_waiting_qr_page_shows_in_the_gauge() {
    let app = spawn_app_with(&[("DENGLU_METRICS_TOKEN", TOKEN)]).await;
    let desktop = app.new_browser();
    let html = desktop.get("/login/qr").await.text().await.expect("HTML");
    let marker = "data-ticket=\"";
    let start = html.find(marker).expect("a ticket on the QR page") + marker.len();
    let ticket = &html[start..start + html[start..].find('"').expect("a closing quote")];
    let before = value(&read(&app).await, "denglu_qr_waiting_pages", &[]);
    let stream = desktop.get(&format!("/auth/qr/{ticket}/events")).await;
    assert_eq!(stream.status(), 200);
    let waiting = value(&read(&app).await, "denglu_qr_waiting_pages", &[]);
    assert!(waiting >= before + 1.0, "{before} -> {waiting}");
    drop(stream);
}
