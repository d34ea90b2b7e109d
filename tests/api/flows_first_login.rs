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
async fn sign_ins_started_in_two_tabs_both_complete() {
    let app = spawn_app().await;
    let browser = app.browser();
    app.auto_approve("qq", 1).await;
    let first_tab = browser.authorize(&browser.start("qq", "").await).await;
    app.auto_approve("weibo", 1).await;
    let second_tab = browser.authorize(&browser.start("weibo", "").await).await;
    assert_eq!(
        browser.session_id(),
        None,
        "starting a sign-in writes no session: each state is a cookie of its own"
    );
    assert_eq!(browser.callback(&first_tab).await, "/signup");
    assert_eq!(browser.callback(&second_tab).await, "/signup");
}
