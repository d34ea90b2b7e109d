//! Property tests: no body, status or byte sequence makes a parser or a provider
//! panic, and no error message ever shows a secret.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use providers::parse;
use providers::{Provider, ProviderId, TokenSet};
use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::harness::redirect_uri;
use crate::scripted::{Answer, Script};

const KEYS: [&str; 30] = [
    "access_token",
    "refresh_token",
    "expires_in",
    "remind_in",
    "openid",
    "unionid",
    "scope",
    "is_snapshotuser",
    "errcode",
    "errmsg",
    "error",
    "error_code",
    "error_description",
    "ret",
    "msg",
    "code",
    "client_id",
    "uid",
    "appkey",
    "expire_in",
    "nickname",
    "sex",
    "headimgurl",
    "gender",
    "gender_type",
    "figureurl_qq_1",
    "figureurl_qq_2",
    "id",
    "idstr",
    "screen_name",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[0-9]{0,12}".prop_map(Value::String),
        ".{0,20}".prop_map(Value::String),
        Just(Value::String("101000001".into())),
        Just(Value::String("2000000001".into())),
        Just(Value::String("OPENID".into())),
    ]
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    let value = leaf().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(prop::sample::select(&KEYS[..]), value, 0..8)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// Bodies shaped like the providers' (JSON, JSONP with odd spacing, forms) and
/// bodies shaped like nothing (any text, any bytes).
fn body() -> impl Strategy<Value = Vec<u8>> {
    let json = || object().prop_map(|m| Value::Object(m).to_string());
    prop_oneof![
        json().prop_map(String::into_bytes),
        (json(), "[ \n\t]{0,3}", "[ \n\t;]{0,3}")
            .prop_map(|(j, a, b)| format!("callback({a}{j}{a}){b}").into_bytes()),
        object().prop_map(|m| {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in m {
                form.append_pair(&k, &v.to_string());
            }
            form.finish().into_bytes()
        }),
        json().prop_flat_map(|j| {
            let len = j.len();
            (Just(j), 0..=len).prop_map(|(j, cut)| j.as_bytes()[..cut].to_vec())
        }),
        ".{0,200}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![
        200u16, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503,
    ])
}

#[test]
fn parsers_never_panic_on_any_text() {
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&".{0,300}", |text| {
            let doc = parse::document(&text);
            if let Some(inner) = parse::unwrap_jsonp(&text) {
                prop_assert!(text.contains(inner));
            }
            if let Some(doc) = doc {
                for key in KEYS {
                    let _ = parse::text_field(&doc, key);
                    let _ = parse::int_field(&doc, key);
                }
            }
            Ok(())
        })
        .expect("the parsers accept or reject every text without panicking");
}

#[test]
fn jsonp_with_any_spacing_reads_as_its_json() {
    let mut runner = TestRunner::new(Config {
        cases: 500,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        object(),
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        "[ \n\r\t]{0,3}",
        "[ \n\r\t]{0,3}",
        "[ \n\r\t;]{0,4}",
    );
    runner
        .run(&strategy, |(map, name, pre, post, tail)| {
            let json = Value::Object(map).to_string();
            let body = format!("{name}{pre}({pre}{json}{post}){tail}");
            // Compared with the JSON read directly: float printing does not round-trip exactly.
            prop_assert_eq!(
                parse::document(&body),
                serde_json::from_str::<Map<String, Value>>(&json).ok()
            );
            prop_assert!(parse::document(&body).is_some());
            Ok(())
        })
        .expect("JSONP unwraps to its argument");
}

#[test]
fn forms_read_back_what_was_written() {
    let mut runner = TestRunner::new(Config {
        cases: 500,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = prop::collection::btree_map("[a-z_]{1,12}", ".{0,30}", 1..6);
    runner
        .run(&strategy, |pairs| {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &pairs {
                form.append_pair(k, v);
            }
            let doc = parse::document(&form.finish());
            prop_assert!(doc.is_some());
            let doc = doc.unwrap_or_default();
            for (k, v) in &pairs {
                prop_assert_eq!(doc.get(k).and_then(Value::as_str), Some(v.as_str()));
            }
            Ok(())
        })
        .expect("forms round-trip");
}

const SECRETS: [&str; 3] = ["wxsecret", "qqappkey", "weibosecret"];

/// Every provider call, against one scripted answer for every path.
async fn every_call(providers: &[Arc<dyn Provider>]) -> Vec<String> {
    let full = TokenSet {
        refresh_token: Some(SecretString::from("R")),
        subject: Some("OPENID".into()),
        scope: Some("snsapi_userinfo".into()),
        ..TokenSet::new(SecretString::from("ACCESS"))
    };
    let bare = TokenSet::new(SecretString::from("ACCESS"));
    let mut shown = Vec::new();
    for provider in providers {
        let id = provider.id();
        let mut errors = Vec::new();
        errors.extend(
            provider
                .exchange_code("CODE", &redirect_uri(id))
                .await
                .err(),
        );
        errors.extend(provider.fetch_profile(&full).await.err());
        errors.extend(provider.fetch_profile(&bare).await.err());
        errors.extend(provider.refresh(&SecretString::from("R")).await.err());
        shown.extend(
            errors
                .iter()
                .map(|e| format!("{e} / {}", e.provider_message())),
        );
    }
    shown
}

#[test]
fn providers_never_panic_on_any_answer() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let script = runtime.block_on(Script::start());
    let providers: Vec<Arc<dyn Provider>> = vec![
        Arc::new(script.wechat()),
        Arc::new(script.qq()),
        Arc::new(script.weibo()),
        Arc::new(providers::Wechat::official_account(
            providers::AppCredentials::new("wxmp", "wxsecret"),
            &script.endpoints,
            crate::harness::test_client(),
        )),
    ];
    assert_eq!(providers[3].id(), ProviderId::WechatMp);
    let mut runner = TestRunner::new(Config {
        cases: 150,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(status(), body()), |(status, body)| {
            script.set(
                "*",
                Answer {
                    status,
                    content_type: "text/html",
                    body,
                },
            );
            let shown = runtime.block_on(every_call(&providers));
            for message in shown {
                for secret in SECRETS {
                    prop_assert!(!message.contains(secret), "secret shown: {}", message);
                }
            }
            Ok(())
        })
        .expect("no answer makes a provider panic or show a secret");
}
