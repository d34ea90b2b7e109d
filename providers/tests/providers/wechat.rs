//! WeChat website QR login and Official Account authorization against the simulator.

use providers::{AppCredentials, ErrorKind, Gender, ProviderId, TokenSet};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::harness::{Sim, kind_of, ok, redirect_uri, test_client};

#[tokio::test]
async fn website_login_from_code_to_profile_and_refresh() {
    let sim = Sim::start().await;
    let wechat = sim.provider(ProviderId::Wechat);
    let user = sim.user(0).await;
    let code = sim.code(wechat.as_ref(), 0).await;

    let tokens = ok(wechat
        .exchange_code(&code, &redirect_uri(ProviderId::Wechat))
        .await);
    assert_eq!(
        tokens.subject.as_deref(),
        user["wechat_open_openid"].as_str()
    );
    assert_eq!(tokens.unionid.as_deref(), user["unionid"].as_str());
    assert_eq!(tokens.scope.as_deref(), Some("snsapi_login"));
    assert_eq!(tokens.expires_in, Some(7200));
    assert!(tokens.refresh_token.is_some());

    let profile = ok(wechat.fetch_profile(&tokens).await);
    assert_eq!(profile.provider, ProviderId::Wechat);
    assert_eq!(profile.app_id, simulator::WECHAT_OPEN_APPID);
    assert_eq!(
        Some(profile.subject.as_str()),
        user["wechat_open_openid"].as_str()
    );
    assert_eq!(profile.unionid.as_deref(), user["unionid"].as_str());
    assert_eq!(profile.nickname, "张伟");
    assert_eq!(profile.gender, Gender::Male);
    assert!(profile.avatar_url.is_some());
    assert!(profile.raw.get("access_token").is_none());

    let refresh = tokens.refresh_token.clone().expect("a refresh token");
    let renewed = ok(wechat.refresh(&refresh).await);
    assert_ne!(
        renewed.access_token.expose_secret(),
        tokens.access_token.expose_secret()
    );
    assert_eq!(renewed.subject, tokens.subject);
    let again = ok(wechat.fetch_profile(&renewed).await);
    assert_eq!(again.subject, profile.subject);
}

#[tokio::test]
async fn emoji_nicknames_and_missing_avatars_survive() {
    let sim = Sim::start().await;
    let wechat = sim.provider(ProviderId::Wechat);
    let code = sim.code(wechat.as_ref(), 1).await;
    let tokens = ok(wechat
        .exchange_code(&code, &redirect_uri(ProviderId::Wechat))
        .await);
    let profile = ok(wechat.fetch_profile(&tokens).await);
    assert_eq!(profile.nickname, "小红🌸Hóng");
    assert_eq!(profile.gender, Gender::Female);

    let code = sim.code(wechat.as_ref(), 2).await;
    let tokens = ok(wechat
        .exchange_code(&code, &redirect_uri(ProviderId::Wechat))
        .await);
    let profile = ok(wechat.fetch_profile(&tokens).await);
    assert_eq!(profile.nickname, "李雷");
    assert_eq!(profile.avatar_url, None);
    assert_eq!(profile.gender, Gender::Unknown);

    let created = sim
        .control(
            "/control/users",
            json!({ "nickname": "🐼 熊猫 ｐａｎｄａ \u{200d}" }),
        )
        .await;
    let query = sim
        .authorize(wechat.as_ref(), json!({ "user": created["id"] }), false)
        .await;
    let code = query.get("code").expect("a code");
    let tokens = ok(wechat
        .exchange_code(code, &redirect_uri(ProviderId::Wechat))
        .await);
    let profile = ok(wechat.fetch_profile(&tokens).await);
    assert_eq!(profile.nickname, "🐼 熊猫 ｐａｎｄａ \u{200d}");
}

#[tokio::test]
async fn a_code_works_once_and_garbage_never() {
    let sim = Sim::start().await;
    let wechat = sim.provider(ProviderId::Wechat);
    let code = sim.code(wechat.as_ref(), 0).await;
    let redirect = redirect_uri(ProviderId::Wechat);
    ok(wechat.exchange_code(&code, &redirect).await);
    let reused = wechat.exchange_code(&code, &redirect).await;
    assert_eq!(reused.as_ref().err().and_then(|e| e.code()), Some(40163));
    assert_eq!(kind_of(reused), ErrorKind::InvalidCode);
    assert_eq!(
        kind_of(wechat.exchange_code("not-a-code", &redirect).await),
        ErrorKind::InvalidCode
    );
    assert_eq!(
        kind_of(wechat.exchange_code("", &redirect).await),
        ErrorKind::InvalidCode
    );
}

#[tokio::test]
async fn expired_codes_are_invalid() {
    let sim = Sim::start().await;
    let wechat = sim.provider(ProviderId::Wechat);
    let code = sim.code(wechat.as_ref(), 0).await;
    sim.expire("codes").await;
    let result = wechat
        .exchange_code(&code, &redirect_uri(ProviderId::Wechat))
        .await;
    assert_eq!(kind_of(result), ErrorKind::InvalidCode);
}

#[tokio::test]
async fn expired_access_tokens_are_refreshable_and_expired_refresh_tokens_are_not() {
    let sim = Sim::start().await;
    let wechat = sim.provider(ProviderId::Wechat);
    let code = sim.code(wechat.as_ref(), 0).await;
    let tokens = ok(wechat
        .exchange_code(&code, &redirect_uri(ProviderId::Wechat))
        .await);
    sim.expire("access_tokens").await;
    assert_eq!(
        kind_of(wechat.fetch_profile(&tokens).await),
        ErrorKind::TokenExpired
    );

    let refresh = tokens.refresh_token.clone().expect("a refresh token");
    let renewed = ok(wechat.refresh(&refresh).await);
    ok(wechat.fetch_profile(&renewed).await);

    sim.expire("refresh_tokens").await;
    assert_eq!(
        kind_of(wechat.refresh(&refresh).await),
        ErrorKind::TokenInvalid
    );
    assert_eq!(
        kind_of(wechat.refresh(&SecretString::from("garbage")).await),
        ErrorKind::TokenInvalid
    );
}

#[tokio::test]
async fn wrong_app_credentials_are_misconfiguration() {
    let sim = Sim::start().await;
    let good = sim.provider(ProviderId::Wechat);
    let code = sim.code(good.as_ref(), 0).await;
    let redirect = redirect_uri(ProviderId::Wechat);

    let bad_secret = AppCredentials::new(simulator::WECHAT_OPEN_APPID, "wrong-secret");
    let wechat = sim.provider_with(ProviderId::Wechat, bad_secret, test_client());
    let result = wechat.exchange_code(&code, &redirect).await;
    assert_eq!(result.as_ref().err().and_then(|e| e.code()), Some(40125));
    assert_eq!(kind_of(result), ErrorKind::Misconfigured);

    let bad_appid = AppCredentials::new("wxnotregistered", simulator::WECHAT_OPEN_SECRET);
    let wechat = sim.provider_with(ProviderId::Wechat, bad_appid, test_client());
    assert_eq!(
        kind_of(wechat.exchange_code(&code, &redirect).await),
        ErrorKind::Misconfigured
    );
}

#[tokio::test]
async fn a_token_used_for_another_openid_is_invalid() {
    let sim = Sim::start().await;
    let wechat = sim.provider(ProviderId::Wechat);
    let code = sim.code(wechat.as_ref(), 0).await;
    let tokens = ok(wechat
        .exchange_code(&code, &redirect_uri(ProviderId::Wechat))
        .await);
    let other = sim.user(1).await;
    let forged = TokenSet {
        subject: other["wechat_open_openid"].as_str().map(str::to_owned),
        ..tokens
    };
    // The simulator answers 40003 (invalid openid), as WeChat does.
    assert_eq!(
        kind_of(wechat.fetch_profile(&forged).await),
        ErrorKind::TokenInvalid
    );
    let no_openid = TokenSet {
        subject: None,
        ..forged
    };
    assert_eq!(
        kind_of(wechat.fetch_profile(&no_openid).await),
        ErrorKind::TokenInvalid
    );
}

#[tokio::test]
async fn denying_at_wechat_is_a_cancel() {
    let sim = Sim::start().await;
    for id in [ProviderId::Wechat, ProviderId::WechatMp] {
        let wechat = sim.provider(id);
        let query = sim
            .authorize(wechat.as_ref(), json!({ "deny": true }), false)
            .await;
        assert!(!query.contains_key("code"));
        let err = wechat.callback_error(&query).expect("a deny is an error");
        assert_eq!(err.kind(), ErrorKind::Cancelled);
    }
}

#[tokio::test]
async fn official_account_userinfo_shares_the_unionid_not_the_openid() {
    let sim = Sim::start().await;
    let mp = sim.provider(ProviderId::WechatMp);
    let user = sim.user(1).await;
    let code = sim.code(mp.as_ref(), 1).await;
    let tokens = ok(mp
        .exchange_code(&code, &redirect_uri(ProviderId::WechatMp))
        .await);
    assert_eq!(tokens.scope.as_deref(), Some("snsapi_userinfo"));
    let profile = ok(mp.fetch_profile(&tokens).await);
    assert_eq!(profile.provider, ProviderId::WechatMp);
    assert_eq!(profile.app_id, simulator::WECHAT_MP_APPID);
    assert_eq!(
        Some(profile.subject.as_str()),
        user["wechat_mp_openid"].as_str()
    );
    assert_ne!(user["wechat_mp_openid"], user["wechat_open_openid"]);
    assert_eq!(profile.unionid.as_deref(), user["unionid"].as_str());
    assert_eq!(profile.nickname, "小红🌸Hóng");
}

#[tokio::test]
async fn a_known_user_signs_in_silently_without_userinfo() {
    let sim = Sim::start().await;
    let mp = sim.provider(ProviderId::WechatMp);
    let user = sim.user(0).await;
    let code = sim.code_as(mp.as_ref(), 0, true).await;
    let tokens = ok(mp
        .exchange_code(&code, &redirect_uri(ProviderId::WechatMp))
        .await);
    assert_eq!(tokens.scope.as_deref(), Some("snsapi_base"));
    let profile = ok(mp.fetch_profile(&tokens).await);
    assert_eq!(
        Some(profile.subject.as_str()),
        user["wechat_mp_openid"].as_str()
    );
    assert_eq!(profile.nickname, "");
    assert_eq!(profile.gender, Gender::Unknown);
    let called_userinfo = sim.requests().await.iter().any(|r| {
        r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/sns/userinfo"))
    });
    assert!(
        !called_userinfo,
        "a snsapi_base token must never reach /sns/userinfo"
    );
}

#[tokio::test]
async fn snapshot_users_are_refused() {
    let sim = Sim::start().await;
    let mp = sim.provider(ProviderId::WechatMp);
    let snapshot = sim.user(4).await;
    assert_eq!(snapshot["snapshot"], json!(true));
    let code = sim.code(mp.as_ref(), 4).await;
    let result = mp
        .exchange_code(&code, &redirect_uri(ProviderId::WechatMp))
        .await;
    assert_eq!(kind_of(result), ErrorKind::Refused);
}
