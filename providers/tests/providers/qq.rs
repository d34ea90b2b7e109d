//! QQ Connect against the simulator.

use providers::{AppCredentials, ErrorKind, Gender, ProviderId, TokenSet};
use secrecy::SecretString;
use serde_json::json;
use url::Url;

use crate::harness::{Sim, kind_of, ok, redirect_uri, test_client};

#[tokio::test]
async fn login_from_code_to_profile_and_refresh() {
    let sim = Sim::start().await;
    let qq = sim.provider(ProviderId::Qq);
    let user = sim.user(1).await;
    let code = sim.code(qq.as_ref(), 1).await;

    let tokens = ok(qq.exchange_code(&code, &redirect_uri(ProviderId::Qq)).await);
    assert_eq!(tokens.subject.as_deref(), user["qq_openid"].as_str());
    assert_eq!(tokens.unionid.as_deref(), user["qq_unionid"].as_str());
    assert!(tokens.expires_in.is_some_and(|s| s > 0));

    let profile = ok(qq.fetch_profile(&tokens).await);
    assert_eq!(profile.provider, ProviderId::Qq);
    assert_eq!(profile.app_id, simulator::QQ_APPID);
    assert_eq!(Some(profile.subject.as_str()), user["qq_openid"].as_str());
    assert_eq!(profile.unionid.as_deref(), user["qq_unionid"].as_str());
    assert_eq!(profile.nickname, "小红🌸Hóng");
    assert_eq!(profile.gender, Gender::Female);
    assert!(
        profile
            .avatar_url
            .as_deref()
            .is_some_and(|u| u.contains("size=100"))
    );

    // A token set without the openid (as loaded from storage) asks /me first.
    let bare = TokenSet::new(tokens.access_token.clone());
    assert_eq!(ok(qq.fetch_profile(&bare).await).subject, profile.subject);

    // QQ refresh tokens are single-use.
    let refresh = tokens.refresh_token.clone().expect("a refresh token");
    let renewed = ok(qq.refresh(&refresh).await);
    assert_eq!(renewed.subject, tokens.subject);
    ok(qq.fetch_profile(&renewed).await);
    assert_eq!(kind_of(qq.refresh(&refresh).await), ErrorKind::TokenInvalid);
    assert_eq!(
        kind_of(qq.refresh(&SecretString::from("nope")).await),
        ErrorKind::TokenInvalid
    );
}

#[tokio::test]
async fn a_missing_100px_avatar_falls_back_to_40px() {
    let sim = Sim::start().await;
    let qq = sim.provider(ProviderId::Qq);
    let code = sim.code(qq.as_ref(), 2).await;
    let tokens = ok(qq.exchange_code(&code, &redirect_uri(ProviderId::Qq)).await);
    let profile = ok(qq.fetch_profile(&tokens).await);
    assert_eq!(profile.nickname, "李雷");
    assert!(
        profile
            .avatar_url
            .as_deref()
            .is_some_and(|u| u.contains("size=40"))
    );
}

#[tokio::test]
async fn reused_codes_and_wrong_redirects() {
    let sim = Sim::start().await;
    let qq = sim.provider(ProviderId::Qq);
    let redirect = redirect_uri(ProviderId::Qq);
    let code = sim.code(qq.as_ref(), 0).await;
    ok(qq.exchange_code(&code, &redirect).await);
    let reused = qq.exchange_code(&code, &redirect).await;
    assert_eq!(reused.as_ref().err().and_then(|e| e.code()), Some(100020));
    assert_eq!(kind_of(reused), ErrorKind::InvalidCode);
    assert_eq!(
        kind_of(qq.exchange_code("bogus", &redirect).await),
        ErrorKind::InvalidCode
    );

    let code = sim.code(qq.as_ref(), 0).await;
    let elsewhere = Url::parse("http://127.0.0.1:3000/somewhere/else").expect("valid");
    assert_eq!(
        kind_of(qq.exchange_code(&code, &elsewhere).await),
        ErrorKind::Misconfigured
    );

    let code = sim.code(qq.as_ref(), 0).await;
    sim.expire("codes").await;
    assert_eq!(
        kind_of(qq.exchange_code(&code, &redirect).await),
        ErrorKind::InvalidCode
    );
}

#[tokio::test]
async fn a_wrong_appkey_is_misconfiguration() {
    let sim = Sim::start().await;
    let good = sim.provider(ProviderId::Qq);
    let code = sim.code(good.as_ref(), 0).await;
    let bad = sim.provider_with(
        ProviderId::Qq,
        AppCredentials::new(simulator::QQ_APPID, "wrong"),
        test_client(),
    );
    let result = bad
        .exchange_code(&code, &redirect_uri(ProviderId::Qq))
        .await;
    assert_eq!(result.as_ref().err().and_then(|e| e.code()), Some(100009));
    assert_eq!(kind_of(result), ErrorKind::Misconfigured);
}

#[tokio::test]
async fn expired_access_tokens() {
    let sim = Sim::start().await;
    let qq = sim.provider(ProviderId::Qq);
    let code = sim.code(qq.as_ref(), 0).await;
    let tokens = ok(qq.exchange_code(&code, &redirect_uri(ProviderId::Qq)).await);
    sim.expire("access_tokens").await;
    assert_eq!(
        kind_of(qq.fetch_profile(&tokens).await),
        ErrorKind::TokenExpired
    );
    // A token set without the openid asks /me, which knows no garbage token.
    let garbage = TokenSet::new(SecretString::from("garbage"));
    assert_eq!(
        kind_of(qq.fetch_profile(&garbage).await),
        ErrorKind::TokenInvalid
    );
}

#[tokio::test]
async fn no_unionid_permission_retries_me_without_it() {
    let sim = Sim::start().await;
    let qq = sim.provider(ProviderId::Qq);
    let code = sim.code(qq.as_ref(), 0).await;
    sim.fault(
        "graph.qq.com/oauth2.0/me",
        json!({ "kind": "error", "code": 100048 }),
    )
    .await;
    let tokens = ok(qq.exchange_code(&code, &redirect_uri(ProviderId::Qq)).await);
    assert!(tokens.subject.is_some());
    assert_eq!(tokens.unionid, None);

    // Without the permission at all, the retry fails the same way: a misconfigured app.
    sim.fault(
        "graph.qq.com/oauth2.0/me",
        json!({ "kind": "error", "code": 100049, "count": 2 }),
    )
    .await;
    let bare = TokenSet::new(tokens.access_token.clone());
    assert_eq!(
        kind_of(qq.fetch_profile(&bare).await),
        ErrorKind::Misconfigured
    );
}

#[tokio::test]
async fn user_info_refusals() {
    let sim = Sim::start().await;
    let qq = sim.provider(ProviderId::Qq);
    let code = sim.code(qq.as_ref(), 0).await;
    let tokens = ok(qq.exchange_code(&code, &redirect_uri(ProviderId::Qq)).await);
    let endpoint = "graph.qq.com/user/get_user_info";
    sim.fault(endpoint, json!({ "kind": "error", "code": 100030 }))
        .await;
    assert_eq!(
        kind_of(qq.fetch_profile(&tokens).await),
        ErrorKind::Cancelled
    );
    sim.fault(endpoint, json!({ "kind": "error", "code": 100050 }))
        .await;
    assert_eq!(kind_of(qq.fetch_profile(&tokens).await), ErrorKind::Refused);
    sim.fault(endpoint, json!({ "kind": "error", "code": 100016 }))
        .await;
    assert_eq!(
        kind_of(qq.fetch_profile(&tokens).await),
        ErrorKind::TokenInvalid
    );
    ok(qq.fetch_profile(&tokens).await);
}

#[tokio::test]
async fn cancelling_at_qq() {
    let sim = Sim::start().await;
    let qq = sim.provider(ProviderId::Qq);
    let query = sim
        .authorize(qq.as_ref(), json!({ "deny": true }), false)
        .await;
    let err = qq.callback_error(&query).expect("a cancel");
    assert_eq!(err.kind(), ErrorKind::Cancelled);
}
