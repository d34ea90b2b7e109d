//! Several instances on one database, no sticky sessions: any step of a flow may reach any
//! instance, WeChat's double redirect included.

use crate::helpers::{spawn_app_with, spawn_second_instance};

const SECRET: &str = "a-shared-secret-of-at-least-thirty-two-characters";

#[tokio::test]
async fn every_step_of_a_sign_in_may_reach_either_instance() {
    let a = spawn_app_with(&[("DENGLU_SECRET", SECRET)]).await;
    let b = spawn_second_instance(&a, SECRET).await;
    let on_a = a.browser();
    let on_b = on_a.at(&b);
    let elsewhere = |url: &str| url.replace(&a.url(""), &b.url(""));

    // First login: started on A, called back on B (twice: the double redirect lands on A).
    a.auto_approve("wechat", 1).await;
    let callback = on_a.authorize(&on_a.start("wechat", "").await).await;
    assert_eq!(on_b.callback(&elsewhere(&callback)).await, "/signup");
    assert_eq!(
        on_a.callback(&callback).await,
        "/signup",
        "the repeat follows on A"
    );
    // The profile is completed on B, and A knows the person.
    let done = on_b.complete_signup("scaled", "Scaled", "").await;
    assert!(done.status().is_success(), "{}", done.status());
    let me = on_a.me().await.expect("signed in, as seen by A");
    assert_eq!(me["username"], "scaled");

    // A returning sign-in started on B and called back on A, then linking started on A and
    // called back on B.
    on_a.sign_out().await;
    a.auto_approve("qq", 2).await;
    a.auto_approve("wechat", 1).await;
    let callback = on_b.authorize(&on_b.start("wechat", "").await).await;
    assert_eq!(on_a.callback(&callback).await, "/account");
    assert_eq!(
        on_b.me().await.expect("signed in, as seen by B")["username"],
        "scaled"
    );
    let callback = on_a
        .authorize(&on_a.start("qq", "?link=1&next=/account").await)
        .await;
    assert_eq!(
        on_b.callback(&elsewhere(&callback)).await,
        "/account?notice=linked"
    );
    assert_eq!(
        on_a.me().await.expect("signed in")["identities"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}
