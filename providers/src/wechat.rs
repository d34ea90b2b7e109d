//! WeChat: the Open Platform website QR login (`wechat`) and the Official Account
//! web authorization (`wechat_mp`). Both use the same `/sns/*` API.

use std::collections::HashMap;

use async_trait::async_trait;
use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::http::{self, Endpoint, join};
use crate::parse::{self, Document, lenient_i64, lenient_string, lenient_u64};
use crate::{
    AppCredentials, AuthorizeRequest, ConfigKey, Endpoints, ErrorKind, Gender, Host, Profile,
    Provider, ProviderError, ProviderId, ProviderSpec, TokenSet, callback,
};

/// The `/sns/*` calls, by the names metrics give them.
const TOKEN: Endpoint = Endpoint::new("token", "/sns/oauth2/access_token");
const USERINFO: Endpoint = Endpoint::new("userinfo", "/sns/userinfo");
const REFRESH: Endpoint = Endpoint::new("refresh", "/sns/oauth2/refresh_token");

/// The authorize pages (QR code, Official Account consent).
/// Both WeChat apps serve `headimgurl` from the same image hosts.
const WECHAT_AVATAR_HOSTS: &[&str] = &["thirdwx.qlogo.cn", "wx.qlogo.cn"];

pub(crate) const OPEN: Host = Host {
    name: "open.weixin.qq.com",
    default_url: "https://open.weixin.qq.com",
    base: ConfigKey {
        env: "WECHAT_OPEN_BASE",
        toml: "providers.wechat_open_base",
    },
};

/// The `/sns/*` API both apps call.
pub(crate) const API: Host = Host {
    name: "api.weixin.qq.com",
    default_url: "https://api.weixin.qq.com",
    base: ConfigKey {
        env: "WECHAT_API_BASE",
        toml: "providers.wechat_api_base",
    },
};

/// The Open Platform website app: QR code login on a computer.
pub(crate) const WEBSITE: ProviderSpec = ProviderSpec {
    id: "wechat",
    app_id: ConfigKey {
        env: "WECHAT_OPEN_APPID",
        toml: "providers.wechat.appid",
    },
    secret: ConfigKey {
        env: "WECHAT_OPEN_SECRET",
        toml: "providers.wechat.secret",
    },
    hosts: &[&OPEN, &API],
    unionid_scope: "wechat",
    label_key: "provider-wechat",
    hint_key: "provider-wechat-hint",
    icon: "/icons/wechat.svg",
    avatar_hosts: WECHAT_AVATAR_HOSTS,
};

/// The Official Account: sign-in inside the WeChat app.
pub(crate) const OFFICIAL_ACCOUNT: ProviderSpec = ProviderSpec {
    id: "wechat_mp",
    app_id: ConfigKey {
        env: "WECHAT_MP_APPID",
        toml: "providers.wechat_mp.appid",
    },
    secret: ConfigKey {
        env: "WECHAT_MP_SECRET",
        toml: "providers.wechat_mp.secret",
    },
    hosts: &[&OPEN, &API],
    unionid_scope: "wechat",
    label_key: "provider-wechat_mp",
    hint_key: "provider-wechat_mp-hint",
    icon: "/icons/wechat_mp.svg",
    avatar_hosts: WECHAT_AVATAR_HOSTS,
};

pub struct Wechat {
    id: ProviderId,
    creds: AppCredentials,
    open: Url,
    api: Url,
    client: Client,
}

impl Wechat {
    /// The Open Platform website app (`wechat`): QR code, scope `snsapi_login`.
    pub fn website(creds: AppCredentials, endpoints: &Endpoints, client: Client) -> Self {
        Self::with_id(ProviderId::Wechat, creds, endpoints, client)
    }

    /// The Official Account (`wechat_mp`): inside WeChat, `snsapi_base` or `snsapi_userinfo`.
    pub fn official_account(creds: AppCredentials, endpoints: &Endpoints, client: Client) -> Self {
        Self::with_id(ProviderId::WechatMp, creds, endpoints, client)
    }

    fn with_id(
        id: ProviderId,
        creds: AppCredentials,
        endpoints: &Endpoints,
        client: Client,
    ) -> Self {
        Wechat {
            id,
            creds,
            open: endpoints.base(&OPEN),
            api: endpoints.base(&API),
            client,
        }
    }

    async fn get(
        &self,
        endpoint: Endpoint,
        query: &[(&str, &str)],
    ) -> Result<Document, ProviderError> {
        let mut url = join(&self.api, endpoint.path);
        url.query_pairs_mut().extend_pairs(query);
        http::call(self.id, endpoint, self.client.get(url), |doc| {
            error_in(self.id, doc)
        })
        .await
    }

    fn tokens(&self, endpoint: &str, doc: &Document) -> Result<TokenSet, ProviderError> {
        let reply: TokenReply =
            parse::typed(doc).map_err(|e| http::malformed(self.id, endpoint, &e))?;
        if reply.is_snapshotuser == Some(1) {
            // A "snapshot page" visitor is a virtual user, not a person.
            return Err(ProviderError::new(
                ErrorKind::Refused,
                self.id,
                None,
                "snapshot user (is_snapshotuser=1)",
            ));
        }
        let access_token = reply
            .access_token
            .ok_or_else(|| http::malformed(self.id, endpoint, "no access_token"))?;
        let openid = reply
            .openid
            .ok_or_else(|| http::malformed(self.id, endpoint, "no openid"))?;
        Ok(TokenSet {
            access_token: SecretString::from(access_token),
            refresh_token: reply.refresh_token.map(SecretString::from),
            expires_in: reply.expires_in,
            scope: reply.scope,
            subject: Some(openid),
            unionid: reply.unionid,
        })
    }

    fn openid<'t>(&self, tokens: &'t TokenSet) -> Result<&'t str, ProviderError> {
        tokens.subject.as_deref().ok_or_else(|| {
            ProviderError::new(
                ErrorKind::TokenInvalid,
                self.id,
                None,
                "token set has no openid",
            )
        })
    }

    fn refused(&self, message: &str) -> ProviderError {
        ProviderError::new(ErrorKind::Refused, self.id, None, message)
    }
}

#[derive(Deserialize)]
struct TokenReply {
    #[serde(default, deserialize_with = "lenient_string")]
    access_token: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient_string")]
    refresh_token: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    openid: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    scope: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    unionid: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    is_snapshotuser: Option<i64>,
}

#[derive(Deserialize)]
struct UserInfo {
    #[serde(default, deserialize_with = "lenient_string")]
    openid: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    nickname: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    sex: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    headimgurl: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    unionid: Option<String>,
}

/// `errcode` != 0 is an error whatever the HTTP status; the code decides, never `errmsg`.
fn error_in(provider: ProviderId, doc: &Document) -> Option<ProviderError> {
    let code = parse::int_field(doc, "errcode").filter(|&code| code != 0)?;
    let message = parse::text_field(doc, "errmsg").unwrap_or_default();
    Some(ProviderError::new(
        classify(code),
        provider,
        Some(code),
        message,
    ))
}

fn classify(code: i64) -> ErrorKind {
    match code {
        40001 | 40014 | 42001 => ErrorKind::TokenExpired,
        40029 | 40163 | 42003 | 41008 => ErrorKind::InvalidCode,
        // Bad or missing refresh token, openid not the token's, no token or openid sent.
        40030 | 42002 | 42007 | 40003 | 41001 | 41003 | 41009 => ErrorKind::TokenInvalid,
        // Bad appid/secret, grant type, IP whitelist, callback domain, scope, app type, API not granted.
        40002 | 40013 | 40125 | 40164 | 41002 | 41004 | 10003 | 10005 | 10016 | 48001 => {
            ErrorKind::Misconfigured
        }
        // -1 busy, 45011 rate limited, and anything we do not know: try again later.
        _ => ErrorKind::Unavailable,
    }
}

/// Whether the token's scope allows `/sns/userinfo`; a `snsapi_base` token does not.
fn grants_userinfo(scope: Option<&str>) -> bool {
    scope.is_none_or(|scope| {
        scope
            .split([',', ' '])
            .any(|s| s == "snsapi_userinfo" || s == "snsapi_login")
    })
}

fn gender(sex: Option<i64>) -> Gender {
    match sex {
        Some(1) => Gender::Male,
        Some(2) => Gender::Female,
        _ => Gender::Unknown,
    }
}

#[async_trait]
impl Provider for Wechat {
    fn id(&self) -> ProviderId {
        self.id
    }

    fn app_id(&self) -> &str {
        &self.creds.app_id
    }

    fn authorize_url(&self, req: &AuthorizeRequest<'_>) -> Url {
        let (path, scope) = match self.id {
            ProviderId::WechatMp if req.known_user => ("/connect/oauth2/authorize", "snsapi_base"),
            ProviderId::WechatMp => ("/connect/oauth2/authorize", "snsapi_userinfo"),
            _ => ("/connect/qrconnect", "snsapi_login"),
        };
        let mut url = join(&self.open, path);
        // WeChat checks this parameter order.
        url.query_pairs_mut()
            .append_pair("appid", &self.creds.app_id)
            .append_pair("redirect_uri", req.redirect_uri.as_str())
            .append_pair("response_type", "code")
            .append_pair("scope", scope)
            .append_pair("state", req.state);
        url.set_fragment(Some("wechat_redirect"));
        url
    }

    /// A refusal comes back as a callback with `state` and no `code`.
    fn callback_error(&self, query: &HashMap<String, String>) -> Option<ProviderError> {
        callback::refusal(self.id, query, |_, _| ErrorKind::Cancelled)
    }

    async fn exchange_code(
        &self,
        code: &str,
        _redirect_uri: &Url,
    ) -> Result<TokenSet, ProviderError> {
        let endpoint = TOKEN;
        let doc = self
            .get(
                endpoint,
                &[
                    ("appid", &self.creds.app_id),
                    ("secret", self.creds.secret.expose_secret()),
                    ("code", code),
                    ("grant_type", "authorization_code"),
                ],
            )
            .await?;
        self.tokens(endpoint.path, &doc)
    }

    async fn fetch_profile(&self, tokens: &TokenSet) -> Result<Profile, ProviderError> {
        let openid = self.openid(tokens)?;
        if !grants_userinfo(tokens.scope.as_deref()) {
            // snsapi_base: the token response is all there is; the app asks for a name.
            return Ok(Profile {
                provider: self.id,
                app_id: self.creds.app_id.clone(),
                subject: openid.to_owned(),
                unionid: tokens.unionid.clone(),
                nickname: String::new(),
                avatar_url: None,
                gender: Gender::Unknown,
                raw: json!({ "openid": openid, "unionid": tokens.unionid, "scope": tokens.scope }),
            });
        }
        let endpoint = USERINFO;
        let doc = self
            .get(
                endpoint,
                &[
                    ("access_token", tokens.access_token.expose_secret()),
                    ("openid", openid),
                    ("lang", "zh_CN"),
                ],
            )
            .await?;
        let info: UserInfo =
            parse::typed(&doc).map_err(|e| http::malformed(self.id, endpoint.path, &e))?;
        let info_openid = info
            .openid
            .ok_or_else(|| http::malformed(self.id, endpoint.path, "no openid"))?;
        if info_openid != openid {
            return Err(self.refused("userinfo openid differs from the token's openid"));
        }
        let unionid = match (info.unionid, tokens.unionid.clone()) {
            (Some(a), Some(b)) if a != b => {
                return Err(self.refused("userinfo unionid differs from the token's unionid"));
            }
            (a, b) => a.or(b),
        };
        Ok(Profile {
            provider: self.id,
            app_id: self.creds.app_id.clone(),
            subject: info_openid,
            unionid,
            nickname: info.nickname.unwrap_or_default(),
            avatar_url: info.headimgurl.filter(|u| !u.trim().is_empty()),
            gender: gender(info.sex),
            raw: serde_json::Value::Object(doc),
        })
    }

    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, ProviderError> {
        let endpoint = REFRESH;
        let doc = self
            .get(
                endpoint,
                &[
                    ("appid", &self.creds.app_id),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.expose_secret()),
                ],
            )
            .await?;
        self.tokens(endpoint.path, &doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: ProviderId) -> Wechat {
        let creds = AppCredentials::new("wxsimmp000000001", "simmpsecret");
        Wechat::with_id(id, creds, &Endpoints::default(), crate::http_client())
    }

    fn doc(text: &str) -> Document {
        parse::document(text).expect("a document")
    }

    #[test]
    fn official_account_url_keeps_wechats_parameter_order() {
        let redirect =
            Url::parse("https://app.example/auth/wechat_mp/callback?x=1").expect("valid");
        let req = AuthorizeRequest {
            state: "abc123",
            redirect_uri: &redirect,
            mobile: true,
            known_user: false,
        };
        let url = provider(ProviderId::WechatMp).authorize_url(&req);
        assert_eq!(
            url.as_str(),
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxsimmp000000001\
             &redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fwechat_mp%2Fcallback%3Fx%3D1\
             &response_type=code&scope=snsapi_userinfo&state=abc123#wechat_redirect"
        );
        let known = AuthorizeRequest {
            known_user: true,
            ..req
        };
        let url = provider(ProviderId::WechatMp).authorize_url(&known);
        assert!(
            url.as_str()
                .contains("&scope=snsapi_base&state=abc123#wechat_redirect")
        );
    }

    #[test]
    fn website_url_is_a_qrconnect_with_snsapi_login() {
        let redirect = Url::parse("http://127.0.0.1:3000/auth/wechat/callback").expect("valid");
        let req = AuthorizeRequest {
            state: "s",
            redirect_uri: &redirect,
            mobile: false,
            known_user: true,
        };
        let url = provider(ProviderId::Wechat).authorize_url(&req);
        assert_eq!(url.path(), "/connect/qrconnect");
        assert!(
            url.as_str()
                .contains("response_type=code&scope=snsapi_login&state=s#wechat_redirect")
        );
    }

    #[test]
    fn token_response_with_string_numbers_and_unionid() {
        let p = provider(ProviderId::Wechat);
        let body = r#"{"access_token":"ACCESS","expires_in":"7200","refresh_token":"REFRESH","openid":"o6_bmjrPTlm6_2sgVt7hMZOPfL2M","scope":"snsapi_login","unionid":"o6_bmasdasdsad6_2sgVt7hMZOPfL"}"#;
        let tokens = p.tokens("/t", &doc(body)).expect("tokens");
        assert_eq!(tokens.access_token.expose_secret(), "ACCESS");
        assert_eq!(
            tokens
                .refresh_token
                .as_ref()
                .map(ExposeSecret::expose_secret),
            Some("REFRESH")
        );
        assert_eq!(tokens.expires_in, Some(7200));
        assert_eq!(
            tokens.subject.as_deref(),
            Some("o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
        );
        assert_eq!(
            tokens.unionid.as_deref(),
            Some("o6_bmasdasdsad6_2sgVt7hMZOPfL")
        );
    }

    #[test]
    fn token_response_without_unionid_or_openid() {
        let p = provider(ProviderId::WechatMp);
        let tokens = p
            .tokens(
                "/t",
                &doc(
                    r#"{"access_token":"A","expires_in":7200,"openid":"O","scope":"snsapi_base"}"#,
                ),
            )
            .expect("tokens");
        assert_eq!(tokens.unionid, None);
        assert!(tokens.refresh_token.is_none());
        let err = p
            .tokens("/t", &doc(r#"{"access_token":"A"}"#))
            .expect_err("no openid");
        assert_eq!(err.kind(), ErrorKind::Malformed);
        let err = p
            .tokens("/t", &doc(r#"{"openid":"O"}"#))
            .expect_err("no token");
        assert_eq!(err.kind(), ErrorKind::Malformed);
    }

    #[test]
    fn snapshot_users_are_refused() {
        let p = provider(ProviderId::WechatMp);
        for flag in ["1", "\"1\""] {
            let body = format!(
                r#"{{"access_token":"A","openid":"O","scope":"snsapi_base","is_snapshotuser":{flag}}}"#
            );
            let err = p.tokens("/t", &doc(&body)).expect_err("snapshot user");
            assert_eq!(err.kind(), ErrorKind::Refused);
        }
        let body = r#"{"access_token":"A","openid":"O","is_snapshotuser":0}"#;
        assert!(p.tokens("/t", &doc(body)).is_ok());
    }

    #[test]
    fn errors_are_matched_on_code_not_message() {
        let cases = [
            (
                r#"{"errcode":40029,"errmsg":"invalid code, rid: 6543-1234"}"#,
                ErrorKind::InvalidCode,
            ),
            (
                r#"{"errcode":40163,"errmsg":"code been used, hints: [ req_id: 1234 ]"}"#,
                ErrorKind::InvalidCode,
            ),
            (
                r#"{"errcode":"42003","errmsg":"code expired"}"#,
                ErrorKind::InvalidCode,
            ),
            (
                r#"{"errcode":41008,"errmsg":"missing code"}"#,
                ErrorKind::InvalidCode,
            ),
            (
                r#"{"errcode":40001,"errmsg":"invalid credential"}"#,
                ErrorKind::TokenExpired,
            ),
            (
                r#"{"errcode":42001,"errmsg":"access_token expired"}"#,
                ErrorKind::TokenExpired,
            ),
            (
                r#"{"errcode":40014,"errmsg":"invalid access_token"}"#,
                ErrorKind::TokenExpired,
            ),
            (
                r#"{"errcode":40030,"errmsg":"invalid refresh_token"}"#,
                ErrorKind::TokenInvalid,
            ),
            (
                r#"{"errcode":42002,"errmsg":"refresh_token expired"}"#,
                ErrorKind::TokenInvalid,
            ),
            (
                r#"{"errcode":42007,"errmsg":"access_token and refresh_token exception"}"#,
                ErrorKind::TokenInvalid,
            ),
            (
                r#"{"errcode":40013,"errmsg":"invalid appid"}"#,
                ErrorKind::Misconfigured,
            ),
            (
                r#"{"errcode":40125,"errmsg":"invalid appsecret"}"#,
                ErrorKind::Misconfigured,
            ),
            (
                r#"{"errcode":40164,"errmsg":"invalid ip 1.2.3.4, not in whitelist"}"#,
                ErrorKind::Misconfigured,
            ),
            (
                r#"{"errcode":-1,"errmsg":"system error"}"#,
                ErrorKind::Unavailable,
            ),
            (
                r#"{"errcode":45011,"errmsg":"api minute-quota reach limit"}"#,
                ErrorKind::Unavailable,
            ),
        ];
        for (body, kind) in cases {
            let err = error_in(ProviderId::Wechat, &doc(body)).expect("an error");
            assert_eq!(err.kind(), kind, "{body}");
        }
        let err = error_in(ProviderId::Wechat, &doc(cases[0].0)).expect("an error");
        assert_eq!(err.code(), Some(40029));
        assert_eq!(err.provider_message(), "invalid code, rid: 6543-1234");
        assert!(error_in(ProviderId::Wechat, &doc(r#"{"errcode":0,"errmsg":"ok"}"#)).is_none());
        assert!(error_in(ProviderId::Wechat, &doc(r#"{"openid":"O"}"#)).is_none());
    }

    #[test]
    fn only_userinfo_scopes_call_userinfo() {
        assert!(grants_userinfo(Some("snsapi_login")));
        assert!(grants_userinfo(Some("snsapi_userinfo")));
        assert!(grants_userinfo(Some("snsapi_base,snsapi_userinfo")));
        assert!(grants_userinfo(None));
        assert!(!grants_userinfo(Some("snsapi_base")));
    }

    #[test]
    fn userinfo_with_emoji_and_empty_avatar() {
        let body = r#"{"openid":"O","nickname":"小明😀 𝓜","sex":"2","language":"zh_CN","province":"广东","city":"深圳","country":"中国","headimgurl":"","privilege":[]}"#;
        let info: UserInfo = parse::typed(&doc(body)).expect("userinfo");
        assert_eq!(info.nickname.as_deref(), Some("小明😀 𝓜"));
        assert_eq!(info.headimgurl, None);
        assert_eq!(gender(info.sex), Gender::Female);
        assert_eq!(gender(Some(0)), Gender::Unknown);
    }

    #[test]
    fn wechat_deny_has_no_code() {
        use crate::callback::query;
        for provider in [ProviderId::Wechat, ProviderId::WechatMp].map(provider) {
            let err = provider
                .callback_error(&query(&[("state", "s")]))
                .expect("an error");
            assert_eq!(err.kind(), ErrorKind::Cancelled);
            let err = provider
                .callback_error(&query(&[("code", ""), ("state", "s")]))
                .expect("an error");
            assert_eq!(err.kind(), ErrorKind::Cancelled);
        }
    }
}
