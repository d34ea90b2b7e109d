use std::collections::HashMap;

use chrono::Utc;
use denglu::entities::{identity, user};
use denglu::session::Store;
use sea_orm::{ActiveModelTrait, Set};
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

use crate::helpers::{TestApp, spawn_app};

async fn insert_user(app: &TestApp, username: &str) -> user::Model {
    let now = Utc::now();
    user::ActiveModel {
        username: Set(username.to_string()),
        username_key: Set(username.to_lowercase()),
        display_name: Set(format!("{username} 的名字")),
        email: Set(None),
        avatar_url: Set(None),
        status: Set("active".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.conn)
    .await
    .expect("insert user")
}

fn identity_for(user_id: i64, provider: &str, subject: &str) -> identity::ActiveModel {
    let now = Utc::now();
    identity::ActiveModel {
        user_id: Set(user_id),
        provider: Set(provider.into()),
        subject: Set(subject.into()),
        unionid: Set(None),
        app_id: Set("101000001".into()),
        display_name: Set("小明 🐼".into()),
        avatar_url: Set(Some("http://example.invalid/a.png".into())),
        profile: Set(serde_json::json!({"nickname": "小明 🐼"})),
        access_token_sealed: Set(None),
        refresh_token_sealed: Set(None),
        expires_at: Set(None),
        created_at: Set(now),
        last_login_at: Set(now),
        ..Default::default()
    }
}

/// Stores a server-side session for `user_id` and returns the cookie that names it.
async fn session_cookie_for(app: &TestApp, user_id: i64) -> String {
    let store = Store::new(&app.db.pool).await.expect("store");
    let mut record = Record {
        id: Id::default(),
        data: HashMap::from([("user_id".to_string(), serde_json::json!(user_id))]),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.expect("session stored");
    format!("denglu_session={}", record.id)
}

#[tokio::test]
async fn api_me_is_401_json_without_a_session() {
    let app = spawn_app().await;
    let response = app.get("/api/me").await;
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "unauthorized");
}

#[tokio::test]
async fn api_me_describes_the_user_of_a_stored_session() {
    let app = spawn_app().await;
    let user = insert_user(&app, "Xiaoming").await;
    identity_for(user.id, "qq", "QQOPENID1")
        .insert(&app.db.conn)
        .await
        .expect("insert identity");

    let response = app
        .client
        .get(app.url("/api/me"))
        .header("cookie", session_cookie_for(&app, user.id).await)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let me: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(me["id"], user.id);
    assert_eq!(me["username"], "Xiaoming");
    assert_eq!(me["display_name"], "Xiaoming 的名字");
    assert_eq!(me["email"], serde_json::Value::Null);
    assert_eq!(me["identities"][0]["provider"], "qq");
    assert_eq!(me["identities"][0]["display_name"], "小明 🐼");
    assert!(
        me["identities"][0]["linked_at"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z'))
    );
}

#[tokio::test]
async fn a_forged_session_cookie_is_not_signed_in() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/me"))
        .header("cookie", "denglu_session=AAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn usernames_are_unique_ignoring_case() {
    let app = spawn_app().await;
    insert_user(&app, "Alice").await;
    let now = Utc::now();
    let duplicate = user::ActiveModel {
        username: Set("ALICE".into()),
        username_key: Set("alice".into()),
        display_name: Set("Alice".into()),
        status: Set("active".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.conn)
    .await;
    assert!(
        duplicate.is_err(),
        "a second `alice` must be refused by the database"
    );
}

#[tokio::test]
async fn one_provider_identity_belongs_to_one_account() {
    let app = spawn_app().await;
    let first = insert_user(&app, "first").await;
    let second = insert_user(&app, "second").await;
    identity_for(first.id, "weibo", "1567896867")
        .insert(&app.db.conn)
        .await
        .expect("first link");
    let again = identity_for(second.id, "weibo", "1567896867")
        .insert(&app.db.conn)
        .await;
    assert!(again.is_err(), "(provider, subject) is unique");
    identity_for(second.id, "qq", "1567896867")
        .insert(&app.db.conn)
        .await
        .expect("the same subject at another provider is someone else");
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_everywhere_it_was_signed_in() {
    let app = spawn_app().await;
    let user = insert_user(&app, "Disabled").await;
    identity_for(user.id, "qq", "QQOPENID2")
        .insert(&app.db.conn)
        .await
        .expect("insert identity");
    let cookie = session_cookie_for(&app, user.id).await;
    let me = |cookie: String| {
        let request = app.client.get(app.url("/api/me")).header("cookie", cookie);
        async move { request.send().await.expect("answer").status() }
    };
    assert_eq!(me(cookie.clone()).await, 200);
    let mut disabled: user::ActiveModel = user.into();
    disabled.status = Set("disabled".into());
    disabled.update(&app.db.conn).await.expect("disable");
    assert_eq!(
        me(cookie).await,
        401,
        "every signed-in check reads the status"
    );
}
