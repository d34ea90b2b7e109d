//! QQ Connect: urlencoded, JSON or JSONP answers, `/me` for the openid.

use std::collections::HashMap;

use async_trait::async_trait;
use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::http::{self, Endpoint, join};
use crate::parse::{self, Document, lenient_i64, lenient_string, lenient_u64};
use crate::{
    AppCredentials, AuthorizeRequest, ConfigKey, Endpoints, ErrorKind, Gender, Host, Profile,
    Provider, ProviderError, ProviderId, ProviderSpec, TokenSet, callback,
};

/// QQ Connect's calls, by the names metrics give them (`/me` tells whose a token is).
const TOKEN: Endpoint = Endpoint::new("token", "/oauth2.0/token");
const OPENID: Endpoint = Endpoint::new("openid", "/oauth2.0/me");
const USERINFO: Endpoint = Endpoint::new("userinfo", "/user/get_user_info");

const ID: ProviderId = ProviderId::Qq;

pub(crate) const GRAPH: Host = Host {
    name: "graph.qq.com",
    default_url: "https://graph.qq.com",
    base: ConfigKey {
        env: "QQ_BASE",
        toml: "providers.qq_base",
    },
};

pub(crate) const SPEC: ProviderSpec = ProviderSpec {
    id: "qq",
    app_id: ConfigKey {
        env: "QQ_APPID",
        toml: "providers.qq.appid",
    },
    secret: ConfigKey {
        env: "QQ_APPKEY",
        toml: "providers.qq.appkey",
    },
    hosts: &[&GRAPH],
    unionid_scope: "qq",
    label_key: "provider-qq",
    hint_key: "provider-qq-hint",
    icon: "/icons/qq.svg",
    avatar_hosts: &["thirdqq.qlogo.cn", "qzapp.qlogo.cn"],
};

pub struct Qq {
    creds: AppCredentials,
    base: Url,
    client: Client,
}

/// Who a token belongs to, according to `/oauth2.0/me`.
struct Me {
    openid: String,
    unionid: Option<String>,
}

impl Qq {
    pub fn new(creds: AppCredentials, endpoints: &Endpoints, client: Client) -> Self {
        Qq {
            creds,
            base: endpoints.base(&GRAPH),
            client,
        }
    }

    async fn get(
        &self,
        endpoint: Endpoint,
        query: &[(&str, &str)],
    ) -> Result<Document, ProviderError> {
        let mut url = join(&self.base, endpoint.path);
        url.query_pairs_mut().extend_pairs(query);
        http::call(ID, endpoint, self.client.get(url), error_in).await
    }

    /// Token calls (code and refresh) followed by `/me`, which checks that the
    /// token was issued to our app and tells whose it is.
    async fn token(&self, query: &[(&str, &str)]) -> Result<TokenSet, ProviderError> {
        let endpoint = TOKEN;
        let doc = self.get(endpoint, query).await?;
        let reply: TokenReply =
            parse::typed(&doc).map_err(|e| http::malformed(ID, endpoint.path, &e))?;
        let access_token = SecretString::from(
            reply
                .access_token
                .ok_or_else(|| http::malformed(ID, endpoint.path, "no access_token"))?,
        );
        let me = self.me(&access_token).await?;
        Ok(TokenSet {
            access_token,
            refresh_token: reply.refresh_token.map(SecretString::from),
            expires_in: reply.expires_in,
            scope: None,
            subject: Some(me.openid),
            unionid: me.unionid,
        })
    }

    /// `/me` asking for the unionid, and again without it when the app may not have it.
    async fn me(&self, access_token: &SecretString) -> Result<Me, ProviderError> {
        match self.me_once(access_token, true).await {
            Err(e) if matches!(e.code(), Some(100048 | 100049)) => {
                tracing::info!(
                    code = e.code(),
                    "qq app has no unionid permission; asking /me without it"
                );
                self.me_once(access_token, false).await
            }
            other => other,
        }
    }

    async fn me_once(
        &self,
        access_token: &SecretString,
        unionid: bool,
    ) -> Result<Me, ProviderError> {
        let endpoint = OPENID;
        let mut query = vec![("access_token", access_token.expose_secret())];
        if unionid {
            query.push(("unionid", "1"));
        }
        query.push(("fmt", "json"));
        let doc = self.get(endpoint, &query).await?;
        self.check_me(endpoint.path, &doc)
    }

    fn check_me(&self, endpoint: &str, doc: &Document) -> Result<Me, ProviderError> {
        match parse::text_field(doc, "client_id") {
            Some(client_id) if client_id == self.creds.app_id => {}
            Some(_) => return Err(refused("token was issued to another app (client_id)")),
            None => return Err(refused("no client_id to check the token against")),
        }
        let openid = parse::text_field(doc, "openid")
            .ok_or_else(|| http::malformed(ID, endpoint, "no openid"))?;
        Ok(Me {
            openid,
            unionid: parse::text_field(doc, "unionid"),
        })
    }
}

fn refused(message: &str) -> ProviderError {
    ProviderError::new(ErrorKind::Refused, ID, None, message)
}

#[derive(Deserialize)]
struct TokenReply {
    #[serde(default, deserialize_with = "lenient_string")]
    access_token: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient_string")]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct UserInfo {
    #[serde(default, deserialize_with = "lenient_string")]
    nickname: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    gender: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    gender_type: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    figureurl_qq_1: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    figureurl_qq_2: Option<String>,
}

/// QQ's error shapes: `{"error":N,"error_description":..}` (JSON or JSONP),
/// `{"ret":N,"msg":..}` with N != 0, and the old `code=N&msg=..`.
fn error_in(doc: &Document) -> Option<ProviderError> {
    let error = |code: Option<i64>, message_key: &str| {
        let message = parse::text_field(doc, message_key).unwrap_or_default();
        let kind = code.map_or(ErrorKind::Unavailable, classify);
        Some(ProviderError::new(kind, ID, code, message))
    };
    if doc.contains_key("error") {
        match parse::int_field(doc, "error") {
            Some(0) => {}
            Some(code) => return error(Some(code), "error_description"),
            None if parse::text_field(doc, "error").is_some() => {
                return error(None, "error_description");
            }
            None => {}
        }
    }
    if let Some(code) = parse::int_field(doc, "ret").filter(|&ret| ret != 0) {
        return error(Some(code), "msg");
    }
    let answer = doc.contains_key("access_token") || doc.contains_key("openid");
    match parse::int_field(doc, "code") {
        Some(code) if code != 0 && !answer => error(Some(code), "msg"),
        _ => None,
    }
}

fn classify(code: i64) -> ErrorKind {
    match code {
        100014 => ErrorKind::TokenExpired,
        // Invalid, revoked or failed-check access tokens; missing or bad refresh tokens.
        100013 | 100015 | 100016 | 100006 | 100007 | 100036..=100042 => ErrorKind::TokenInvalid,
        100005 | 100019 | 100020 => ErrorKind::InvalidCode,
        // The user unticked the permission we asked for: to them it is a "no", and
        // signing in again and granting it fixes it, which the cancelled message says.
        100030 => ErrorKind::Cancelled,
        100050 => ErrorKind::Refused,
        // Missing parameters, unknown app, wrong appkey, bad redirect_uri, app offline,
        // API not granted, no unionid permission.
        100001..=100004 | 100008..=100012 | 100031 | 100048 | 100049 => ErrorKind::Misconfigured,
        _ => ErrorKind::Unavailable,
    }
}

fn gender(info: &UserInfo) -> Gender {
    match (info.gender.as_deref(), info.gender_type) {
        (Some("男"), _) => Gender::Male,
        (Some("女"), _) => Gender::Female,
        // QQ's gender_type: 2 male, 1 female.
        (_, Some(2)) => Gender::Male,
        (_, Some(1)) => Gender::Female,
        _ => Gender::Unknown,
    }
}

fn avatar(info: &UserInfo) -> Option<String> {
    [&info.figureurl_qq_2, &info.figureurl_qq_1]
        .into_iter()
        .flatten()
        .find(|url| !url.trim().is_empty())
        .cloned()
}

#[async_trait]
impl Provider for Qq {
    fn id(&self) -> ProviderId {
        ID
    }

    fn app_id(&self) -> &str {
        &self.creds.app_id
    }

    fn authorize_url(&self, req: &AuthorizeRequest<'_>) -> Url {
        let mut url = join(&self.base, "/oauth2.0/authorize");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.creds.app_id)
                .append_pair("redirect_uri", req.redirect_uri.as_str())
                .append_pair("state", req.state)
                .append_pair("scope", "get_user_info");
            if req.mobile {
                query.append_pair("display", "mobile");
            }
        }
        url
    }

    /// QQ says no with `usercancel=1`, with an `error` carrying its own code, or by coming
    /// back without a code.
    fn callback_error(&self, query: &HashMap<String, String>) -> Option<ProviderError> {
        if callback::param(query, "usercancel").is_some_and(|v| v != "0") {
            return Some(ProviderError::new(
                ErrorKind::Cancelled,
                ID,
                None,
                "usercancel",
            ));
        }
        callback::refusal(ID, query, |code, _| {
            code.map_or(ErrorKind::Cancelled, classify)
        })
    }

    async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &Url,
    ) -> Result<TokenSet, ProviderError> {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", &self.creds.app_id),
            ("client_secret", self.creds.secret.expose_secret()),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
            ("fmt", "json"),
        ])
        .await
    }

    async fn fetch_profile(&self, tokens: &TokenSet) -> Result<Profile, ProviderError> {
        let me = match &tokens.subject {
            Some(openid) => Me {
                openid: openid.clone(),
                unionid: tokens.unionid.clone(),
            },
            None => self.me(&tokens.access_token).await?,
        };
        let endpoint = USERINFO;
        let doc = self
            .get(
                endpoint,
                &[
                    ("access_token", tokens.access_token.expose_secret()),
                    ("oauth_consumer_key", &self.creds.app_id),
                    ("openid", &me.openid),
                ],
            )
            .await?;
        let info: UserInfo =
            parse::typed(&doc).map_err(|e| http::malformed(ID, endpoint.path, &e))?;
        Ok(Profile {
            provider: ID,
            app_id: self.creds.app_id.clone(),
            subject: me.openid,
            unionid: me.unionid,
            nickname: info.nickname.clone().unwrap_or_default(),
            avatar_url: avatar(&info),
            gender: gender(&info),
            raw: serde_json::Value::Object(doc),
        })
    }

    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, ProviderError> {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", &self.creds.app_id),
            ("client_secret", self.creds.secret.expose_secret()),
            ("refresh_token", refresh_token.expose_secret()),
            ("fmt", "json"),
        ])
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qq() -> Qq {
        Qq::new(
            AppCredentials::new("101000001", "simqqappkey"),
            &Endpoints::default(),
            crate::http_client(),
        )
    }

    fn doc(text: &str) -> Document {
        parse::document(text).expect("a document")
    }

    #[test]
    fn authorize_url_has_state_scope_and_mobile_display() {
        let redirect = Url::parse("http://localhost:3000/auth/qq/callback").expect("valid");
        let req = AuthorizeRequest {
            state: "st8",
            redirect_uri: &redirect,
            mobile: true,
            known_user: false,
        };
        let url = qq().authorize_url(&req);
        assert_eq!(
            url.as_str(),
            "https://graph.qq.com/oauth2.0/authorize?response_type=code&client_id=101000001\
             &redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fauth%2Fqq%2Fcallback&state=st8\
             &scope=get_user_info&display=mobile"
        );
        let desktop = AuthorizeRequest {
            mobile: false,
            ..req
        };
        assert!(!qq().authorize_url(&desktop).as_str().contains("display"));
    }

    #[test]
    fn token_answers_in_every_form() {
        for body in [
            "access_token=FE04CCE2&expires_in=7776000&refresh_token=88E4BE14",
            "access_token=FE04CCE2&expires_in=7776000&refresh_token=88E4BE14\n",
            r#"{"access_token":"FE04CCE2","expires_in":"7776000","refresh_token":"88E4BE14"}"#,
            r#"{"access_token":"FE04CCE2","expires_in":7776000,"refresh_token":"88E4BE14"}"#,
        ] {
            let d = doc(body);
            assert!(error_in(&d).is_none(), "{body}");
            let reply: TokenReply = parse::typed(&d).expect("token");
            assert_eq!(reply.access_token.as_deref(), Some("FE04CCE2"));
            assert_eq!(reply.expires_in, Some(7_776_000));
            assert_eq!(reply.refresh_token.as_deref(), Some("88E4BE14"));
        }
    }

    #[test]
    fn errors_in_every_form() {
        let cases = [
            (
                "callback( {\"error\":100020,\"error_description\":\"code is reused error\"} );\n",
                100020,
                ErrorKind::InvalidCode,
            ),
            (
                "callback({\"error\":\"100019\",\"error_description\":\"code to access token error\"})",
                100019,
                ErrorKind::InvalidCode,
            ),
            (
                "callback( {\"error\":100016,\"error_description\":\"access token check failed\"} )",
                100016,
                ErrorKind::TokenInvalid,
            ),
            (
                "{\"error\":100014,\"error_description\":\"access token expired\"}",
                100014,
                ErrorKind::TokenExpired,
            ),
            (
                "code=100010&msg=redirect%20uri%20is%20illegal",
                100010,
                ErrorKind::Misconfigured,
            ),
            (
                "callback( {\"error\":100048,\"error_description\":\"no unionid permission\"} );",
                100048,
                ErrorKind::Misconfigured,
            ),
            (
                "{\"ret\":100030,\"msg\":\"user has not authorized\"}",
                100030,
                ErrorKind::Cancelled,
            ),
            (
                "{\"ret\":100050,\"msg\":\"openid and appid mismatch\"}",
                100050,
                ErrorKind::Refused,
            ),
            (
                "{\"ret\":-1,\"msg\":\"system busy\"}",
                -1,
                ErrorKind::Unavailable,
            ),
            (
                "{\"error\":100039,\"error_description\":\"refresh token expired\"}",
                100039,
                ErrorKind::TokenInvalid,
            ),
        ];
        for (body, code, kind) in cases {
            let err = error_in(&doc(body)).expect("an error");
            assert_eq!((err.code(), err.kind()), (Some(code), kind), "{body}");
        }
        assert_eq!(
            error_in(&doc(cases[0].0))
                .expect("an error")
                .provider_message(),
            "code is reused error"
        );
    }

    #[test]
    fn successes_are_not_errors() {
        assert!(error_in(&doc(r#"{"ret":0,"msg":"","nickname":"x"}"#)).is_none());
        assert!(
            error_in(&doc(
                r#"callback( {"client_id":"101000001","openid":"ABC"} );"#
            ))
            .is_none()
        );
    }

    #[test]
    fn me_checks_the_client_id() {
        let q = qq();
        let me = q
            .check_me("/me", &doc("callback( {\"client_id\":\"101000001\",\"openid\":\"ABC\",\"unionid\":\"UID\"} );\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (me.openid.as_str(), me.unionid.as_deref()),
            ("ABC", Some("UID"))
        );
        let me = q
            .check_me("/me", &doc(r#"{"client_id":101000001,"openid":"ABC"}"#))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(me.unionid, None);
        let err = q
            .check_me(
                "/me",
                &doc(r#"callback( {"client_id":"999","openid":"ABC"} );"#),
            )
            .err()
            .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::Refused));
        let err = q
            .check_me("/me", &doc(r#"{"openid":"ABC"}"#))
            .err()
            .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::Refused));
        let err = q
            .check_me("/me", &doc(r#"{"client_id":"101000001"}"#))
            .err()
            .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::Malformed));
    }

    #[test]
    fn user_info_avatar_and_gender_fallbacks() {
        let body = r#"{"ret":0,"msg":"","is_lost":0,"nickname":"林枫🐧","gender":"男","gender_type":2,"province":"广东","city":"深圳","year":"1990","figureurl_qq_1":"http://thirdqq.qlogo.cn/40","figureurl_qq_2":""}"#;
        let info: UserInfo = parse::typed(&doc(body)).expect("info");
        assert_eq!(info.nickname.as_deref(), Some("林枫🐧"));
        assert_eq!(avatar(&info).as_deref(), Some("http://thirdqq.qlogo.cn/40"));
        assert_eq!(gender(&info), Gender::Male);
        let info: UserInfo = parse::typed(&doc(
            r#"{"ret":0,"gender":"","gender_type":"1","figureurl_qq_2":"http://q/100"}"#,
        ))
        .expect("info");
        assert_eq!(gender(&info), Gender::Female);
        assert_eq!(avatar(&info).as_deref(), Some("http://q/100"));
        let info: UserInfo = parse::typed(&doc(r#"{"ret":0,"gender":"女"}"#)).expect("info");
        assert_eq!(gender(&info), Gender::Female);
        assert_eq!(avatar(&info), None);
    }

    #[test]
    fn qq_variants() {
        use crate::callback::query;
        let cancel = qq().callback_error(&query(&[("usercancel", "1"), ("state", "s")]));
        assert_eq!(cancel.map(|e| e.kind()), Some(ErrorKind::Cancelled));
        let denied = query(&[
            ("error", "100030"),
            ("error_description", "user has not authorized"),
        ]);
        assert_eq!(
            qq().callback_error(&denied).map(|e| e.kind()),
            Some(ErrorKind::Cancelled)
        );
        let no_code = qq().callback_error(&query(&[("state", "s")]));
        assert_eq!(no_code.map(|e| e.kind()), Some(ErrorKind::Cancelled));
        let bad_app = query(&[
            ("error", "100010"),
            ("error_description", "redirect uri is illegal"),
        ]);
        assert_eq!(
            qq().callback_error(&bad_app).map(|e| e.kind()),
            Some(ErrorKind::Misconfigured)
        );
    }
}
