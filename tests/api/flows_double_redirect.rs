//! WeChat's in-app browser sometimes requests the callback twice with one code, one right
//! after (or while) the other, and may drop the first answer. Every copy must land where the
//! first went, with the session it made, and the code is exchanged once.

use std::time::Duration;

use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::json;

use crate::helpers::{Browser, TestApp, location, spawn_app};

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
async fn simultaneous_callbacks_of_a_returning_person_leave_them_signed_in() {
    let app = spawn_app().await;
    let Returning {
        owner: user_id,
        browser,
        callback,
        ..
    } = returning_person_back_from_wechat(&app, "twins").await;
    let twins = futures::future::join_all((0..6).map(|_| browser.callback(&callback))).await;
    assert_eq!(twins, vec!["/account"; 6]);
    // A twin that saved its copy would bring back the session id the sign-in retired.
    let me = browser.me().await.expect("signed in after the twins");
    assert_eq!(me["id"], user_id);
}

#[tokio::test]
async fn a_repeat_with_the_old_cookie_gets_the_session_the_first_callback_made() {
    let app = spawn_app().await;
    let Returning {
        owner,
        browser,
        callback,
        old,
    } = returning_person_back_from_wechat(&app, "again").await;
    // The first request signs in (a new session id), but its answer never reaches the browser.
    let first = as_the_browser(&browser, &callback, None)
        .await
        .expect("the app answers");
    assert_eq!(location(&first), "/account");
    let new = set_cookies(&first)
        .into_iter()
        .find_map(|c| {
            c.strip_prefix("denglu_session=")?
                .split(';')
                .next()
                .map(str::to_string)
        })
        .expect("the sign-in sets a new session cookie");
    // Whoever holds the retired id without the code (a planted cookie) gets nothing.
    let forged = callback.replace("code=", "code=x");
    assert_ne!(forged, callback);
    let fixation = with_session_cookie(&forged, &old, None)
        .await
        .expect("the app answers");
    assert_eq!(location(&fixation), "/login?error=state");
    assert!(
        set_cookies(&fixation).iter().all(|c| !c.contains(&new)),
        "the new session is not handed over"
    );
    // The repeat still carries the retired session id.
    assert_eq!(browser.callback(&callback).await, "/account");
    assert_ne!(browser.session_id(), Some(old), "moved to the new session");
    let me = browser.me().await.expect("signed in");
    assert_eq!(me["id"], owner);

    // The same link from any other browser goes to the same page and signs nobody in.
    let stranger = app.new_browser();
    assert_eq!(stranger.callback(&callback).await, "/account");
    assert!(stranger.me().await.is_none());
}

#[tokio::test]
async fn a_first_callback_dropped_by_the_browser_still_signs_the_repeat_in() {
    let app = spawn_app().await;
    let Returning {
        owner,
        browser,
        callback,
        ..
    } = returning_person_back_from_wechat(&app, "dropped").await;
    app.sim(
        "faults",
        json!({"endpoint": "api.weixin.qq.com/sns/oauth2/access_token", "kind": "delay", "delay_ms": 600}),
    )
    .await;
    // The browser gives up on the first request while the code is being exchanged...
    let dropped = as_the_browser(&browser, &callback, Some(Duration::from_millis(150))).await;
    assert!(
        dropped.is_err_and(|e| e.is_timeout()),
        "the first answer is lost"
    );
    // ...and asks again: the sign-in the first one started completes for this one.
    assert_eq!(browser.callback(&callback).await, "/account");
    assert_eq!(browser.me().await.expect("signed in")["id"], owner);
}

/// A person with an account, back at WeChat (Official Account) and approved: the callback
/// URL they are sent to, and the session id their browser holds before it.
struct Returning {
    owner: i64,
    browser: Browser,
    callback: String,
    old: String,
}

async fn returning_person_back_from_wechat(app: &TestApp, username: &str) -> Returning {
    let owner = app
        .new_browser()
        .sign_up(app, "wechat_mp", 2, username)
        .await;
    let browser = app.new_browser();
    // A session from before (a page that held a QR ticket): the sign-in will retire it.
    browser.get("/login/qr").await;
    app.auto_approve("wechat_mp", 2).await;
    let authorize = browser.start("wechat_mp", "").await;
    let callback = browser.authorize(&authorize).await;
    let old = browser.session_id().expect("a session from the start");
    Returning {
        owner,
        browser,
        callback,
        old,
    }
}

/// `url` requested with the browser's cookies, by a client whose answers nobody keeps: the
/// browser's own request whose answer is lost.
async fn as_the_browser(
    browser: &Browser,
    url: &str,
    timeout: Option<Duration>,
) -> reqwest::Result<reqwest::Response> {
    let cookies = browser.cookie_header(url).expect("the browser's cookies");
    unanswered(url, &cookies, timeout).await
}

/// `url` requested with only this session cookie, by a client whose answers nobody keeps.
async fn with_session_cookie(
    url: &str,
    session_id: &str,
    timeout: Option<Duration>,
) -> reqwest::Result<reqwest::Response> {
    unanswered(url, &format!("denglu_session={session_id}"), timeout).await
}

/// `url` requested with exactly `cookies`, by a client that keeps nothing and follows nothing.
async fn unanswered(
    url: &str,
    cookies: &str,
    timeout: Option<Duration>,
) -> reqwest::Result<reqwest::Response> {
    let mut client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(timeout) = timeout {
        client = client.timeout(timeout);
    }
    client
        .build()
        .expect("a client")
        .get(url)
        .header(COOKIE, cookies)
        .send()
        .await
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_planted_session_id_with_the_callback_url_is_not_handed_the_new_session() {
    let app = spawn_app().await;
    let Returning {
        browser,
        callback,
        old,
        ..
    } = returning_person_back_from_wechat(&app, "fixed").await;
    // The browser's own callback signs in and moves it to a new session.
    assert_eq!(browser.callback(&callback).await, "/account");
    let new = browser.session_id().expect("a new session");
    assert_ne!(new, old);
    // Someone who planted the old id and saw the callback URL repeats it within the minute.
    let fixer = with_session_cookie(&callback, &old, None)
        .await
        .expect("the app answers");
    assert!(
        set_cookies(&fixer).iter().all(|c| !c.contains(&new)),
        "the new session is handed only to the browser that started the sign-in"
    );
}
