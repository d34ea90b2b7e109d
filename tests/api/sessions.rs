//! Sessions as the store keeps them and as a person sees them: stored by hash, short while
//! nobody is signed in, bounded in age, ended with the account, listed and ended on /account.

use chrono::{Duration, Utc};
use denglu::entities::session;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{Browser, TestApp, location, spawn_app};

const CHROME_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
    Chrome/131.0.0.0 Safari/537.36";
const SAFARI_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

async fn rows(app: &TestApp) -> Vec<session::Model> {
    session::Entity::find()
        .all(&app.db.conn)
        .await
        .expect("the sessions table")
}

async fn row_of(app: &TestApp, browser: &Browser) -> session::Model {
    let id = browser.session_id().expect("a session cookie");
    let hash: String = Sha256::digest(id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    rows(app)
        .await
        .into_iter()
        .find(|row| row.key_hash == hash)
        .expect("the browser's session is stored under the hash of its id")
}

#[tokio::test]
async fn a_copy_of_the_database_holds_no_session_id() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.sign_up(&app, "qq", 1, "hashed").await;
    let id = browser.session_id().expect("a session cookie");
    row_of(&app, &browser).await;
    for row in rows(&app).await {
        assert!(!row.key_hash.contains(&id) && !row.data.contains(&id));
    }
}

#[tokio::test]
async fn a_session_nobody_is_signed_in_on_lives_minutes_not_days() {
    let app = spawn_app().await;
    let browser = app.browser();
    // A page that holds a QR ticket is a session nobody is signed in on.
    browser.get("/login/qr").await;
    let anonymous = row_of(&app, &browser).await;
    assert!(anonymous.user_id.is_none());
    assert!(anonymous.expires_at <= Utc::now() + Duration::minutes(31));
    browser.sign_up(&app, "qq", 1, "lasting").await;
    let signed_in = row_of(&app, &browser).await;
    assert!(signed_in.user_id.is_some());
    assert!(signed_in.expires_at > Utc::now() + Duration::days(6));
}

#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime_however_busy() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.sign_up(&app, "qq", 1, "old_timer").await;
    let row = row_of(&app, &browser).await;
    session::Entity::update_many()
        .col_expr(
            session::Column::CreatedAt,
            Expr::value(Utc::now() - Duration::days(31)),
        )
        .filter(session::Column::Id.eq(row.id))
        .exec(&app.db.conn)
        .await
        .expect("age the session");
    assert!(
        browser.me().await.is_none(),
        "30 days is the most a session lives"
    );
}

#[tokio::test]
async fn disabling_an_account_ends_every_one_of_its_sessions() {
    let app = spawn_app().await;
    let laptop = app.new_browser();
    let id = laptop.sign_up(&app, "qq", 1, "to_disable").await;
    let phone = app.new_browser();
    assert_eq!(phone.sign_in_with(&app, "qq", 1).await, "/account");
    app.auth.disable_account(id).await.expect("disable");
    assert!(laptop.me().await.is_none());
    assert!(phone.me().await.is_none());
    let left = session::Entity::find()
        .filter(session::Column::UserId.eq(id))
        .all(&app.db.conn)
        .await
        .expect("query");
    assert!(left.is_empty(), "{left:?}");
    // And it cannot sign in again.
    assert_eq!(
        phone.sign_in_with(&app, "qq", 1).await,
        "/login?error=refused"
    );
}

async fn sessions(browser: &Browser) -> Vec<Value> {
    let response = browser.call("account/sessions", &[]).await;
    assert_eq!(response.status(), 200);
    response.json::<Vec<Value>>().await.expect("a JSON list")
}

#[tokio::test]
async fn a_person_sees_where_they_are_signed_in_and_ends_any_of_it() {
    let app = spawn_app().await;
    let laptop = app.browser_with_agent(CHROME_UA);
    laptop.sign_up(&app, "qq", 1, "traveller").await;
    let phone = app.browser_with_agent(SAFARI_UA);
    assert_eq!(phone.sign_in_with(&app, "qq", 1).await, "/account");
    let tablet = app.new_browser();
    assert_eq!(tablet.sign_in_with(&app, "qq", 1).await, "/account");

    let listed = sessions(&laptop).await;
    assert_eq!(listed.len(), 3, "{listed:?}");
    let this = listed
        .iter()
        .find(|s| s["current"] == true)
        .expect("this device is marked");
    assert_eq!(this["agent"], "Chrome · Windows");
    assert_eq!(this["method"], "qq");
    assert_eq!(this["network"], "127.0.0.0/24");
    let on_phone = listed
        .iter()
        .find(|s| s["agent"] == "Safari · iOS")
        .expect("the phone is listed");

    let ended = laptop
        .call(
            "account/end_session",
            &[("session_id", &on_phone["id"].to_string())],
        )
        .await;
    assert!(ended.status().is_success(), "{}", ended.status());
    assert!(phone.me().await.is_none(), "the phone is signed out");
    assert!(tablet.me().await.is_some());

    // Nobody ends another person's session.
    let stranger = app.new_browser();
    stranger.sign_up(&app, "weibo", 2, "stranger").await;
    let tablet_id = sessions(&tablet)
        .await
        .into_iter()
        .find(|s| s["current"] == true)
        .expect("listed")["id"]
        .to_string();
    stranger
        .call("account/end_session", &[("session_id", &tablet_id)])
        .await;
    assert!(tablet.me().await.is_some());

    let others = laptop.call("account/end_other_sessions", &[]).await;
    assert!(others.status().is_success(), "{}", others.status());
    assert!(tablet.me().await.is_none());
    assert!(laptop.me().await.is_some(), "this device stays signed in");
    assert_eq!(sessions(&laptop).await.len(), 1);
}

/// A person `username` with QQ and Weibo on a laptop, and a phone signed in with Weibo.
async fn laptop_and_weibo_phone(app: &TestApp, username: &str) -> (Browser, Browser) {
    let laptop = app.new_browser();
    laptop.sign_up(app, "qq", 1, username).await;
    assert_eq!(
        laptop.sign_in_with_query(app, "weibo", 1, "?link=1").await,
        "/account?notice=linked"
    );
    let phone = app.new_browser();
    assert_eq!(phone.sign_in_with(app, "weibo", 1).await, "/account");
    (laptop, phone)
}

/// The id of the signed-in person's identity at `provider`.
async fn identity_id(browser: &Browser, provider: &str) -> Option<String> {
    browser.me().await.expect("signed in")["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["provider"] == provider)
        .map(|i| i["id"].to_string())
}

#[tokio::test]
async fn unlinking_a_method_offers_to_end_the_sessions_it_started() {
    let app = spawn_app().await;
    let (laptop, phone) = laptop_and_weibo_phone(&app, "unlinks").await;
    let weibo = identity_id(&laptop, "weibo")
        .await
        .expect("weibo is linked");
    let unlinked = laptop
        .call("account/unlink", &[("identity_id", &weibo)])
        .await;
    assert_eq!(unlinked.status(), 200);
    let body: Value = unlinked.json().await.expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({"provider": "weibo", "sessions": 1})
    );
    let ended = laptop
        .call("account/end_sessions_of", &[("provider", "weibo")])
        .await;
    assert!(ended.status().is_success(), "{}", ended.status());
    assert!(phone.me().await.is_none(), "the Weibo session is over");
    assert!(laptop.me().await.is_some());
}

/// The account page's forms are plain posts: the page they come back to carries what the
/// page has to say, and only while it is true.
#[tokio::test]
async fn a_plain_unlink_comes_back_with_the_offer_to_end_its_sessions() {
    let app = spawn_app().await;
    let (laptop, phone) = laptop_and_weibo_phone(&app, "plainly").await;
    let weibo = identity_id(&laptop, "weibo").await.expect("weibo");
    let unlinked = laptop
        .post_plain("account/unlink", "/account", &[("identity_id", &weibo)])
        .await;
    assert_eq!(unlinked.status(), 302);
    let back = location(&unlinked);
    assert_eq!(back, "/account?unlinked=weibo");
    let page = laptop.page(&back).await;
    assert!(
        page.contains(r#"data-unlinked-sessions="weibo""#),
        "the offer"
    );

    // Once those sessions are over, the same address offers nothing.
    let ended = laptop
        .post_plain("account/end_sessions_of", &back, &[("provider", "weibo")])
        .await;
    assert_eq!(ended.status(), 302);
    assert!(phone.me().await.is_none(), "the Weibo session is over");
    let page = laptop.page(&back).await;
    assert!(!page.contains("data-unlinked-sessions"), "no offer left");
    // Nor does a made-up provider.
    let page = laptop.page("/account?unlinked=%3Cb%3E").await;
    assert!(!page.contains("data-unlinked-sessions"));

    // A refreshed profile and a saved one say so.
    let qq = identity_id(&laptop, "qq").await.expect("qq");
    let refreshed = laptop
        .post_plain("account/refresh", "/account", &[("identity_id", &qq)])
        .await;
    assert_eq!(location(&refreshed), "/account?notice=refreshed");
    let page = laptop.page("/account?notice=refreshed").await;
    assert!(page.contains(r#"data-saved="refresh""#));
    let page = laptop.page("/account?notice=saved").await;
    assert!(page.contains(r#"data-saved="profile""#));
}

#[tokio::test]
async fn a_request_sent_with_the_id_a_sign_in_just_retired_does_not_sign_the_browser_out() {
    let app = spawn_app().await;
    let browser = app.browser();
    assert_eq!(browser.sign_in_with(&app, "weibo", 1).await, "/signup");
    let retired = browser
        .session_id()
        .expect("a session with the pending profile");
    let done = browser.complete_signup("racer", "Racer", "").await;
    assert!(done.status().is_success(), "{}", done.status());
    // A request the page sent just before the sign-in answered: it carries the old id.
    let late = app
        .new_browser()
        .client
        .post(app.url("/api/signup/check_username"))
        .header("cookie", format!("denglu_session={retired}"))
        .header("accept", "application/json")
        .form(&[("username", "racer2")])
        .send()
        .await
        .expect("answer");
    let removals: Vec<&str> = late
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|c| c.starts_with("denglu_session="))
        .collect();
    assert!(
        removals.is_empty(),
        "its answer must not remove the browser's (new) session cookie: {removals:?}"
    );
    assert!(browser.me().await.is_some());
}

#[tokio::test]
async fn a_session_ended_while_one_of_its_requests_runs_is_not_brought_back() {
    use denglu::session::{Lifetimes, Store};
    use tower_sessions::SessionStore;
    use tower_sessions::session::Id;

    let app = spawn_app().await;
    let laptop = app.new_browser();
    laptop.sign_up(&app, "qq", 1, "ender").await;
    let thief = app.new_browser();
    assert_eq!(thief.sign_in_with(&app, "qq", 1).await, "/account");
    let store = Store::new(
        app.db.conn.clone(),
        Lifetimes {
            anonymous: Duration::minutes(30),
            absolute: Duration::days(30),
        },
    );
    let id: Id = thief
        .session_id()
        .expect("a session")
        .parse()
        .expect("a session id");
    // One of the thief's requests has read its session...
    let record = store
        .load(&id)
        .await
        .expect("the store answers")
        .expect("the session is live");
    // ...when the person ends every other session...
    let ended = laptop.call("account/end_other_sessions", &[]).await;
    assert!(ended.status().is_success(), "{}", ended.status());
    // ...and then that request writes its session back.
    store.save(&record).await.expect("the store answers");
    assert!(thief.me().await.is_none(), "the ended session stays ended");
    assert!(laptop.me().await.is_some());
}

#[tokio::test]
async fn a_phone_whose_old_session_ended_can_still_scan_and_confirm() {
    let app = spawn_app().await;
    let phone = app.browser_with_agent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
         (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI",
    );
    // The phone's cookie names a session that has since ended (expired, swept, signed out).
    phone.plant_session("AAAAAAAAAAAAAAAAAAAAAA");
    let desktop = app.new_browser();
    let html = desktop.get("/login/qr").await.text().await.expect("HTML");
    let ticket = html
        .split("data-ticket=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a ticket")
        .to_string();
    app.auto_approve("wechat_mp", 1).await;
    let scanned = phone.get(&format!("/qr/{ticket}")).await;
    let authorize = location(&scanned);
    assert!(
        authorize.contains("/connect/oauth2/authorize"),
        "{authorize}"
    );
    let callback = phone.authorize(&authorize).await;
    let landed = phone.callback(&callback).await;
    let page = phone.get(&landed).await.text().await.expect("HTML");
    assert!(
        page.contains("data-choice="),
        "the phone that scanned may decide: {page}"
    );
}

/// The callback saves the new session itself (its repeats must find it); the session layer
/// would save it again as the response leaves, writing nothing new.
#[tokio::test]
async fn a_sign_in_writes_its_new_session_once() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.sign_up(&app, "qq", 1, "writes_once").await;
    app.execute("CREATE TABLE session_writes (n INTEGER)").await;
    if app.database_url.starts_with("postgres") {
        app.execute(
            "CREATE FUNCTION count_session_write() RETURNS trigger AS $$ BEGIN INSERT INTO session_writes VALUES (1); RETURN NEW; END $$ LANGUAGE plpgsql",
        )
        .await;
        for event in ["INSERT", "UPDATE"] {
            app.execute(&format!(
                "CREATE TRIGGER count_session_{event} AFTER {event} ON sessions FOR EACH ROW EXECUTE FUNCTION count_session_write()"
            ))
            .await;
        }
    } else {
        for event in ["INSERT", "UPDATE"] {
            app.execute(&format!(
                "CREATE TRIGGER count_session_{event} AFTER {event} ON sessions BEGIN INSERT INTO session_writes VALUES (1); END"
            ))
            .await;
        }
    }

    // A returning sign-in, in a browser with no session yet.
    let returning = app.new_browser();
    assert_eq!(returning.sign_in_with(&app, "qq", 1).await, "/account");
    assert_eq!(
        app.count("session_writes").await,
        1,
        "one INSERT, no UPDATE"
    );
    // The session is the signed-in one, as saved.
    assert_eq!(
        returning.me().await.expect("signed in")["username"],
        "writes_once"
    );

    // Signing in again where already signed in: one UPDATE.
    app.execute("DELETE FROM session_writes").await;
    assert_eq!(returning.sign_in_with(&app, "qq", 1).await, "/account");
    assert_eq!(app.count("session_writes").await, 1, "one UPDATE");
}
