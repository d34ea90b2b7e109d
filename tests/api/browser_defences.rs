//! What the browser is told to defend (security headers, a per-response CSP nonce), what it
//! sends that we refuse (cross-site posts), what a link cannot make a page say, and how
//! malformed posts are answered.

use denglu::model::{FieldErrors, ServerError};
use leptos::server_fn::error::ServerFnUrlError;
use reqwest::Response;

use crate::helpers::{Browser, TestApp, location, spawn_app, spawn_app_with};

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The nonce a response's policy allows, if it names one.
fn nonce_of(csp: &str) -> Option<String> {
    let start = csp.find("'nonce-")? + "'nonce-".len();
    let end = csp[start..].find('\'')? + start;
    Some(csp[start..end].to_string())
}

/// Asserts the headers every response of the app carries.
fn assert_defended(response: &Response, what: &str) {
    let csp = header(response, "content-security-policy");
    for directive in [
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {directive} in {csp:?}");
    }
    assert!(nonce_of(&csp).is_some(), "{what}: a nonce in {csp:?}");
    assert_eq!(header(response, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(response, "referrer-policy"), "no-referrer", "{what}");
    assert_eq!(
        header(response, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
}

async fn signed_in(app: &TestApp) -> Browser {
    let browser = app.browser_speaking("en");
    browser.sign_up(app, "qq", 1, "defended").await;
    browser
}

#[tokio::test]
async fn every_page_and_api_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    for path in [
        "/login",
        "/login/qr",
        "/no/such/page",
        "/api/me",
        "/healthz",
        "/",
    ] {
        let response = browser.get(path).await;
        assert_defended(&response, path);
    }
    let posted = browser.call("site", &[]).await;
    assert_defended(&posted, "a server function");
    // Plain http: no HSTS (it would pin a laptop's localhost to https).
    let login = browser.get("/login").await;
    assert!(login.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn every_inline_script_carries_this_responses_nonce() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    let first = browser.get("/login").await;
    let csp = header(&first, "content-security-policy");
    let nonce = nonce_of(&csp).expect("a nonce");
    let html = first.text().await.expect("HTML");
    let scripts = html.matches("<script").count();
    assert!(
        scripts >= 3,
        "hydration, wxLogin.js and its constructor: {html}"
    );
    assert_eq!(
        html.matches(&format!(r#"nonce="{nonce}""#)).count(),
        scripts,
        "every script element carries the nonce: {html}"
    );
    // Scripts from ourselves, the nonce and the wasm; while simulating, WeChat's script and
    // QR frame are our own /_sim/ copies.
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");

    let second = browser.get("/login").await;
    let again = nonce_of(&header(&second, "content-security-policy")).expect("a nonce");
    assert_ne!(nonce, again, "a fresh nonce for every response");
}

#[tokio::test]
async fn with_real_providers_scripts_and_frames_come_only_from_wechat() {
    let app = spawn_app_with(&[
        ("DENGLU_SIMULATOR", "0"),
        (
            "DENGLU_SECRET",
            "a-secret-of-at-least-thirty-two-characters",
        ),
        ("WECHAT_OPEN_APPID", "wx0000000000000001"),
        ("WECHAT_OPEN_SECRET", "secret"),
    ])
    .await;
    let response = app.get("/login").await;
    let csp = header(&response, "content-security-policy");
    assert!(csp.contains("https://res.wx.qq.com"), "{csp}");
    assert!(
        csp.contains("frame-src https://open.weixin.qq.com"),
        "{csp}"
    );
}

#[tokio::test]
async fn an_https_site_asks_for_https_from_then_on() {
    let app = spawn_app_with(&[("DENGLU_PUBLIC_URL", "https://denglu.example")]).await;
    let response = app.get("/healthz").await;
    assert!(
        header(&response, "strict-transport-security").starts_with("max-age="),
        "{:?}",
        response.headers()
    );
}

#[tokio::test]
async fn signed_in_pages_and_the_api_are_never_stored() {
    let app = spawn_app().await;
    let browser = signed_in(&app).await;
    for path in ["/account", "/api/me", "/login"] {
        let response = browser.get(path).await;
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
    }
}

#[tokio::test]
async fn the_simulators_pages_may_be_framed_by_the_site_only() {
    let app = spawn_app().await;
    let response = app
        .get("/_sim/res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js")
        .await;
    assert_eq!(response.status(), 200);
    let csp = header(&response, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(header(&response, "x-frame-options"), "SAMEORIGIN");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
}

// --- Cross-site posts ---

#[tokio::test]
async fn a_post_from_another_site_is_refused_before_any_work() {
    let app = spawn_app().await;
    let browser = signed_in(&app).await;
    let sign_out = |headers: &'static [(&'static str, &'static str)]| {
        let mut request = browser.client.post(browser.url("/api/account/sign_out"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };

    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
        &[("origin", "null"), ("sec-fetch-site", "cross-site")][..],
    ] {
        let response = sign_out(headers).await.expect("the app answers");
        assert_eq!(response.status(), 403, "{headers:?}");
        assert!(browser.me().await.is_some(), "{headers:?}: still signed in");
    }

    // This site's own pages may post: with `no-referrer` a browser says `Origin: null` and
    // vouches for it with the fetch metadata.
    let response = browser
        .client
        .post(browser.url("/api/account/profile"))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .form(&[("display_name", "Zhang"), ("email", "")])
        .send()
        .await
        .expect("the app answers");
    assert_eq!(response.status(), 200);

    let own = app.url("");
    let own = own.trim_end_matches('/').to_string();
    let response = browser
        .client
        .post(browser.url("/api/account/sign_out"))
        .header("origin", own)
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .send()
        .await
        .expect("the app answers");
    assert_eq!(response.status(), 200);
    assert!(browser.me().await.is_none());
}

#[tokio::test]
async fn a_plain_form_post_never_goes_back_to_another_sites_referer() {
    let app = spawn_app().await;
    let browser = signed_in(&app).await;
    let response = browser
        .client
        .post(browser.url("/api/account/profile"))
        .header("accept", "text/html")
        .header("referer", "https://evil.example/phish")
        .form(&[("display_name", "Zhang"), ("email", "")])
        .send()
        .await
        .expect("the app answers");
    assert_eq!(response.status(), 302);
    let back = location(&response);
    assert!(back.starts_with('/') && !back.starts_with("//"), "{back}");
}

#[tokio::test]
async fn a_plain_form_post_without_a_referer_goes_back_to_its_page() {
    // Pages say `Referrer-Policy: no-referrer`, so a browser's plain post carries none.
    let app = spawn_app().await;
    let browser = signed_in(&app).await;
    let response = browser
        .client
        .post(browser.url("/api/account/profile"))
        .header("accept", "text/html")
        .form(&[("display_name", "Zhang"), ("email", "")])
        .send()
        .await
        .expect("the app answers");
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/account");
}

// --- What a link can make a page say ---

fn crafted(path: &str, error: ServerError) -> String {
    let url = ServerFnUrlError::new(path, error)
        .to_url("http://page.invalid/account")
        .expect("a URL");
    format!("/account?{}", url.query().unwrap_or_default())
}

#[tokio::test]
async fn a_link_cannot_put_its_own_text_or_values_on_the_account_page() {
    let app = spawn_app().await;
    let browser = signed_in(&app).await;

    let text = crafted(
        "/api/account/unlink",
        ServerError::Refused("Your account is locked: call +86 555 0100".into()),
    );
    let html = browser.get(&text).await.text().await.expect("HTML");
    assert!(!html.contains("call +86 555 0100"), "{html}");
    assert!(
        html.contains(r#"data-form-error="form-error-server""#),
        "an unknown refusal reads as the generic message: {html}"
    );

    let mut fields = FieldErrors::default();
    fields.add("email", "Enter your password in the email field");
    fields.add("display_name", "field-display-name-empty");
    fields.keep("email", "attacker@evil.example");
    fields.keep("display_name", "Pwned");
    let values = crafted("/api/account/profile", ServerError::Invalid(fields));
    let html = browser.get(&values).await.text().await.expect("HTML");
    assert!(!html.contains("attacker@evil.example"), "{html}");
    assert!(!html.contains(r#"value="Pwned""#), "{html}");
    assert!(!html.contains("Enter your password"), "{html}");
    assert!(
        html.contains(r#"data-field-error="display_name""#),
        "a known message by key is still shown: {html}"
    );
}

// --- Malformed posts ---

#[tokio::test]
async fn malformed_server_function_posts_are_answered_4xx() {
    let app = spawn_app().await;
    let browser = signed_in(&app).await;

    let not_a_number = browser
        .call("account/unlink", &[("identity_id", "abc")])
        .await;
    assert_eq!(not_a_number.status(), 400, "a non-number identity_id");
    let missing = browser.call("account/unlink", &[]).await;
    assert_eq!(missing.status(), 400, "a missing field");
    let missing = browser.call("account/profile", &[("email", "")]).await;
    assert_eq!(missing.status(), 400, "a missing field");

    let not_utf8 = browser
        .client
        .post(browser.url("/api/account/profile"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"display_name=\xff\xfe&email=".to_vec())
        .send()
        .await
        .expect("the app answers");
    assert_eq!(not_utf8.status(), 400, "a body that is not UTF-8");

    let huge = "x".repeat(2 * 1024 * 1024);
    let too_big = browser
        .call("account/profile", &[("display_name", &huge), ("email", "")])
        .await;
    assert_eq!(too_big.status(), 413, "a 2 MB body");
    assert!(browser.me().await.is_some());
}
