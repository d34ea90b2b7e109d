//! The audit log: what happens is recorded with the request it happened in (id, address,
//! browser), failures with the provider's own code and message, never a token or code; it is
//! exported as JSON lines by `denglu audit export` and drawn on the dashboard.

use std::process::Command;

use serde_json::{Value, json};

use crate::admin::events;
use crate::helpers::{location, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_sign_in_is_recorded_with_its_request_id_address_and_browser() {
    let app = spawn_app().await;
    let browser =
        app.browser_with_agent("Mozilla/5.0 (Windows NT 10.0) Chrome/130.0 Safari/537.36");
    app.auto_approve("qq", 1).await;
    let authorize = browser.start("qq", "").await;
    let callback = browser.authorize(&authorize).await;
    let response = browser
        .client
        .get(&callback)
        .send()
        .await
        .expect("the app answers");
    assert_eq!(location(&response), "/signup");
    browser.complete_signup("auditme", "Audit Me", "").await;
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();

    let signup = events(&app, "signup").await;
    assert_eq!(signup.len(), 1);
    assert_eq!(signup[0].provider.as_deref(), Some("qq"));
    let signed_in = events(&app, "signin_succeeded").await;
    assert_eq!(signed_in.len(), 1, "the new account's first sign-in");
    let id = browser.me().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(signed_in[0].user_id, Some(id));
    assert_eq!(signed_in[0].client.as_deref(), Some("127.0.0.1"));
    assert!(
        signed_in[0]
            .agent
            .as_deref()
            .unwrap()
            .contains("Chrome/130.0")
    );

    // A returning sign-in is recorded in the callback's own request.
    browser.sign_out().await;
    app.auto_approve("qq", 1).await;
    let authorize = browser.start("qq", "").await;
    let callback = browser.authorize(&authorize).await;
    let response = browser.client.get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/account");
    let callback_request = response.headers()["x-request-id"].to_str().unwrap();
    let returning = events(&app, "signin_succeeded").await;
    assert_eq!(returning.len(), 2);
    assert_eq!(returning[1].request_id.as_deref(), Some(callback_request));
    assert_ne!(request_id, callback_request);
    let ended = events(&app, "session_ended").await;
    assert_eq!(ended.len(), 1, "signing out ended a session");
    assert!(ended[0].detail.as_deref().unwrap().contains("signed out"));
}

#[tokio::test]
async fn a_failed_sign_in_keeps_the_providers_code_and_message_but_no_code_or_state() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.auto_approve("wechat", 1).await;
    let authorize = browser.start("wechat", "").await;
    let callback = browser.authorize(&authorize).await;
    app.sim(
        "faults",
        json!({"endpoint": "api.weixin.qq.com/sns/oauth2/access_token", "kind": "error", "code": 40125}),
    )
    .await;
    assert_eq!(
        browser.callback(&callback).await,
        "/login?error=misconfigured"
    );
    let failed = events(&app, "signin_failed").await;
    assert_eq!(failed.len(), 1);
    let event = &failed[0];
    assert_eq!(event.provider.as_deref(), Some("wechat"));
    assert_eq!(event.error_kind.as_deref(), Some("misconfigured"));
    assert_eq!(event.provider_code.as_deref(), Some("40125"));
    assert!(
        event
            .provider_message
            .as_deref()
            .is_some_and(|m| !m.is_empty())
    );

    // A callback with a state that is not this browser's is recorded as such.
    let victim = app.new_browser();
    app.auto_approve("wechat", 2).await;
    let authorize = victim.start("wechat", "").await;
    let planted = victim.authorize(&authorize).await;
    let stranger = app.new_browser();
    assert_eq!(stranger.callback(&planted).await, "/login?error=state");
    let failed = events(&app, "signin_failed").await;
    assert_eq!(failed[1].error_kind.as_deref(), Some("state"));

    // Nothing of the callback's query (the code, the state) is anywhere in the log.
    let url = reqwest::Url::parse(&callback).unwrap();
    let secrets: Vec<String> = url
        .query_pairs()
        .filter(|(k, _)| k == "code" || k == "state")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(secrets.len(), 2);
    let log = format!("{:?}", events(&app, "signin_failed").await);
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "{secret} leaked into the log"
        );
    }
}

#[tokio::test]
async fn the_log_exports_as_json_lines_filtered_by_kind_and_time() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    browser.sign_up(&app, "weibo", 2, "exported").await;
    browser.sign_out().await;
    assert_eq!(browser.sign_in_with(&app, "weibo", 2).await, "/account");
    let session = browser.session_id().expect("a session");

    let export = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_denglu"))
            .env_clear()
            .env("DATABASE_URL", &app.database_url)
            .args(["audit", "export"])
            .args(args)
            .output()
            .expect("the binary runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, all, _) = export(&[]);
    assert_eq!(code, 0);
    let lines: Vec<Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "signup",
            "signin_succeeded",
            "session_ended",
            "signin_succeeded"
        ],
        "oldest first"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["request_id"].is_string() && l["at"].is_string())
    );
    assert!(!all.contains(&session), "no session id in the log");

    let (_, only) = {
        let (code, out, _) = export(&["--kind", "signin_succeeded", "--provider", "weibo"]);
        (code, out)
    };
    assert_eq!(only.lines().count(), 2);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let (_, none, _) = export(&["--since", &tomorrow]);
    assert_eq!(none, "", "nothing from tomorrow on");
    let (code, _, stderr) = export(&["--kind", "token_issued"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("token_issued"), "{stderr}");
    let (code, _, stderr) = export(&["--since", "last tuesday"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--since"), "{stderr}");
}

#[tokio::test]
async fn events_past_the_retention_are_pruned_and_nothing_else() {
    let app = spawn_app().await;
    app.new_browser().sign_up(&app, "qq", 1, "kept").await;
    app.execute(
        "INSERT INTO audit_events (at, kind, user_id) VALUES ('2020-01-01T00:00:00+00:00', 'signin_succeeded', 1)",
    )
    .await;
    let before = app.count("audit_events").await;
    let output = Command::new(env!("CARGO_BIN_EXE_denglu"))
        .env_clear()
        .env("DATABASE_URL", &app.database_url)
        .env("DENGLU_AUDIT_RETENTION_DAYS", "30")
        .args(["audit", "prune"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let said: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(said["pruned"], 1);
    assert_eq!(app.count("audit_events").await, before - 1);
}

#[tokio::test]
async fn the_dashboard_counts_sign_ins_failures_and_new_accounts_in_both_languages() {
    let app = spawn_app().await;
    let admin = app.new_browser();
    admin.sign_up(&app, "qq", 1, "boss").await;
    denglu::auth::set_administrator(&app.db.conn, "boss", true)
        .await
        .unwrap();
    let other = app.new_browser();
    other.sign_up(&app, "weibo", 2, "other").await;
    let failing = app.new_browser();
    app.auto_approve("wechat", 3).await;
    let authorize = failing.start("wechat", "").await;
    let callback = failing.authorize(&authorize).await;
    app.sim(
        "faults",
        json!({"endpoint": "api.weixin.qq.com/sns/oauth2/access_token", "kind": "error", "code": 40029}),
    )
    .await;
    failing.callback(&callback).await;

    let figures = app.auth.dashboard(30).await.expect("counts");
    assert_eq!(figures.days.len(), 30);
    assert_eq!(figures.sign_ins["qq"].last(), Some(&1));
    assert_eq!(figures.sign_ins["weibo"].last(), Some(&1));
    assert_eq!(figures.sign_ups.last(), Some(&2));
    assert_eq!(figures.sign_ups.iter().sum::<u64>(), 2, "all today");
    assert_eq!(
        figures.failures_by_code,
        [("wechat".to_string(), "40029".to_string(), 1)]
    );

    let zh = admin.get("/admin").await.text().await.unwrap();
    assert!(
        zh.contains("每天各登录方式的登录次数"),
        "the chart's caption in Chinese"
    );
    assert!(
        zh.contains(r#"data-total="console-total-sign-ins" class="console-total-figure">2<"#),
        "two sign-ins: {}",
        &zh[zh.find("console-totals").unwrap_or(0)..][..600]
    );
    assert!(zh.contains("40029"), "the provider's code is listed");
    assert!(
        zh.contains("授权码无效"),
        "the failure's kind in Chinese on the chart"
    );
    assert_eq!(zh.matches("<svg").count(), 4, "four charts");
    let en = admin
        .client
        .get(admin.url("/admin"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Sign-ins per provider per day"));
    assert!(
        en.contains("QQ") && en.contains("Weibo"),
        "legends name the providers"
    );
    assert!(
        en.contains("bad code"),
        "the failure's kind in English on the chart"
    );
}

#[tokio::test]
async fn only_a_refusal_of_a_sign_in_this_browser_started_is_recorded_once() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.sim("auto-approve", json!({"provider": "qq", "deny": true}))
        .await;
    let authorize = browser.start("qq", "").await;
    let refused = browser.authorize(&authorize).await;
    assert!(
        refused.contains("usercancel"),
        "QQ says the person said no: {refused}"
    );
    // Someone else opening the same address (with any message they like) writes nothing.
    let forged = format!("{refused}&error_description=forged");
    assert!(
        app.new_browser()
            .callback(&forged)
            .await
            .starts_with("/login?error=")
    );
    assert!(
        events(&app, "signin_failed").await.is_empty(),
        "a stranger's refusal"
    );
    // The browser that started it: once, however often it comes back.
    assert_eq!(browser.callback(&refused).await, "/login?error=cancelled");
    browser.callback(&refused).await;
    let failed = events(&app, "signin_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].error_kind.as_deref(), Some("cancelled"));
}

#[tokio::test]
async fn a_qr_code_shown_with_the_page_is_recorded_with_its_request() {
    let app = spawn_app_with(&[("DENGLU_WECHAT_QR", "own")]).await;
    let browser = app.browser_with_agent("Mozilla/5.0 (Macintosh) Firefox/133.0");
    let response = browser.get("/login/qr").await;
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let started = events(&app, "qr_started").await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].request_id.as_deref(), Some(request_id.as_str()));
    assert!(
        started[0]
            .agent
            .as_deref()
            .unwrap()
            .contains("Firefox/133.0")
    );
    assert_eq!(started[0].client.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn a_renewed_code_is_not_counted_as_another_qr_sign_in_started() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    for fields in [&[][..], &[("renewal", "true")][..]] {
        let response = browser.call("qr/ticket", fields).await;
        assert_eq!(response.status(), 200, "{fields:?}");
    }
    let started = events(&app, "qr_started").await;
    let details: Vec<Option<&str>> = started.iter().map(|e| e.detail.as_deref()).collect();
    assert_eq!(details, [None, Some("renewal")]);
    let figures = app.auth.dashboard(30).await.expect("counts");
    assert_eq!(figures.qr_started.last(), Some(&1), "one sign-in started");
}
