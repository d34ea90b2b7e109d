//! Provider tokens: sealed at rest, never shown, and renewed by "refresh profile".

use denglu::auth::sealing::{Purpose, TokenSealer};
use denglu::entities::identity;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, spawn_app_with};

const SECRET: &str = "a-test-secret-that-is-long-enough-for-denglu";

async fn app() -> TestApp {
    spawn_app_with(&[("DENGLU_SECRET", SECRET)]).await
}

fn sealer() -> TokenSealer {
    TokenSealer::from_secret(&SecretString::from(SECRET))
}

async fn stored(app: &TestApp, user_id: i64, provider: &str) -> identity::Model {
    identity::Entity::find()
        .filter(identity::Column::UserId.eq(user_id))
        .filter(identity::Column::Provider.eq(provider))
        .one(&app.db.conn)
        .await
        .expect("query")
        .expect("an identity")
}

/// The plain access token behind a stored identity.
fn access_token(identity: &identity::Model) -> String {
    let sealed = identity
        .access_token_sealed
        .as_deref()
        .expect("an access token is stored");
    sealer()
        .open(Purpose::AccessToken, sealed)
        .expect("sealed with DENGLU_SECRET")
        .expose_secret()
        .to_string()
}

async fn refresh(browser: &Browser, identity: &identity::Model) -> reqwest::Response {
    browser
        .call(
            "account/refresh",
            &[("identity_id", &identity.id.to_string())],
        )
        .await
}

#[tokio::test]
async fn tokens_are_sealed_in_the_database_and_never_reach_the_browser() {
    let app = app().await;
    let browser = app.browser();
    let mut seen = Vec::new();

    app.auto_approve("qq", 1).await;
    let authorize = browser.start("qq", "").await;
    let callback = browser.authorize(&authorize).await;
    seen.extend([authorize, callback.clone()]);
    seen.push(browser.callback(&callback).await);
    seen.push(browser.get("/signup").await.text().await.expect("HTML"));
    let completed = browser.complete_signup("sealed", "Sealed", "").await;
    seen.push(format!("{:?}", completed.headers()));
    seen.push(completed.text().await.expect("body"));
    let me = browser.me().await.expect("signed in");
    seen.push(me.to_string());
    seen.push(browser.get("/account").await.text().await.expect("HTML"));
    seen.push(browser.session_id().expect("a session"));

    let identity = stored(&app, me["id"].as_i64().expect("id"), "qq").await;
    let token = access_token(&identity);
    assert!(token.len() >= 16, "a real token: {token}");
    let sealed = identity.access_token_sealed.clone().expect("sealed");
    assert!(
        !sealed.windows(token.len()).any(|w| w == token.as_bytes()),
        "the column does not hold the token in the clear"
    );
    let refresh_token = sealer()
        .open(
            Purpose::RefreshToken,
            identity
                .refresh_token_sealed
                .as_deref()
                .expect("QQ gives a refresh token"),
        )
        .expect("sealed");
    // It is the real token: the provider accepts it.
    let who: Value = app
        .client
        .get(app.url(&format!(
            "/_sim/graph.qq.com/oauth2.0/me?access_token={token}&fmt=json"
        )))
        .send()
        .await
        .expect("simulator")
        .json()
        .await
        .expect("JSON");
    assert_eq!(who["client_id"], simulator::QQ_APPID);
    for text in &seen {
        assert!(
            !text.contains(&token),
            "the access token leaked into {text}"
        );
        assert!(
            !text.contains(refresh_token.expose_secret()),
            "the refresh token leaked into {text}"
        );
    }
}

#[tokio::test]
async fn refresh_renews_an_expired_token_and_updates_the_profile() {
    let app = app().await;
    for (n, provider) in ["qq", "wechat", "wechat_mp"].into_iter().enumerate() {
        let browser = app.new_browser();
        let user_id = browser
            .sign_up(&app, provider, n as u64 + 1, &format!("refresher{n}"))
            .await;
        let before = stored(&app, user_id, provider).await;
        // Still valid: the profile is read with the stored token as it is.
        assert_eq!(refresh(&browser, &before).await.status(), 200, "{provider}");
        assert_eq!(
            access_token(&stored(&app, user_id, provider).await),
            access_token(&before)
        );

        app.sim("expire", json!({"kind": "access_tokens"})).await;
        let response = refresh(&browser, &before).await;
        assert_eq!(response.status(), 200, "{provider}");
        let after = stored(&app, user_id, provider).await;
        assert_ne!(
            access_token(&after),
            access_token(&before),
            "{provider}: a new access token was stored"
        );
        assert_eq!(
            after.last_login_at, before.last_login_at,
            "a refresh is not a login"
        );
        assert!(!after.display_name.is_empty());
    }
}

#[tokio::test]
async fn a_token_that_cannot_be_renewed_asks_to_sign_in_again() {
    let app = app().await;
    // Weibo gives web apps no refresh token.
    let browser = app.browser();
    let user_id = browser.sign_up(&app, "weibo", 1, "weibo_user").await;
    let identity = stored(&app, user_id, "weibo").await;
    assert!(identity.refresh_token_sealed.is_none());
    app.sim("expire", json!({"kind": "access_tokens"})).await;
    let response = refresh(&browser, &identity).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.expect("JSON"),
        json!({"Refused": "account-refresh-sign-in"})
    );

    // QQ with both tokens expired: the same.
    let other = app.new_browser();
    let user_id = other.sign_up(&app, "qq", 2, "qq_user").await;
    let identity = stored(&app, user_id, "qq").await;
    app.sim("expire", json!({"kind": "access_tokens"})).await;
    app.sim("expire", json!({"kind": "refresh_tokens"})).await;
    let response = refresh(&other, &identity).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.expect("JSON"),
        json!({"Refused": "account-refresh-sign-in"})
    );
    // Signing in again stores a fresh token, and refresh works again.
    other.sign_out().await;
    other.sign_in_with(&app, "qq", 2).await;
    assert_eq!(refresh(&other, &identity).await.status(), 200);
}

#[tokio::test]
async fn a_provider_outage_during_refresh_is_a_clear_message() {
    let app = app().await;
    let browser = app.browser();
    let user_id = browser.sign_up(&app, "qq", 1, "outage").await;
    let identity = stored(&app, user_id, "qq").await;
    app.sim(
        "faults",
        json!({"endpoint": "graph.qq.com/user/get_user_info", "kind": "status", "status": 503}),
    )
    .await;
    let response = refresh(&browser, &identity).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.expect("JSON"),
        json!({"Refused": "account-refresh-unavailable"})
    );
    // Someone else's identity cannot be refreshed.
    let stranger = app.new_browser();
    stranger.sign_up(&app, "weibo", 2, "stranger").await;
    assert_eq!(refresh(&stranger, &identity).await.status(), 400);
}
