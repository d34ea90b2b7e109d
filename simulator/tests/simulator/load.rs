//! Many complete authorizations at once: every one succeeds, nothing is shared.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use simulator::{QQ_APPID, QQ_APPKEY};

use crate::common::{CALLBACK, Sim, form_map, jsonp};

const FLOWS: usize = 400;

/// authorize -> token -> me, as a QQ client would, returning (code, access token, openid).
async fn one_flow(sim: Arc<Sim>) -> (String, String, String) {
    let authorized = sim
        .get_with(
            "/graph.qq.com/oauth2.0/authorize",
            &[
                ("response_type", "code"),
                ("client_id", QQ_APPID),
                ("redirect_uri", CALLBACK),
                ("state", "load"),
            ],
        )
        .await;
    let code = authorized
        .location_param("code")
        .expect("auto-approved code");
    let token = sim
        .post_form(
            "/graph.qq.com/oauth2.0/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", QQ_APPID),
                ("client_secret", QQ_APPKEY),
                ("code", &code),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await;
    let access = form_map(&token.body)
        .remove("access_token")
        .expect("an access token");
    let me = sim
        .get_with("/graph.qq.com/oauth2.0/me", &[("access_token", &access)])
        .await;
    let openid = jsonp(&me.body)["openid"]
        .as_str()
        .expect("openid")
        .to_owned();
    (code, access, openid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_flows_all_succeed() {
    let sim = Arc::new(Sim::start().await);
    sim.control(
        "auto-approve",
        json!({"provider": "qq", "user": 2, "always": true}),
    )
    .await;
    let started = Instant::now();
    let mut flows = tokio::task::JoinSet::new();
    for _ in 0..FLOWS {
        flows.spawn(one_flow(sim.clone()));
    }
    let mut codes = HashSet::new();
    let mut tokens = HashSet::new();
    let mut openids = HashSet::new();
    while let Some(result) = flows.join_next().await {
        let (code, access, openid) = result.expect("flow task");
        codes.insert(code);
        tokens.insert(access);
        openids.insert(openid);
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{FLOWS} QQ authorizations in {elapsed:?} ({:.0}/s, debug build)",
        FLOWS as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(codes.len(), FLOWS, "codes are unique");
    assert_eq!(tokens.len(), FLOWS, "tokens are unique");
    assert_eq!(openids.len(), 1, "one user, one openid");
}
