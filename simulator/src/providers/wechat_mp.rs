//! WeChat Official Account web authorization: `open.weixin.qq.com/connect/oauth2/authorize`.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;

use crate::core::base::Base;
use crate::core::html::provider_error_page;
use crate::core::records::{App, Consent};
use crate::core::state::Shared;
use crate::core::web::{Params, callback_allowed, found};
use crate::pages::consent::{approve_location, auto_answer, begin};

/// The order WeChat insists on (state may be left out).
const ORDER: [&str; 5] = ["appid", "redirect_uri", "response_type", "scope", "state"];

fn error_page(code: i64, message: &str) -> Response {
    provider_error_page("微信网页授权", code, message)
}

/// Whether the known parameters come in WeChat's order, each once, appid first.
fn in_order(params: &Params) -> bool {
    let known: Vec<&str> = params
        .query
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| ORDER.contains(k))
        .collect();
    let starts_with_appid = params.query.first().is_some_and(|(k, _)| k == "appid");
    starts_with_appid && (known == ORDER[..4] || known == ORDER)
}

/// `GET /open.weixin.qq.com/connect/oauth2/authorize`
pub async fn authorize(State(state): State<Shared>, base: Base, uri: Uri) -> Response {
    let params = Params::from_query(uri.query());
    if !in_order(&params) {
        return error_page(
            10003,
            "参数错误 Parameters must come in the order appid, redirect_uri, response_type, scope, state",
        );
    }
    let appid = params.get("appid").unwrap_or("");
    if appid == state.config.wechat_open_appid {
        return error_page(
            10016,
            "该应用不是公众号 This appid is not an Official Account",
        );
    }
    if appid != state.config.wechat_mp_appid {
        return error_page(10016, "appid 参数错误 Unknown appid");
    }
    let redirect_uri = params.get("redirect_uri").unwrap_or("");
    if !callback_allowed(redirect_uri, &state.config.callback_domains) {
        return error_page(
            10003,
            "redirect_uri 域名与后台配置不一致 The redirect_uri's domain is not the authorized domain",
        );
    }
    if params.get("response_type") != Some("code") {
        return error_page(10004, "response_type 参数错误 response_type must be code");
    }
    let scope = params.get("scope").unwrap_or("");
    if !matches!(scope, "snsapi_base" | "snsapi_userinfo") {
        return error_page(
            10005,
            "scope 参数错误或没有 scope 权限 Scope must be snsapi_base or snsapi_userinfo",
        );
    }
    let st = params.get("state").map(str::to_owned);
    if st.as_ref().is_some_and(|s| s.len() > 128) {
        return error_page(10009, "state 参数过长 state is longer than 128 bytes");
    }
    let consent = Consent {
        app: App::WechatMp,
        redirect_uri: redirect_uri.to_owned(),
        state: st,
        scope: scope.to_owned(),
    };
    if let Some(response) = auto_answer(&state, &consent) {
        return response;
    }
    if scope == "snsapi_base" {
        // Silent: the person holding the phone is signed in to WeChat already.
        let user = state.phone_user();
        let location = approve_location(&state, &consent, user).or_else(|| {
            state
                .users
                .first_id()
                .and_then(|id| approve_location(&state, &consent, id))
        });
        return match location {
            Some(location) => found(&location),
            None => error_page(-1, "没有测试用户 No test users"),
        };
    }
    begin(&state, &base, consent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_checked() {
        let ok = Params::from_query(Some(
            "appid=a&redirect_uri=b&response_type=code&scope=s&state=x",
        ));
        assert!(in_order(&ok));
        let no_state =
            Params::from_query(Some("appid=a&redirect_uri=b&response_type=code&scope=s"));
        assert!(in_order(&no_state));
        let swapped = Params::from_query(Some(
            "appid=a&response_type=code&redirect_uri=b&scope=s&state=x",
        ));
        assert!(!in_order(&swapped));
        let late_appid =
            Params::from_query(Some("redirect_uri=b&appid=a&response_type=code&scope=s"));
        assert!(!in_order(&late_appid));
    }
}
