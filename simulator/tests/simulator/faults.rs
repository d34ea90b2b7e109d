//! Each fault kind, as a client sees it.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Sim, jsonp};

const TOKEN: &str = "api.weixin.qq.com/sns/oauth2/access_token";

async fn fault(sim: &Sim, spec: serde_json::Value) {
    sim.control("faults", spec).await;
}

#[tokio::test]
async fn error_uses_each_providers_shape() {
    let sim = Sim::start().await;
    fault(
        &sim,
        json!({"endpoint": TOKEN, "kind": "error", "code": 40029}),
    )
    .await;
    let code = sim.wechat_code(1).await;
    let wechat = sim.wechat_token(&code).await;
    assert_eq!(wechat.status, 200);
    assert_eq!(wechat.content_type, "text/plain");
    assert_eq!(wechat.json()["errcode"], 40029);
    // count defaults to 1: the code was not touched and still works.
    assert!(sim.wechat_token(&code).await.json()["access_token"].is_string());

    fault(
        &sim,
        json!({"endpoint": "/graph.qq.com/oauth2.0/me", "kind": "error", "code": 100016}),
    )
    .await;
    let qq = sim.get("/graph.qq.com/oauth2.0/me?access_token=x").await;
    assert!(qq.body.starts_with("callback( "));
    assert_eq!(jsonp(&qq.body)["error"], 100016);

    fault(
        &sim,
        json!({"endpoint": "graph.qq.com/user/get_user_info", "kind": "error", "code": 100030}),
    )
    .await;
    let info = sim.get("/graph.qq.com/user/get_user_info").await;
    assert_eq!(info.json()["ret"], 100030);

    fault(
        &sim,
        json!({"endpoint": "api.weibo.com/2/users/show.json", "kind": "error", "code": 10004}),
    )
    .await;
    let weibo = sim.get("/api.weibo.com/2/users/show.json").await;
    assert_eq!(weibo.status, 403);
    assert_eq!(weibo.json()["error_code"], 10004);
    assert_eq!(weibo.json()["request"], "/2/users/show.json");
}

#[tokio::test]
async fn delay_then_normal_answer() {
    let sim = Sim::start().await;
    fault(
        &sim,
        json!({"endpoint": TOKEN, "kind": "delay", "delay_ms": 300}),
    )
    .await;
    let code = sim.wechat_code(1).await;
    let started = Instant::now();
    let reply = sim.wechat_token(&code).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(reply.json()["access_token"].is_string());
}

#[tokio::test]
async fn status_answers_an_html_5xx() {
    let sim = Sim::start().await;
    fault(
        &sim,
        json!({"endpoint": TOKEN, "kind": "status", "status": 502}),
    )
    .await;
    let reply = sim.wechat_token("x").await;
    assert_eq!(reply.status, 502);
    assert!(reply.content_type.starts_with("text/html"));
    assert!(reply.body.contains("502 Bad Gateway"));
    let bad = sim
        .post_json(
            "/control/faults",
            json!({"endpoint": TOKEN, "kind": "status", "status": 200}),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn malformed_and_truncated_bodies_are_not_json() {
    let sim = Sim::start().await;
    fault(&sim, json!({"endpoint": TOKEN, "kind": "malformed"})).await;
    let malformed = sim.wechat_token("x").await;
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&malformed.body).is_err());

    fault(&sim, json!({"endpoint": TOKEN, "kind": "truncated"})).await;
    let code = sim.wechat_code(1).await;
    let truncated = sim.wechat_token(&code).await;
    assert_eq!(truncated.status, 200);
    assert!(truncated.body.starts_with("{\"access_token\":\""));
    assert!(serde_json::from_str::<serde_json::Value>(&truncated.body).is_err());
    // The same kind of answer, whole, is about twice as long.
    let whole = sim.wechat_token(&sim.wechat_code(1).await).await;
    let ratio = whole.body.len() as f64 / truncated.body.len() as f64;
    assert!((1.8..2.2).contains(&ratio), "{ratio}");
}

#[tokio::test]
async fn drop_makes_the_client_fail() {
    let sim = Sim::start().await;
    fault(&sim, json!({"endpoint": TOKEN, "kind": "drop"})).await;
    let result = async {
        let response = sim
            .client
            .get(sim.url(&format!("/{TOKEN}?appid=x")))
            .send()
            .await?;
        response.text().await
    }
    .await;
    assert!(
        result.is_err(),
        "a dropped connection is an error: {result:?}"
    );
    // The next request is answered normally.
    assert_eq!(sim.wechat_token("x").await.json()["errcode"], 40029);
}

#[tokio::test]
async fn string_numbers_quote_numeric_fields() {
    let sim = Sim::start().await;
    fault(
        &sim,
        json!({"endpoint": TOKEN, "kind": "string_numbers", "count": 0}),
    )
    .await;
    let code = sim.wechat_code(1).await;
    let token = sim.wechat_token(&code).await.json();
    assert_eq!(token["expires_in"], "7200");
    let error = sim.wechat_token(&code).await.json();
    assert_eq!(
        error["errcode"], "40163",
        "count 0 keeps the fault until reset"
    );
    sim.control("reset", json!({})).await;
    assert_eq!(sim.wechat_token("x").await.json()["errcode"], 40029);
}

#[tokio::test]
async fn count_limits_how_many_requests_fail() {
    let sim = Sim::start().await;
    fault(
        &sim,
        json!({"endpoint": TOKEN, "kind": "error", "code": -1, "count": 2}),
    )
    .await;
    assert_eq!(sim.wechat_token("x").await.json()["errcode"], -1);
    assert_eq!(sim.wechat_token("x").await.json()["errcode"], -1);
    assert_eq!(sim.wechat_token("x").await.json()["errcode"], 40029);
    let log = sim.get("/control/requests").await.json();
    let faulted = log
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["fault"] == "error")
        .count();
    assert_eq!(faulted, 2);
}
