//! Returning users, linking and unlinking sign-in methods, the profile, signing out.

use chrono::Utc;
use denglu::entities::{identity, identity_app_openid};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, Statement,
};
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, location, query_param, spawn_app};

const PROVIDERS: [&str; 4] = ["wechat", "wechat_mp", "qq", "weibo"];

fn providers_of(me: &Value) -> Vec<String> {
    me["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter_map(|i| i["provider"].as_str().map(str::to_string))
        .collect()
}

async fn identity_id(app: &TestApp, user_id: i64, provider: &str) -> i64 {
    identity::Entity::find()
        .filter(identity::Column::UserId.eq(user_id))
        .filter(identity::Column::Provider.eq(provider))
        .one(&app.db.conn)
        .await
        .expect("query")
        .expect("a linked identity")
        .id
}

async fn unlink(browser: &Browser, id: i64) -> reqwest::Response {
    browser
        .call("account/unlink", &[("identity_id", &id.to_string())])
        .await
}

#[tokio::test]
async fn a_returning_user_signs_in_again_at_every_provider() {
    let app = spawn_app().await;
    for (n, provider) in PROVIDERS.into_iter().enumerate() {
        let user = n as u64 + 1;
        let browser = app.new_browser();
        let id = browser
            .sign_up(&app, provider, user, &format!("returning_{n}"))
            .await;
        assert_eq!(browser.sign_out().await.status(), 200, "{provider}");
        assert!(browser.me().await.is_none(), "{provider}: signed out");

        assert_eq!(
            browser.sign_in_with(&app, provider, user).await,
            "/account",
            "{provider}: a known identity goes straight in"
        );
        assert_eq!(browser.me().await.expect("signed in")["id"], id);
        // And to where it was asked to go.
        browser.sign_out().await;
        assert_eq!(
            browser
                .sign_in_with_query(&app, provider, user, "?next=/account%3Ftab%3D2")
                .await,
            "/account?tab=2"
        );
    }
    assert_eq!(app.count("users").await, 4);
}

#[tokio::test]
async fn next_is_only_ever_a_path_on_this_site() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.sign_up(&app, "qq", 1, "next_tester").await;
    browser.sign_out().await;
    for evil in [
        "//evil.example/",
        "/%5Cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil",
    ] {
        let landed = browser
            .sign_in_with_query(&app, "qq", 1, &format!("?next={evil}"))
            .await;
        assert_eq!(landed, "/account", "next={evil}");
        browser.sign_out().await;
    }
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_sign_out() {
    let app = spawn_app().await;
    let browser = app.browser();

    // Completing the profile signs in: a new session id.
    assert_eq!(browser.sign_in_with(&app, "weibo", 1).await, "/signup");
    let before_signup = browser.session_id().expect("a session");
    browser.complete_signup("rotating", "Rotating", "").await;
    let after_signup = browser.session_id().expect("a session");
    assert_ne!(before_signup, after_signup);

    // Signing out deletes the session: the old id no longer means anyone.
    assert_eq!(browser.sign_out().await.status(), 200);
    assert_ne!(browser.session_id(), Some(after_signup.clone()));
    let replayed = app
        .new_browser()
        .client
        .get(app.url("/api/me"))
        .header("cookie", format!("denglu_session={after_signup}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(replayed.status(), 401);

    // A returning sign-in: the id planted before the callback is not the one signed in.
    // (Starting a sign-in makes no session; a page that holds a QR ticket does.)
    browser.get("/login/qr").await;
    app.auto_approve("weibo", 1).await;
    let callback = browser.authorize(&browser.start("weibo", "").await).await;
    let planted = browser.session_id().expect("a session for the state");
    assert_eq!(browser.callback(&callback).await, "/account");
    let signed_in = browser.session_id().expect("a session");
    assert_ne!(planted, signed_in);
    let replayed = app
        .new_browser()
        .client
        .get(app.url("/api/me"))
        .header("cookie", format!("denglu_session={planted}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(replayed.status(), 401, "the pre-login id is dead");
}

#[tokio::test]
async fn sign_out_is_a_post_and_ends_the_session() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.sign_up(&app, "qq", 2, "poster").await;
    let by_get = browser.get("/api/account/sign_out").await;
    assert!(!by_get.status().is_success(), "{}", by_get.status());
    assert!(browser.me().await.is_some(), "a GET does not sign out");
    // Without the wasm: the form posts and the browser goes to the login page.
    let plain = browser
        .post_plain("account/sign_out", "/account", &[])
        .await;
    assert_eq!(plain.status(), 302);
    assert_eq!(location(&plain), "/login");
    assert!(browser.me().await.is_none());
}

#[tokio::test]
async fn the_account_page_needs_a_signed_in_session() {
    let app = spawn_app().await;
    let response = app.get("/account").await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/login?next=/account");
}

#[tokio::test]
async fn the_account_page_shows_the_profile_and_linked_methods_in_both_languages() {
    let app = spawn_app().await;
    let browser = app.browser_speaking("en");
    browser.sign_up(&app, "qq", 1, "shown_user").await;
    let html = browser.get("/account").await.text().await.expect("HTML");
    assert!(html.contains(r#"data-username="shown_user""#), "{html}");
    assert!(html.contains(r#"data-identity="qq""#));
    assert!(html.contains("张伟"), "the QQ nickname");
    assert!(
        html.contains(r#"data-link="weibo""#),
        "offers to link the others"
    );
    assert!(!html.contains(r#"data-link="qq""#), "not the linked one");
    assert!(html.contains(r#"href="/auth/weibo/start?link=1&amp;next=/account""#));
    assert!(html.contains("Sign out"));
    assert!(
        html.contains(r#"data-signed-in="shown_user""#),
        "the header says who"
    );

    let chinese = app.new_browser();
    chinese.sign_up(&app, "weibo", 2, "zh_user").await;
    let html = chinese.get("/account").await.text().await.expect("HTML");
    assert!(html.contains("退出登录"));
    assert!(html.contains("关联微博") || html.contains("关联QQ"));
}

#[tokio::test]
async fn a_signed_in_user_links_another_provider() {
    let app = spawn_app().await;
    let browser = app.browser();
    let id = browser.sign_up(&app, "qq", 1, "linker").await;
    for provider in ["weibo", "wechat"] {
        assert_eq!(
            browser
                .sign_in_with_query(&app, provider, 1, "?link=1&next=/account")
                .await,
            "/account?notice=linked",
            "{provider}"
        );
    }
    let me = browser.me().await.expect("signed in");
    assert_eq!(me["id"], id);
    assert_eq!(providers_of(&me), ["qq", "weibo", "wechat"]);
    // Linking the same one again is harmless.
    assert_eq!(
        browser.sign_in_with(&app, "weibo", 1).await,
        "/account",
        "already linked: goes on as asked"
    );
    assert_eq!(app.count("identities").await, 3);
    // Now it signs in with any of them.
    browser.sign_out().await;
    assert_eq!(browser.sign_in_with(&app, "wechat", 1).await, "/account");
    assert_eq!(browser.me().await.expect("signed in")["id"], id);
}

#[tokio::test]
async fn linking_refuses_an_identity_that_belongs_to_another_user() {
    let app = spawn_app().await;
    let alice = app.new_browser();
    let alice_id = alice.sign_up(&app, "qq", 1, "alice").await;
    let bob = app.new_browser();
    let bob_id = bob.sign_up(&app, "weibo", 2, "bob").await;
    // Bob tries to link Alice's QQ.
    assert_eq!(
        bob.sign_in_with_query(&app, "qq", 1, "?link=1").await,
        "/account?error=identity_taken"
    );
    let me = bob.me().await.expect("Bob is still signed in as Bob");
    assert_eq!(me["id"], bob_id);
    assert_eq!(providers_of(&me), ["weibo"]);
    let page = bob
        .get("/account?error=identity_taken")
        .await
        .text()
        .await
        .expect("HTML");
    assert!(page.contains(r#"data-account-notice="identity_taken""#));
    // Alice still has it.
    assert!(identity_id(&app, alice_id, "qq").await > 0);
    assert_eq!(app.count("identities").await, 2);
}

#[tokio::test]
async fn unlinking_works_but_never_for_the_last_method() {
    let app = spawn_app().await;
    let browser = app.browser();
    let id = browser.sign_up(&app, "qq", 1, "unlinker").await;
    browser
        .sign_in_with_query(&app, "weibo", 1, "?link=1")
        .await;
    let weibo = identity_id(&app, id, "weibo").await;
    let qq = identity_id(&app, id, "qq").await;

    assert_eq!(unlink(&browser, weibo).await.status(), 200);
    assert_eq!(
        providers_of(&browser.me().await.expect("signed in")),
        ["qq"]
    );

    let refused = unlink(&browser, qq).await;
    assert_eq!(refused.status(), 400);
    let error: Value = refused.json().await.expect("JSON");
    assert_eq!(error, json!({"Refused": "account-unlink-last"}));
    assert_eq!(
        providers_of(&browser.me().await.expect("signed in")),
        ["qq"]
    );

    // Without the wasm, the refusal is shown on the page.
    let plain = browser
        .post_plain(
            "account/unlink",
            "/account",
            &[("identity_id", &qq.to_string())],
        )
        .await;
    let back = location(&plain);
    assert!(query_param(&back, "__err").is_some(), "{back}");
    let html = browser.get(&back).await.text().await.expect("HTML");
    assert!(
        html.contains(r#"data-form-error="account-unlink-last""#),
        "{html}"
    );
}

#[tokio::test]
async fn nobody_unlinks_an_identity_of_another_account() {
    let app = spawn_app().await;
    let alice = app.new_browser();
    let alice_id = alice.sign_up(&app, "qq", 1, "alice2").await;
    alice.sign_in_with_query(&app, "weibo", 1, "?link=1").await;
    let bob = app.new_browser();
    bob.sign_up(&app, "qq", 2, "bob2").await;
    let alices = identity_id(&app, alice_id, "weibo").await;
    let refused = unlink(&bob, alices).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(app.count("identities").await, 3);
    // And nobody unlinks anything signed out.
    let stranger = app.new_browser();
    assert_eq!(unlink(&stranger, alices).await.status(), 401);
}

#[tokio::test]
async fn wechat_website_then_official_account_is_one_account() {
    let app = spawn_app().await;
    let browser = app.browser();
    let id = browser.sign_up(&app, "wechat", 1, "wx_person").await;
    browser.sign_out().await;
    // Inside WeChat, through the Official Account: another openid, the same unionid.
    let phone = app.new_browser();
    assert_eq!(phone.sign_in_with(&app, "wechat_mp", 1).await, "/account");
    let me = phone.me().await.expect("signed in");
    assert_eq!(me["id"], id);
    assert_eq!(providers_of(&me), ["wechat", "wechat_mp"]);
    assert_eq!(app.count("users").await, 1);
    // Both app openids are kept.
    assert_eq!(app.count("identity_app_openids").await, 2);
}

#[tokio::test]
async fn official_account_then_wechat_website_is_one_account() {
    let app = spawn_app().await;
    let phone = app.browser();
    let id = phone.sign_up(&app, "wechat_mp", 2, "mp_first").await;
    let laptop = app.new_browser();
    assert_eq!(laptop.sign_in_with(&app, "wechat", 2).await, "/account");
    assert_eq!(laptop.me().await.expect("signed in")["id"], id);
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn a_unionid_seen_for_the_first_time_is_attached_not_a_second_account() {
    let app = spawn_app().await;
    let browser = app.browser();
    // An account whose Official Account identity is known only by its openid (from a
    // silent snsapi_base sign-in, which gives no unionid).
    let id = browser.sign_up(&app, "qq", 3, "openid_only").await;
    let sim_user = app.sim_user(3).await;
    let openid = sim_user["wechat_mp_openid"]
        .as_str()
        .expect("openid")
        .to_string();
    let unionid = sim_user["unionid"].as_str().expect("unionid").to_string();
    let now = Utc::now();
    let known = identity::ActiveModel {
        user_id: Set(id),
        provider: Set("wechat_mp".into()),
        subject: Set(openid.clone()),
        unionid: Set(None),
        app_id: Set(simulator::WECHAT_MP_APPID.into()),
        display_name: Set(String::new()),
        avatar_url: Set(None),
        profile: Set(json!({"openid": openid})),
        access_token_sealed: Set(None),
        refresh_token_sealed: Set(None),
        expires_at: Set(None),
        created_at: Set(now),
        last_login_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.conn)
    .await
    .expect("identity");
    identity_app_openid::ActiveModel {
        identity_id: Set(known.id),
        app_id: Set(simulator::WECHAT_MP_APPID.into()),
        openid: Set(openid.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.conn)
    .await
    .expect("app openid");
    browser.sign_out().await;

    // Now the same person signs in with the userinfo scope: the unionid appears.
    assert_eq!(browser.sign_in_with(&app, "wechat_mp", 3).await, "/account");
    assert_eq!(browser.me().await.expect("signed in")["id"], id);
    let updated = identity::Entity::find_by_id(known.id)
        .one(&app.db.conn)
        .await
        .expect("query")
        .expect("still there");
    assert_eq!(updated.subject, unionid);
    assert_eq!(updated.unionid.as_deref(), Some(unionid.as_str()));
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("identities").await, 2);
    // And the website app now finds the same account through the unionid.
    let laptop = app.new_browser();
    assert_eq!(laptop.sign_in_with(&app, "wechat", 3).await, "/account");
    assert_eq!(laptop.me().await.expect("signed in")["id"], id);
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in() {
    let app = spawn_app().await;
    let browser = app.browser();
    let id = browser.sign_up(&app, "weibo", 1, "disabled").await;
    browser.sign_out().await;
    app.db
        .conn
        .execute(Statement::from_string(
            app.db.conn.get_database_backend(),
            format!("UPDATE users SET status = 'disabled' WHERE id = {id}"),
        ))
        .await
        .expect("update");
    assert_eq!(
        browser.sign_in_with(&app, "weibo", 1).await,
        "/login?error=refused"
    );
    assert!(browser.me().await.is_none());
}

#[tokio::test]
async fn the_profile_can_be_edited_and_bad_values_are_refused() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.sign_up(&app, "qq", 1, "editor").await;
    let saved = browser
        .call(
            "account/profile",
            &[("display_name", "新名字 <i>"), ("email", "new@example.org")],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let me = browser.me().await.expect("signed in");
    assert_eq!(me["display_name"], "新名字 <i>");
    assert_eq!(me["email"], "new@example.org");

    let refused = browser
        .call(
            "account/profile",
            &[("display_name", &"x".repeat(65)), ("email", "nope")],
        )
        .await;
    assert_eq!(refused.status(), 400);
    let error: Value = refused.json().await.expect("JSON");
    assert_eq!(
        error["Invalid"]["errors"],
        json!([
            ["display_name", "field-display-name-too-long"],
            ["email", "field-email-invalid"]
        ])
    );
    assert_eq!(
        browser.me().await.expect("signed in")["display_name"],
        "新名字 <i>"
    );
    // Clearing the email is allowed.
    browser
        .call("account/profile", &[("display_name", "N"), ("email", "")])
        .await;
    assert_eq!(browser.me().await.expect("signed in")["email"], Value::Null);
    // Signed out, nothing changes.
    let stranger = app.new_browser();
    let response = stranger
        .call(
            "account/profile",
            &[("display_name", "hijack"), ("email", "")],
        )
        .await;
    assert_eq!(response.status(), 401);
}
