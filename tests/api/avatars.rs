//! Avatars are shown only from the providers' avatar hosts (and the simulator's, while
//! simulating), over https; any other URL gives the initial instead.

use crate::helpers::{TestApp, spawn_app};

async fn sim_user_with_avatar(app: &TestApp, nickname: &str, avatar: &str) -> u64 {
    let user = app
        .sim(
            "users",
            serde_json::json!({"nickname": nickname, "avatar": avatar}),
        )
        .await;
    user["id"].as_u64().expect("a simulator user id")
}

#[tokio::test]
async fn an_avatar_from_another_host_is_replaced_by_the_initial() {
    let app = spawn_app().await;
    let user = sim_user_with_avatar(&app, "Mallory", "https://tracker.example/pixel.png").await;
    let browser = app.new_browser();
    browser.sign_up(&app, "qq", user, "mallory").await;
    let me = browser.me().await.expect("signed in");
    assert_eq!(me["avatar_url"], serde_json::Value::Null, "{me}");
    assert_eq!(me["identities"][0]["avatar_url"], serde_json::Value::Null);
    let page = browser.get("/account").await.text().await.expect("HTML");
    assert!(
        !page.contains("tracker.example"),
        "no request to the tracker"
    );
    assert!(
        page.contains("avatar-initial"),
        "the initial is shown instead"
    );
}

#[tokio::test]
async fn a_provider_avatar_over_http_is_upgraded_to_https() {
    let app = spawn_app().await;
    let user =
        sim_user_with_avatar(&app, "小明", "http://thirdqq.qlogo.cn/g?b=oidb&k=1&s=100").await;
    let browser = app.new_browser();
    browser.sign_up(&app, "qq", user, "xiaoming").await;
    let me = browser.me().await.expect("signed in");
    assert_eq!(
        me["avatar_url"],
        "https://thirdqq.qlogo.cn/g?b=oidb&k=1&s=100"
    );
}

#[tokio::test]
async fn the_simulators_own_avatars_keep_working_while_simulating() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    browser.sign_up(&app, "weibo", 1, "simulated").await;
    let me = browser.me().await.expect("signed in");
    let avatar = me["avatar_url"].as_str().expect("an avatar");
    assert!(avatar.starts_with(&app.url("/_sim/")), "{avatar}");
}
