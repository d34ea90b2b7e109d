//! Starting a sign-in: the redirect to the provider and the state it carries.

use std::collections::HashSet;

use crate::helpers::{location, query_param, spawn_app, spawn_app_with};

const PROVIDERS: [&str; 4] = ["wechat", "wechat_mp", "qq", "weibo"];

#[tokio::test]
async fn start_sends_the_browser_to_each_provider_with_our_callback() {
    let app = spawn_app().await;
    let browser = app.browser();
    for provider in PROVIDERS {
        let authorize = browser.start(provider, "").await;
        assert!(
            authorize.starts_with(&app.url("/_sim/")),
            "{provider}: {authorize}"
        );
        let redirect_uri = query_param(&authorize, "redirect_uri").expect("a redirect_uri");
        assert_eq!(redirect_uri, app.url(&format!("/auth/{provider}/callback")));
    }
}

#[tokio::test]
async fn the_state_is_long_random_url_safe_and_fresh_every_time() {
    let app = spawn_app().await;
    let browser = app.browser();
    let mut seen = HashSet::new();
    for _ in 0..20 {
        let authorize = browser.start("qq", "").await;
        let state = query_param(&authorize, "state").expect("a state");
        // 32 characters of [A-Za-z0-9]: about 190 bits, within WeChat's 128-byte limit.
        assert_eq!(state.len(), 32, "{state}");
        assert!(state.bytes().all(|b| b.is_ascii_alphanumeric()), "{state}");
        assert!(seen.insert(state), "a state was repeated");
    }
}

#[tokio::test]
async fn start_redirects_are_302_and_never_cached() {
    let app = spawn_app().await;
    let response = app.get("/auth/weibo/start?next=/account").await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_state_cookie_is_http_only_lax_sealed_and_has_no_domain() {
    let app = spawn_app().await;
    let response = app.get("/auth/qq/start").await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    assert!(
        cookies.iter().all(|c| !c.starts_with("denglu_session=")),
        "starting a sign-in makes no session: {cookies:?}"
    );
    let cookie = cookies
        .iter()
        .find(|c| c.starts_with("dls_"))
        .expect("the started sign-in is kept in a cookie of its own");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/auth/"), "{cookie}");
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    // The public URL is http here, so not Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");
    // Sealed: the state itself cannot be read from it.
    let state = query_param(&location(&response), "state").expect("state");
    let value = cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v);
    assert!(value.is_some_and(|v| !v.contains(&state)), "{cookie}");
}

#[tokio::test]
async fn https_public_url_makes_the_cookies_secure() {
    let app = spawn_app_with(&[("DENGLU_PUBLIC_URL", "https://login.example.com")]).await;
    let response = app.get("/auth/qq/start").await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-dls_"))
        .expect("a state cookie no sibling subdomain can plant")
        .to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Path=/;"), "{cookie}");
    let redirect_uri = query_param(&location(&response), "redirect_uri").expect("redirect_uri");
    assert_eq!(redirect_uri, "https://login.example.com/auth/qq/callback");
}

#[tokio::test]
async fn an_unknown_or_unconfigured_provider_is_a_clear_404() {
    let app = spawn_app_with(&[
        ("QQ_APPID", "101"),
        ("QQ_APPKEY", "secret"),
        ("DENGLU_SECRET", "a-test-secret-that-is-long-enough-0123"),
    ])
    .await;
    for path in [
        "/auth/github/start",
        "/auth/weibo/start",
        "/auth/WeChat/start",
        "/auth/weibo/callback?code=x&state=y",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 302, "{path}");
        assert_eq!(
            location(&response),
            "/login?error=unknown_provider",
            "{path}"
        );
    }
    let english = app.browser_speaking("en");
    let page = english.get("/login?error=unknown_provider").await;
    assert_eq!(page.status(), 404);
    let html = page.text().await.expect("HTML");
    assert!(html.contains("This sign-in method is not offered on this site."));
}

#[tokio::test]
async fn phones_get_the_mobile_pages_of_qq_and_weibo() {
    let app = spawn_app().await;
    let phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";
    for provider in ["qq", "weibo"] {
        let response = app
            .client
            .get(app.url(&format!("/auth/{provider}/start")))
            .header("user-agent", phone)
            .send()
            .await
            .expect("answer");
        assert_eq!(
            query_param(&location(&response), "display").as_deref(),
            Some("mobile"),
            "{provider}"
        );
        let desktop = app.browser().start(provider, "").await;
        assert_ne!(
            query_param(&desktop, "display").as_deref(),
            Some("mobile"),
            "{provider}"
        );
    }
}

#[tokio::test]
async fn on_https_the_session_cookie_cannot_be_planted_by_a_sibling_subdomain() {
    let app = spawn_app_with(&[("DENGLU_PUBLIC_URL", "https://login.example.com")]).await;
    // A page that holds a QR ticket makes a session.
    let response = app.get("/login/qr").await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("denglu_session="))
        .expect("a session cookie")
        .to_string();
    assert!(cookie.starts_with("__Host-denglu_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
}
