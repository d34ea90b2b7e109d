//! A first login: the verified identity waits in the session for its profile, and nothing is
//! written to the database until the person completes it.

use crate::helpers::spawn_app;

const PROVIDERS: [&str; 4] = ["wechat", "wechat_mp", "qq", "weibo"];

#[tokio::test]
async fn a_first_login_at_any_provider_goes_to_profile_completion_and_stores_nothing() {
    let app = spawn_app().await;
    for provider in PROVIDERS {
        let browser = app.new_browser();
        assert_eq!(
            browser.sign_in_with(&app, provider, 2).await,
            "/signup",
            "{provider}"
        );
        assert!(
            browser.me().await.is_none(),
            "not signed in before the profile"
        );
    }
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("identities").await, 0);
}

#[tokio::test]
async fn wechats_double_redirect_lands_where_the_first_callback_did() {
    let app = spawn_app().await;
    let browser = app.browser();
    app.auto_approve("wechat", 1).await;
    let authorize = browser.start("wechat", "").await;
    let callback = browser.authorize(&authorize).await;
    assert_eq!(browser.callback(&callback).await, "/signup");
    // The same code and state again a moment later: no "code been used" page.
    assert_eq!(browser.callback(&callback).await, "/signup");
}

#[tokio::test]
async fn simultaneous_callbacks_with_one_code_exchange_it_once() {
    let app = spawn_app().await;
    let browser = app.browser();
    app.auto_approve("wechat_mp", 2).await;
    let authorize = browser.start("wechat_mp", "").await;
    let callback = browser.authorize(&authorize).await;
    // Several at once, so that some read the session before the first saves the spent state
    // and some after.
    let twins = futures::future::join_all((0..6).map(|_| browser.callback(&callback))).await;
    assert_eq!(twins, vec!["/signup"; 6]);
    assert_eq!(
        browser.get("/signup").await.status(),
        200,
        "no twin saved its copy of the session over the pending profile"
    );
    let exchanges = app
        .client
        .get(app.url("/_sim/control/requests"))
        .send()
        .await
        .expect("the simulator answers")
        .json::<Vec<serde_json::Value>>()
        .await
        .expect("JSON")
        .into_iter()
        .filter(|r| {
            r.to_string()
                .contains("api.weixin.qq.com/sns/oauth2/access_token")
        })
        .count();
    assert_eq!(exchanges, 1, "the code was exchanged once");
}

#[tokio::test]
async fn sign_ins_started_in_two_tabs_both_complete() {
    let app = spawn_app().await;
    let browser = app.browser();
    app.auto_approve("qq", 1).await;
    let first_tab = browser.authorize(&browser.start("qq", "").await).await;
    let session = browser
        .session_id()
        .expect("a session after the first start");
    app.auto_approve("weibo", 1).await;
    let second_tab = browser.authorize(&browser.start("weibo", "").await).await;
    assert_eq!(
        browser.session_id(),
        Some(session),
        "one session, two states"
    );
    assert_eq!(browser.callback(&first_tab).await, "/signup");
    assert_eq!(browser.callback(&second_tab).await, "/signup");
}

#[tokio::test]
async fn simultaneous_callbacks_of_a_returning_person_leave_them_signed_in() {
    let app = spawn_app().await;
    let first_visit = app.new_browser();
    let user_id = first_visit.sign_up(&app, "wechat_mp", 2, "twins").await;
    let browser = app.new_browser();
    app.auto_approve("wechat_mp", 2).await;
    let authorize = browser.start("wechat_mp", "").await;
    let callback = browser.authorize(&authorize).await;
    let twins = futures::future::join_all((0..6).map(|_| browser.callback(&callback))).await;
    assert_eq!(twins, vec!["/account"; 6]);
    // A twin that saved its copy would bring back the session id the sign-in retired.
    let me = browser.me().await.expect("signed in after the twins");
    assert_eq!(me["id"], user_id);
}
