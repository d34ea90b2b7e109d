//! Profile completion: the form, its checks, and the account it creates.

use denglu::model::ServerError;
use leptos::server_fn::error::ServerFnUrlError;
use serde_json::Value;

use crate::helpers::{location, query_param, spawn_app, spawn_app_tuned};

const PROVIDERS: [&str; 4] = ["wechat", "wechat_mp", "qq", "weibo"];

#[tokio::test]
async fn a_first_login_completes_its_profile_and_is_signed_in_at_every_provider() {
    let app = spawn_app().await;
    // Different people: the two WeChat apps would otherwise share one account.
    for (n, provider) in PROVIDERS.into_iter().enumerate() {
        let user = n as u64 + 1;
        let nickname = app.sim_user(user).await["nickname"].clone();
        let browser = app.new_browser();
        assert_eq!(browser.sign_in_with(&app, provider, user).await, "/signup");
        let response = browser
            .complete_signup(&format!("zhangwei_{n}"), "张伟", "zw@example.com")
            .await;
        assert_eq!(response.status(), 200, "{provider}");
        let me = browser.me().await.expect("signed in");
        assert_eq!(me["username"], format!("zhangwei_{n}"));
        assert_eq!(me["display_name"], "张伟");
        assert_eq!(me["email"], "zw@example.com");
        assert_eq!(me["identities"][0]["provider"], provider);
        assert_eq!(me["identities"][0]["display_name"], nickname);
    }
    assert_eq!(app.count("users").await, 4);
}

#[tokio::test]
async fn the_profile_page_is_prefilled_from_the_provider() {
    let app = spawn_app().await;
    let browser = app.browser_speaking("en");
    assert_eq!(browser.sign_in_with(&app, "qq", 2).await, "/signup");
    let page = browser.get("/signup").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("HTML");
    // Simulator user 2 is 小红🌸Hóng: the suggestion keeps what a username may hold.
    assert!(html.contains(r#"value="小红_Hóng""#), "{html}");
    assert!(
        html.contains(r#"value="小红🌸Hóng""#),
        "display name from the nickname"
    );
    assert!(html.contains("You signed in with QQ"), "{html}");
    assert!(html.contains(r#"href="/auth/weibo/start?attach=1""#));
}

#[tokio::test]
async fn the_suggested_username_is_one_nobody_has() {
    let app = spawn_app().await;
    let first = app.new_browser();
    first.sign_up(&app, "qq", 2, "小红_Hóng").await;
    let second = app.new_browser();
    assert_eq!(second.sign_in_with(&app, "weibo", 2).await, "/signup");
    let html = second.get("/signup").await.text().await.expect("HTML");
    assert!(!html.contains(r#"value="小红_Hóng""#));
    assert!(html.contains(r#"value="小红_Hóng2""#), "{html}");
}

#[tokio::test]
async fn the_profile_page_without_a_pending_login_sends_to_sign_in() {
    let app = spawn_app().await;
    let response = app.get("/signup").await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/login");
}

#[tokio::test]
async fn an_abandoned_profile_expires() {
    let app = spawn_app_tuned(&[], |s| {
        s.lifetimes.pending_signup = std::time::Duration::ZERO;
    })
    .await;
    let browser = app.browser();
    assert_eq!(browser.sign_in_with(&app, "qq", 1).await, "/signup");
    let response = browser.get("/signup").await;
    assert_eq!(location(&response), "/login");
    let submitted = browser.complete_signup("too_late", "Late", "").await;
    assert_eq!(submitted.status(), 401);
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn usernames_are_unique_ignoring_case_and_width() {
    let app = spawn_app().await;
    app.new_browser().sign_up(&app, "qq", 1, "Alice").await;
    for taken in ["alice", "ALICE", "ＡＬＩＣＥ"] {
        let browser = app.new_browser();
        assert_eq!(browser.sign_in_with(&app, "weibo", 2).await, "/signup");
        let response = browser.complete_signup(taken, "Another", "").await;
        assert_eq!(response.status(), 400, "{taken}");
        let error: Value = response.json().await.expect("JSON");
        assert_eq!(
            error["Invalid"]["errors"][0],
            serde_json::json!(["username", "field-username-taken"]),
            "{taken}"
        );
        assert!(browser.me().await.is_none());
    }
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn bad_and_overlong_fields_are_refused_with_a_reason_per_field() {
    let app = spawn_app().await;
    let browser = app.browser();
    assert_eq!(browser.sign_in_with(&app, "weibo", 3).await, "/signup");
    let long_name = "x".repeat(10_000);
    let long_email = format!("{}@example.com", "a".repeat(300));
    let response = browser
        .complete_signup(&long_name, &"名".repeat(65), &long_email)
        .await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.expect("JSON");
    assert_eq!(
        error["Invalid"]["errors"],
        serde_json::json!([
            ["username", "field-username-too-long"],
            ["display_name", "field-display-name-too-long"],
            ["email", "field-email-too-long"]
        ])
    );
    for (username, display, email, field) in [
        ("ab", "ok", "", "username"),
        ("has space", "ok", "", "username"),
        ("<script>", "ok", "", "username"),
        ("fine_name", "   ", "", "display_name"),
        ("fine_name", "ok", "not-an-email", "email"),
    ] {
        let response = browser.complete_signup(username, display, email).await;
        assert_eq!(response.status(), 400, "{username} {display} {email}");
        let error: Value = response.json().await.expect("JSON");
        assert_eq!(error["Invalid"]["errors"][0][0], field);
    }
    assert_eq!(app.count("users").await, 0);
    assert!(browser.me().await.is_none());
    // The pending login survives refusals.
    assert_eq!(
        browser
            .complete_signup("fine_name", "ok", "")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn html_in_names_is_shown_as_text_never_markup() {
    let app = spawn_app().await;
    let nickname = r#"<img src=x onerror="alert(1)">"#;
    let made: Value = app
        .sim("users", serde_json::json!({"nickname": nickname}))
        .await;
    let user = made["id"].as_u64().expect("a new simulator user");
    let browser = app.browser();
    assert_eq!(browser.sign_in_with(&app, "qq", user).await, "/signup");
    let html = browser.get("/signup").await.text().await.expect("HTML");
    assert!(!html.contains("<img src=x"), "the nickname is escaped");
    assert!(html.contains("&lt;img src=x"), "and still shown");

    let response = browser
        .complete_signup("xss_test", "<b>bold</b><script>x()</script>", "")
        .await;
    assert_eq!(response.status(), 200);
    let me = browser.me().await.expect("signed in");
    assert_eq!(me["display_name"], "<b>bold</b><script>x()</script>");
    let account = browser.get("/account").await.text().await.expect("HTML");
    assert!(!account.contains("<script>x()"), "{account}");
    assert!(account.contains("&lt;b&gt;bold&lt;/b&gt;") || account.contains("&lt;b>bold&lt;/b>"));
}

#[tokio::test]
async fn without_the_wasm_a_refused_form_comes_back_with_its_errors() {
    let app = spawn_app().await;
    let browser = app.browser_speaking("en");
    assert_eq!(browser.sign_in_with(&app, "qq", 1).await, "/signup");
    let response = browser
        .post_plain(
            "signup/complete",
            "/signup",
            &[
                ("username", "a b"),
                ("display_name", "Zhang"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 302);
    let back = location(&response);
    assert!(back.starts_with("/signup?"), "{back}");
    assert!(query_param(&back, "__err").is_some(), "{back}");
    let html = browser.get(&back).await.text().await.expect("HTML");
    assert!(
        html.contains("Use only letters, digits, _ and -."),
        "{html}"
    );
    assert!(html.contains(r#"data-field-error="username""#));
    // What was typed does not come back: it would have to travel in the URL, which anyone
    // can write. The form starts again from the provider's suggestion.
    assert!(
        !html.contains(r#"value="a b""#),
        "nothing typed comes from the URL"
    );
    let sent = query_param(&back, "__err").expect("the error in the URL");
    let sent = ServerFnUrlError::<ServerError>::decode_err(&sent);
    assert_eq!(sent.fields().and_then(|f| f.value("username")), None);

    // A second refusal replaces the first error instead of piling up.
    let response = browser
        .post_plain(
            "signup/complete",
            &back,
            &[("username", "ok_name"), ("display_name", ""), ("email", "")],
        )
        .await;
    let again = location(&response);
    assert_eq!(again.matches("__err=").count(), 1, "{again}");
    let html = browser.get(&again).await.text().await.expect("HTML");
    assert!(html.contains(r#"data-field-error="display_name""#));
    assert!(!html.contains(r#"data-field-error="username""#));

    let response = browser
        .post_plain(
            "signup/complete",
            &again,
            &[
                ("username", "ok_name"),
                ("display_name", "Zhang"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/account");
    assert_eq!(
        browser.me().await.expect("signed in")["username"],
        "ok_name"
    );
}

#[tokio::test]
async fn the_username_check_answers_as_the_person_types() {
    let app = spawn_app().await;
    app.new_browser().sign_up(&app, "qq", 1, "Taken_Name").await;
    let browser = app.browser();
    // Only a session completing its profile may ask.
    let refused = browser
        .call("signup/check_username", &[("username", "anything")])
        .await;
    assert_eq!(refused.status(), 401);
    assert_eq!(browser.sign_in_with(&app, "weibo", 1).await, "/signup");
    for (username, answer) in [
        ("free_name", serde_json::json!("Available")),
        ("taken_name", serde_json::json!("Taken")),
        (
            "x",
            serde_json::json!({"Invalid": "field-username-too-short"}),
        ),
    ] {
        let response = browser
            .call("signup/check_username", &[("username", username)])
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json::<Value>().await.expect("JSON"),
            answer,
            "{username}"
        );
    }
}

#[tokio::test]
async fn the_next_path_is_kept_through_profile_completion() {
    let app = spawn_app().await;
    let browser = app.browser();
    app.auto_approve("qq", 1).await;
    let authorize = browser.start("qq", "?next=/account%3Ftab%3Dlinks").await;
    let callback = browser.authorize(&authorize).await;
    assert_eq!(browser.callback(&callback).await, "/signup");
    let response = browser
        .post_plain(
            "signup/complete",
            "/signup",
            &[
                ("username", "next_keeper"),
                ("display_name", "N"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account?tab=links");
}

#[tokio::test]
async fn i_already_have_an_account_links_the_new_login_to_it() {
    let app = spawn_app().await;
    let owner = app
        .new_browser()
        .sign_up(&app, "qq", 1, "has_account")
        .await;
    // Later, in another browser, the same person tries Weibo for the first time...
    let browser = app.new_browser();
    assert_eq!(browser.sign_in_with(&app, "weibo", 1).await, "/signup");
    // ...and chooses "I already have an account", signing in with QQ.
    assert_eq!(
        browser.sign_in_with_query(&app, "qq", 1, "?attach=1").await,
        "/account?notice=linked"
    );
    let me = browser.me().await.expect("signed in");
    assert_eq!(me["id"], owner);
    let providers: Vec<&str> = me["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter_map(|i| i["provider"].as_str())
        .collect();
    assert_eq!(providers, ["qq", "weibo"]);
    assert_eq!(app.count("users").await, 1);
    // Nothing is left waiting.
    assert_eq!(location(&browser.get("/signup").await), "/login");
}

#[tokio::test]
async fn two_first_logins_of_one_person_at_once_make_one_account() {
    let app = spawn_app().await;
    let phone = app.new_browser();
    let laptop = app.new_browser();
    assert_eq!(phone.sign_in_with(&app, "qq", 3).await, "/signup");
    assert_eq!(laptop.sign_in_with(&app, "qq", 3).await, "/signup");
    let (a, b) = tokio::join!(
        phone.complete_signup("lilei_phone", "李雷", ""),
        laptop.complete_signup("lilei_laptop", "李雷", ""),
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let (a, b) = (
        phone.me().await.expect("signed in"),
        laptop.me().await.expect("signed in"),
    );
    assert_eq!(a["id"], b["id"], "one person, one account");
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("identities").await, 1);
}

#[tokio::test]
async fn two_first_logins_of_one_person_choosing_the_same_username_make_one_account() {
    let app = spawn_app().await;
    let phone = app.new_browser();
    let laptop = app.new_browser();
    assert_eq!(phone.sign_in_with(&app, "weibo", 4).await, "/signup");
    assert_eq!(laptop.sign_in_with(&app, "weibo", 4).await, "/signup");
    let (a, b) = tokio::join!(
        phone.complete_signup("same_name", "Same", ""),
        laptop.complete_signup("same_name", "Same", ""),
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert_eq!(
        phone.me().await.expect("signed in")["id"],
        laptop.me().await.expect("signed in")["id"]
    );
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn a_wechat_profile_finished_after_the_other_wechat_apps_joins_that_account() {
    let app = spawn_app().await;
    let laptop = app.new_browser();
    let phone = app.new_browser();
    // The website QR on the laptop and the Official Account on the phone: one unionid.
    assert_eq!(laptop.sign_in_with(&app, "wechat", 2).await, "/signup");
    let owner = phone.sign_up(&app, "wechat_mp", 2, "hong_phone").await;
    let response = laptop.complete_signup("hong_laptop", "小红", "").await;
    assert_eq!(response.status(), 200);
    let me = laptop.me().await.expect("signed in");
    assert_eq!(me["id"], owner, "one person, one account");
    assert_eq!(me["username"], "hong_phone");
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("identities").await, 2);
}

#[tokio::test]
async fn look_alike_usernames_are_refused_or_taken() {
    let app = spawn_app().await;
    app.new_browser().sign_up(&app, "qq", 1, "admin").await;
    app.new_browser().sign_up(&app, "weibo", 1, "STRASSE").await;
    let browser = app.browser();
    assert_eq!(browser.sign_in_with(&app, "weibo", 2).await, "/signup");
    for (username, answer) in [
        // One script only: a Cyrillic letter among Latin ones is refused outright.
        (
            "аdmin",
            serde_json::json!({"Invalid": "field-username-mixed-scripts"}),
        ),
        (
            "рaypal",
            serde_json::json!({"Invalid": "field-username-mixed-scripts"}),
        ),
        // Latin look-alikes share the confusable skeleton of `admin`.
        (
            "ɑdmin",
            serde_json::json!({"Invalid": "field-username-characters"}),
        ),
        ("сосо", serde_json::json!("Available")),
        ("admın", serde_json::json!("Taken")),
        ("ADMIN", serde_json::json!("Taken")),
        // Full case folding: ß is ss.
        ("Straße", serde_json::json!("Taken")),
        (
            "admin\u{3164}",
            serde_json::json!({"Invalid": "field-username-invisible"}),
        ),
        (
            "\u{3164}\u{3164}\u{3164}",
            serde_json::json!({"Invalid": "field-username-invisible"}),
        ),
        ("paypal", serde_json::json!("Available")),
    ] {
        let response = browser
            .call("signup/check_username", &[("username", username)])
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json::<Value>().await.expect("JSON"),
            answer,
            "{username}"
        );
    }
    let refused = browser.complete_signup("admın", "A", "").await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    assert!(browser.me().await.is_none());
}
