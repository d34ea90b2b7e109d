use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_is_ok_while_the_database_answers() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["database"], "up");
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["database"], "down");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let first = app.get("/healthz").await;
    let second = app.get("/healthz").await;
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .expect("an x-request-id header")
    };
    assert_ne!(id(&first), id(&second));
}

#[tokio::test]
async fn while_the_database_is_gone_every_answer_is_a_clear_503() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.sign_up(&app, "qq", 1, "outage").await;
    app.db.close().await;

    let me = browser.get("/api/me").await;
    assert_eq!(me.status(), 503, "JSON calls");
    let body: serde_json::Value = me.json().await.expect("JSON");
    assert_eq!(body["error"], "unavailable");

    let page = browser.get("/account").await;
    assert_eq!(page.status(), 503, "pages");
    let html = page.text().await.expect("HTML");
    assert!(html.contains(r#"<html lang="zh-CN""#), "{html}");
    assert!(
        html.contains("请求未能完成"),
        "in the person's language: {html}"
    );

    let saved = browser
        .call("account/profile", &[("display_name", "x"), ("email", "")])
        .await;
    assert_eq!(saved.status(), 503, "server functions");

    // A sign-in started during the outage leaves (starting writes nothing) and comes back
    // to a clear answer.
    let fresh = app.new_browser();
    app.auto_approve("qq", 1).await;
    let callback = fresh.authorize(&fresh.start("qq", "").await).await;
    assert_eq!(fresh.callback(&callback).await, "/login?error=server");
    let page = fresh.get("/login?error=server").await;
    assert_eq!(page.status(), 503);
    let html = page.text().await.expect("a page");
    assert!(html.contains(r#"data-error="server""#), "{html}");
}

#[tokio::test]
async fn a_client_sent_request_id_is_replaced_by_the_servers() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "forged\u{20}id-in-the-logs")
        .send()
        .await
        .expect("the app answers");
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("an x-request-id header")
        .to_string();
    assert_ne!(id, "forged id-in-the-logs");
    assert_eq!(id.len(), 36, "a UUID: {id}");
}
