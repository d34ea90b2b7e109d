//! Rate limits: sign-in starts, callbacks, the QR page, ticket creation, the username check and
//! every form post are limited per client address and per session, answered with 429 and
//! `Retry-After`; behind a proxy the address comes from the configured header only.

use crate::helpers::{Browser, TestApp, spawn_app, spawn_app_with};

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in seconds")
}

async fn start_status(browser: &Browser) -> u16 {
    browser.get("/auth/qq/start").await.status().as_u16()
}

#[tokio::test]
async fn sign_in_requests_over_the_address_limit_get_429_with_retry_after() {
    let app = spawn_app_with(&[("DENGLU_LIMIT_SIGNIN_PER_ADDRESS", "3")]).await;
    // Each from a new browser: no session, so only the address counts.
    assert_eq!(start_status(&app.new_browser()).await, 302);
    assert_eq!(
        app.new_browser()
            .get("/auth/qq/callback?code=x&state=y")
            .await
            .status(),
        302
    );
    assert_eq!(app.new_browser().get("/login/qr").await.status(), 200);
    let refused = app.new_browser().get("/auth/weibo/start").await;
    assert_eq!(refused.status(), 429);
    assert!(retry_after(&refused) >= 1);
    // Pages that are not sign-in steps are not counted.
    assert_eq!(app.new_browser().get("/login").await.status(), 200);
}

#[tokio::test]
async fn form_posts_over_the_limit_get_429_with_retry_after() {
    let app = spawn_app_with(&[("DENGLU_LIMIT_FORMS_PER_ADDRESS", "2")]).await;
    let browser = app.new_browser();
    for _ in 0..2 {
        let response = browser
            .call("signup/check_username", &[("username", "anything")])
            .await;
        assert_eq!(response.status(), 401);
    }
    let refused = browser.call("account/sign_out", &[]).await;
    assert_eq!(refused.status(), 429);
    assert!(retry_after(&refused) >= 1);
}

#[tokio::test]
async fn one_session_is_limited_even_when_its_address_is_not() {
    let app = spawn_app_with(&[("DENGLU_LIMIT_SIGNIN_PER_SESSION", "2")]).await;
    let browser = app.new_browser();
    // The QR page makes the session (a start makes none); the next two are counted
    // against it.
    assert_eq!(browser.get("/login/qr").await.status(), 200);
    assert!(browser.session_id().is_some());
    assert_eq!(start_status(&browser).await, 302);
    assert_eq!(start_status(&browser).await, 302);
    assert_eq!(start_status(&browser).await, 429);
    assert_eq!(start_status(&app.new_browser()).await, 302);
}

/// A request from a new browser at `address`, as a proxy writes it in `X-Forwarded-For`.
fn from_address(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    address: &str,
) -> reqwest::RequestBuilder {
    app.new_browser()
        .client
        .request(method, app.url(path))
        .header("x-forwarded-for", address)
}

async fn start_from(app: &TestApp, forwarded_for: &str) -> u16 {
    from_address(app, reqwest::Method::GET, "/auth/qq/start", forwarded_for)
        .send()
        .await
        .expect("the app answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_proxy_the_address_comes_from_the_trusted_header() {
    let app = spawn_app_with(&[
        ("DENGLU_LIMIT_SIGNIN_PER_ADDRESS", "2"),
        ("DENGLU_TRUSTED_PROXY_HEADER", "X-Forwarded-For"),
    ])
    .await;
    assert_eq!(start_from(&app, "203.0.113.7").await, 302);
    // The proxy appends the address it saw: a client-sent first entry is not trusted.
    assert_eq!(start_from(&app, "198.51.100.1, 203.0.113.7").await, 302);
    assert_eq!(start_from(&app, "198.51.100.2, 203.0.113.7").await, 429);
    assert_eq!(start_from(&app, "203.0.113.8").await, 302);
}

#[tokio::test]
async fn without_a_trusted_header_a_forwarded_address_is_ignored() {
    let app = spawn_app_with(&[("DENGLU_LIMIT_SIGNIN_PER_ADDRESS", "2")]).await;
    assert_eq!(start_from(&app, "203.0.113.1").await, 302);
    assert_eq!(start_from(&app, "203.0.113.2").await, 302);
    assert_eq!(start_from(&app, "203.0.113.3").await, 429);
}

#[tokio::test]
async fn the_default_limits_leave_ordinary_use_alone() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    for _ in 0..20 {
        assert_eq!(start_status(&browser).await, 302);
    }
}

/// `/login/qr` in a new browser from `network` (through the trusted proxy header).
async fn qr_page_from(app: &TestApp, network: &str, language: &str) -> reqwest::Response {
    from_address(app, reqwest::Method::GET, "/login/qr", network)
        .header("accept-language", language)
        .send()
        .await
        .expect("the app answers")
}

#[tokio::test]
async fn a_network_over_its_live_qr_codes_is_told_so_and_others_are_not() {
    let app = spawn_app_with(&[
        ("DENGLU_QR_TICKETS_PER_NETWORK", "2"),
        ("DENGLU_TRUSTED_PROXY_HEADER", "X-Forwarded-For"),
    ])
    .await;
    // Two people behind one office's address (the same /24) each have a live code.
    for address in ["203.0.113.7", "203.0.113.8"] {
        let page = qr_page_from(&app, address, "en").await;
        assert_eq!(page.status(), 200);
        assert!(
            page.text().await.expect("a page").contains("data-ticket"),
            "a live code"
        );
    }
    // A third is refused as a limit, not as an outage, and is told what to do, in their
    // language.
    let refused = qr_page_from(&app, "203.0.113.9", "en").await;
    assert_eq!(refused.status(), 429);
    assert!(retry_after(&refused) >= 1);
    let page = refused.text().await.expect("a page");
    assert!(
        page.contains("Too many sign-in codes are open on your network"),
        "{page}"
    );
    assert!(!page.contains("data-ticket"));
    let refused = qr_page_from(&app, "203.0.113.10", "zh-CN").await;
    assert!(
        refused
            .text()
            .await
            .expect("a page")
            .contains("你所在的网络上打开的登录二维码过多")
    );
    // The page's own call for a code says the same, with its key.
    let call = from_address(
        &app,
        reqwest::Method::POST,
        "/api/qr/ticket",
        "203.0.113.11",
    )
    .header("accept", "application/json")
    .send()
    .await
    .expect("the app answers");
    assert_eq!(call.status(), 429);
    assert!(retry_after(&call) >= 1);
    assert!(call.text().await.expect("a body").contains("qr-too-many"));
    // Another network is not affected.
    let elsewhere = qr_page_from(&app, "198.51.100.7", "en").await;
    assert_eq!(elsewhere.status(), 200);
    assert!(
        elsewhere
            .text()
            .await
            .expect("a page")
            .contains("data-ticket")
    );
}
