//! Every way a callback can go wrong ends on `/login?error=KIND`, served with a 4xx or 5xx,
//! with nobody signed in and nothing written to the database.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Browser, TestApp, query_param, spawn_app, spawn_app_tuned};

const PROVIDERS: [&str; 4] = ["wechat", "wechat_mp", "qq", "weibo"];

/// The token endpoint of each provider, as the simulator's fault API names it.
fn token_endpoint(provider: &str) -> &'static str {
    match provider {
        "wechat" | "wechat_mp" => "api.weixin.qq.com/sns/oauth2/access_token",
        "qq" => "graph.qq.com/oauth2.0/token",
        _ => "api.weibo.com/oauth2/access_token",
    }
}

/// The profile endpoint of each provider.
fn profile_endpoint(provider: &str) -> &'static str {
    match provider {
        "wechat" | "wechat_mp" => "api.weixin.qq.com/sns/userinfo",
        "qq" => "graph.qq.com/user/get_user_info",
        _ => "api.weibo.com/2/users/show.json",
    }
}

/// Start, approve as simulator user 1, and return our callback URL without calling it.
async fn approved_callback(app: &TestApp, browser: &Browser, provider: &str) -> String {
    app.auto_approve(provider, 1).await;
    let authorize = browser.start(provider, "").await;
    browser.authorize(&authorize).await
}

/// Nobody is signed in, no account was made, and the login page explains with `status`.
async fn assert_failed_cleanly(app: &TestApp, browser: &Browser, kind: &str, status: u16) {
    assert!(browser.me().await.is_none(), "nobody is signed in");
    assert_eq!(app.count("users").await, 0, "no account was made");
    assert_eq!(app.count("identities").await, 0, "no identity was stored");
    let page = browser.get(&format!("/login?error={kind}")).await;
    assert_eq!(page.status(), status, "/login?error={kind}");
    let html = page.text().await.expect("HTML");
    assert!(html.contains(&format!(r#"data-error="{kind}""#)), "{html}");
}

#[tokio::test]
async fn cancelling_at_any_provider_says_so() {
    let app = spawn_app().await;
    for provider in PROVIDERS {
        let browser = app.new_browser();
        app.sim("auto-approve", json!({"provider": provider, "deny": true}))
            .await;
        let authorize = browser.start(provider, "").await;
        let callback = browser.authorize(&authorize).await;
        assert_eq!(
            browser.callback(&callback).await,
            "/login?error=cancelled",
            "{provider}"
        );
        assert_failed_cleanly(&app, &browser, "cancelled", 403).await;
    }
}

#[tokio::test]
async fn a_callback_without_a_state_or_with_a_forged_one_is_refused() {
    let app = spawn_app().await;
    let browser = app.browser();
    for provider in PROVIDERS {
        for query in [
            "?code=abc",
            "?code=abc&state=",
            "?code=abc&state=forged0123456789",
        ] {
            assert_eq!(
                browser
                    .callback(&format!("/auth/{provider}/callback{query}"))
                    .await,
                "/login?error=state",
                "{provider}{query}"
            );
        }
    }
    assert_failed_cleanly(&app, &browser, "state", 400).await;
}

#[tokio::test]
async fn garbage_in_the_callback_query_is_a_clear_refusal_not_a_crash() {
    let app = spawn_app().await;
    let browser = app.browser();
    for query in [
        "?code=%FF%FE&state=%00%01",
        "?state=a&state=b&code=c&code=d",
        &format!("?code={}&state={}", "x".repeat(5000), "y".repeat(5000)),
        "?%zz%%=&&&=",
    ] {
        let location = browser.callback(&format!("/auth/qq/callback{query}")).await;
        assert!(location.starts_with("/login?error="), "{query}: {location}");
    }
    assert_failed_cleanly(&app, &browser, "state", 400).await;
}

#[tokio::test]
async fn a_state_from_another_browser_is_refused() {
    let app = spawn_app().await;
    let victim = app.new_browser();
    let attacker = app.new_browser();
    let callback = approved_callback(&app, &victim, "qq").await;
    // The other browser arrives first with the victim's code and state.
    assert_eq!(attacker.callback(&callback).await, "/login?error=state");
    assert!(attacker.me().await.is_none());
    // The victim's own sign-in still works.
    assert_eq!(victim.callback(&callback).await, "/signup");
}

#[tokio::test]
async fn a_state_issued_for_another_provider_is_refused_and_spent() {
    let app = spawn_app().await;
    let browser = app.browser();
    let callback = approved_callback(&app, &browser, "qq").await;
    let code = query_param(&callback, "code").expect("code");
    let state = query_param(&callback, "state").expect("state");
    assert_eq!(
        browser
            .callback(&format!("/auth/weibo/callback?code={code}&state={state}"))
            .await,
        "/login?error=state"
    );
    // Used once, even by a failed attempt: the genuine callback no longer works.
    assert_eq!(browser.callback(&callback).await, "/login?error=state");
    assert_failed_cleanly(&app, &browser, "state", 400).await;
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let app = spawn_app_tuned(&[], |s| s.lifetimes.state = Duration::ZERO).await;
    let browser = app.browser();
    let callback = approved_callback(&app, &browser, "weibo").await;
    assert_eq!(browser.callback(&callback).await, "/login?error=state");
    assert_failed_cleanly(&app, &browser, "state", 400).await;
}

#[tokio::test]
async fn a_state_is_single_use() {
    // With no replay window, a second identical callback is plainly refused.
    let app = spawn_app_tuned(&[], |s| s.lifetimes.replay = Duration::ZERO).await;
    let browser = app.browser();
    let callback = approved_callback(&app, &browser, "qq").await;
    assert_eq!(browser.callback(&callback).await, "/signup");
    assert_eq!(browser.callback(&callback).await, "/login?error=state");
}

#[tokio::test]
async fn a_code_used_before_is_refused_as_invalid() {
    let app = spawn_app().await;
    for provider in PROVIDERS {
        let browser = app.new_browser();
        let first = approved_callback(&app, &browser, provider).await;
        assert_eq!(browser.callback(&first).await, "/signup", "{provider}");
        // A new sign-in, fed the old code.
        let second = approved_callback(&app, &browser, provider).await;
        let old_code = query_param(&first, "code").expect("code");
        let state = query_param(&second, "state").expect("state");
        assert_eq!(
            browser
                .callback(&format!(
                    "/auth/{provider}/callback?code={old_code}&state={state}"
                ))
                .await,
            "/login?error=invalid_code",
            "{provider}"
        );
        assert!(browser.me().await.is_none());
    }
    assert_eq!(app.count("users").await, 0);
    let page = app.get("/login?error=invalid_code").await;
    assert_eq!(page.status(), 400);
}

#[tokio::test]
async fn an_expired_code_is_refused_as_invalid() {
    let app = spawn_app().await;
    for provider in PROVIDERS {
        let browser = app.new_browser();
        let callback = approved_callback(&app, &browser, provider).await;
        app.sim("expire", json!({"kind": "codes"})).await;
        assert_eq!(
            browser.callback(&callback).await,
            "/login?error=invalid_code",
            "{provider}"
        );
        assert_failed_cleanly(&app, &browser, "invalid_code", 400).await;
    }
}

#[tokio::test]
async fn a_provider_outage_says_try_again_later_with_503() {
    let app = spawn_app().await;
    for provider in PROVIDERS {
        let browser = app.new_browser();
        let callback = approved_callback(&app, &browser, provider).await;
        app.sim(
            "faults",
            json!({"endpoint": token_endpoint(provider), "kind": "status", "status": 503}),
        )
        .await;
        assert_eq!(
            browser.callback(&callback).await,
            "/login?error=unavailable",
            "{provider}"
        );
        assert_failed_cleanly(&app, &browser, "unavailable", 503).await;
    }
}

#[tokio::test]
async fn a_provider_slower_than_our_timeout_is_unavailable_and_a_slow_one_is_fine() {
    let app = spawn_app_tuned(&[], |s| {
        // Wide margins either side: a loaded test machine must not turn "slow" into "fine"
        // or "fine" into "slow".
        s.provider_timeouts.total = Duration::from_millis(2_000);
    })
    .await;
    let slow = app.new_browser();
    let callback = approved_callback(&app, &slow, "qq").await;
    app.sim(
        "faults",
        json!({"endpoint": token_endpoint("qq"), "kind": "delay", "delay_ms": 6_000}),
    )
    .await;
    assert_eq!(slow.callback(&callback).await, "/login?error=unavailable");
    assert!(slow.me().await.is_none());

    let patient = app.new_browser();
    let callback = approved_callback(&app, &patient, "weibo").await;
    app.sim(
        "faults",
        json!({"endpoint": token_endpoint("weibo"), "kind": "delay", "delay_ms": 100}),
    )
    .await;
    assert_eq!(patient.callback(&callback).await, "/signup");
}

#[tokio::test]
async fn a_malformed_or_truncated_answer_is_unavailable() {
    let app = spawn_app().await;
    for (provider, kind) in [
        ("wechat", "malformed"),
        ("wechat_mp", "truncated"),
        ("qq", "malformed"),
        ("weibo", "truncated"),
    ] {
        let browser = app.new_browser();
        let callback = approved_callback(&app, &browser, provider).await;
        app.sim(
            "faults",
            json!({"endpoint": profile_endpoint(provider), "kind": kind}),
        )
        .await;
        assert_eq!(
            browser.callback(&callback).await,
            "/login?error=unavailable",
            "{provider} {kind}"
        );
        assert_failed_cleanly(&app, &browser, "unavailable", 503).await;
    }
}

#[tokio::test]
async fn a_wrong_app_secret_is_reported_as_misconfigured() {
    let app = spawn_app().await;
    let browser = app.browser();
    let callback = approved_callback(&app, &browser, "wechat").await;
    // 40125: invalid appsecret, as WeChat says it.
    app.sim(
        "faults",
        json!({"endpoint": token_endpoint("wechat"), "kind": "error", "code": 40125}),
    )
    .await;
    assert_eq!(
        browser.callback(&callback).await,
        "/login?error=misconfigured"
    );
    assert_failed_cleanly(&app, &browser, "misconfigured", 502).await;
}

#[tokio::test]
async fn an_official_account_snapshot_user_is_refused() {
    let app = spawn_app().await;
    let browser = app.browser();
    // Simulator user 5 is a "snapshot page" visitor: a virtual user, not a person.
    app.auto_approve("wechat_mp", 5).await;
    let authorize = browser.start("wechat_mp", "").await;
    let callback = browser.authorize(&authorize).await;
    assert_eq!(browser.callback(&callback).await, "/login?error=refused");
    assert_failed_cleanly(&app, &browser, "refused", 403).await;
}

#[tokio::test]
async fn the_login_page_status_follows_the_error_kind() {
    let app = spawn_app().await;
    for (kind, status) in [
        ("cancelled", 403),
        ("invalid_code", 400),
        ("state", 400),
        ("unavailable", 503),
        ("misconfigured", 502),
        ("refused", 403),
        ("unknown_provider", 404),
        ("server", 503),
        ("no-such-kind", 400),
    ] {
        assert_eq!(
            app.get(&format!("/login?error={kind}")).await.status(),
            status,
            "{kind}"
        );
    }
    assert_eq!(app.get("/login").await.status(), 200);
}

#[tokio::test]
async fn a_refusal_whose_state_cannot_be_spent_is_our_failure_not_a_cancel() {
    let app = spawn_app().await;
    let browser = app.browser();
    let authorize = browser.start("qq", "").await;
    let state = query_param(&authorize, "state").expect("a state");
    // The session store is gone: the refused sign-in's state cannot be spent.
    app.db.close().await;
    let landed = browser
        .callback(&format!("/auth/qq/callback?usercancel=1&state={state}"))
        .await;
    assert_eq!(landed, "/login?error=server");
}
