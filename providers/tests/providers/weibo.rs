//! Sina Weibo against the simulator.

use providers::{AppCredentials, ErrorKind, Gender, ProviderId, TokenSet};
use secrecy::SecretString;
use serde_json::json;
use url::Url;

use crate::harness::{Sim, kind_of, ok, redirect_uri, test_client};

#[tokio::test]
async fn login_from_code_to_profile() {
    let sim = Sim::start().await;
    let weibo = sim.provider(ProviderId::Weibo);
    let user = sim.user(0).await;
    let code = sim.code(weibo.as_ref(), 0).await;

    let tokens = ok(weibo
        .exchange_code(&code, &redirect_uri(ProviderId::Weibo))
        .await);
    assert_eq!(tokens.subject.as_deref(), user["weibo_uid"].as_str());
    assert!(tokens.expires_in.is_some_and(|s| s > 0));
    assert!(tokens.refresh_token.is_none());

    let profile = ok(weibo.fetch_profile(&tokens).await);
    assert_eq!(profile.provider, ProviderId::Weibo);
    assert_eq!(profile.app_id, simulator::WEIBO_APPKEY);
    assert_eq!(Some(profile.subject.as_str()), user["weibo_uid"].as_str());
    assert_eq!(profile.unionid, None);
    assert_eq!(profile.nickname, "张伟");
    assert_eq!(profile.gender, Gender::Male);
    assert!(
        profile
            .avatar_url
            .as_deref()
            .is_some_and(|u| u.contains("size=180"))
    );

    let bare = TokenSet::new(tokens.access_token.clone());
    assert_eq!(
        ok(weibo.fetch_profile(&bare).await).subject,
        profile.subject
    );
}

#[tokio::test]
async fn emoji_names_and_unknown_gender() {
    let sim = Sim::start().await;
    let weibo = sim.provider(ProviderId::Weibo);
    let code = sim.code(weibo.as_ref(), 3).await;
    let tokens = ok(weibo
        .exchange_code(&code, &redirect_uri(ProviderId::Weibo))
        .await);
    let profile = ok(weibo.fetch_profile(&tokens).await);
    assert!(profile.nickname.ends_with("😀😀😀"));
    assert_eq!(profile.gender, Gender::Unknown);
}

#[tokio::test]
async fn codes_redirects_and_credentials() {
    let sim = Sim::start().await;
    let weibo = sim.provider(ProviderId::Weibo);
    let redirect = redirect_uri(ProviderId::Weibo);
    let code = sim.code(weibo.as_ref(), 0).await;
    ok(weibo.exchange_code(&code, &redirect).await);
    let reused = weibo.exchange_code(&code, &redirect).await;
    assert_eq!(reused.as_ref().err().and_then(|e| e.code()), Some(21325));
    assert_eq!(kind_of(reused), ErrorKind::InvalidCode);

    let code = sim.code(weibo.as_ref(), 0).await;
    let elsewhere = Url::parse("http://localhost:3000/auth/weibo/callback").expect("valid");
    let mismatch = weibo.exchange_code(&code, &elsewhere).await;
    assert_eq!(mismatch.as_ref().err().and_then(|e| e.code()), Some(21322));
    assert_eq!(kind_of(mismatch), ErrorKind::Misconfigured);

    let code = sim.code(weibo.as_ref(), 0).await;
    let bad = sim.provider_with(
        ProviderId::Weibo,
        AppCredentials::new(simulator::WEIBO_APPKEY, "x"),
        test_client(),
    );
    assert_eq!(
        kind_of(bad.exchange_code(&code, &redirect).await),
        ErrorKind::Misconfigured
    );

    sim.expire("codes").await;
    assert_eq!(
        kind_of(weibo.exchange_code(&code, &redirect).await),
        ErrorKind::InvalidCode
    );
}

#[tokio::test]
async fn expired_and_invalid_tokens() {
    let sim = Sim::start().await;
    let weibo = sim.provider(ProviderId::Weibo);
    let code = sim.code(weibo.as_ref(), 0).await;
    let tokens = ok(weibo
        .exchange_code(&code, &redirect_uri(ProviderId::Weibo))
        .await);
    sim.expire("access_tokens").await;
    assert_eq!(
        kind_of(weibo.fetch_profile(&tokens).await),
        ErrorKind::TokenExpired
    );
    // A token set without the uid asks get_token_info, which knows no garbage token.
    let garbage = TokenSet::new(SecretString::from("2.00garbage"));
    assert_eq!(
        kind_of(weibo.fetch_profile(&garbage).await),
        ErrorKind::TokenInvalid
    );
    // Web apps get no refresh tokens; trying one means signing in again.
    assert_eq!(
        kind_of(weibo.refresh(&SecretString::from("r")).await),
        ErrorKind::TokenInvalid
    );
}

#[tokio::test]
async fn denying_at_weibo() {
    let sim = Sim::start().await;
    let weibo = sim.provider(ProviderId::Weibo);
    let query = sim
        .authorize(weibo.as_ref(), json!({ "deny": true }), false)
        .await;
    assert_eq!(
        query.get("error").map(String::as_str),
        Some("access_denied")
    );
    let err = weibo.callback_error(&query).expect("a cancel");
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Cancelled, Some(21330))
    );
}
