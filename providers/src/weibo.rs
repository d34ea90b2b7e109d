//! Sina Weibo: form POST token exchange, `get_token_info` to check whose token it is.

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

/// Weibo's calls, by the names metrics give them (`get_token_info` checks a token's app).
const TOKEN: Endpoint = Endpoint::new("token", "/oauth2/access_token");
const TOKEN_INFO: Endpoint = Endpoint::new("token_info", "/oauth2/get_token_info");
const USERINFO: Endpoint = Endpoint::new("userinfo", "/2/users/show.json");

const ID: ProviderId = ProviderId::Weibo;

pub(crate) const API: Host = Host {
    name: "api.weibo.com",
    default_url: "https://api.weibo.com",
    base: ConfigKey {
        env: "WEIBO_BASE",
        toml: "providers.weibo_base",
    },
};

pub(crate) const SPEC: ProviderSpec = ProviderSpec {
    id: "weibo",
    app_id: ConfigKey {
        env: "WEIBO_APPKEY",
        toml: "providers.weibo.appkey",
    },
    secret: ConfigKey {
        env: "WEIBO_SECRET",
        toml: "providers.weibo.secret",
    },
    hosts: &[&API],
    unionid_scope: "weibo",
    label_key: "provider-weibo",
    hint_key: "provider-weibo-hint",
    icon: "/icons/weibo.svg",
    avatar_hosts: &["*.sinaimg.cn"],
};

pub struct Weibo {
    creds: AppCredentials,
    base: Url,
    client: Client,
}

impl Weibo {
    pub fn new(creds: AppCredentials, endpoints: &Endpoints, client: Client) -> Self {
        Weibo {
            creds,
            base: endpoints.base(&API),
            client,
        }
    }

    async fn post(
        &self,
        endpoint: Endpoint,
        form: &[(&str, &str)],
    ) -> Result<Document, ProviderError> {
        let request = self.client.post(join(&self.base, endpoint.path)).form(form);
        http::call(ID, endpoint, request, error_in).await
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

    /// Token calls, then `get_token_info`: the `uid` of a token response alone is not trusted.
    async fn token(&self, form: &[(&str, &str)]) -> Result<TokenSet, ProviderError> {
        let endpoint = TOKEN;
        let doc = self.post(endpoint, form).await?;
        let reply: TokenReply =
            parse::typed(&doc).map_err(|e| http::malformed(ID, endpoint.path, &e))?;
        let access_token = SecretString::from(
            reply
                .access_token
                .ok_or_else(|| http::malformed(ID, endpoint.path, "no access_token"))?,
        );
        let uid = reply
            .uid
            .ok_or_else(|| http::malformed(ID, endpoint.path, "no uid"))?;
        let verified = self.token_owner(&access_token).await?;
        if verified != uid {
            return Err(refused("get_token_info uid differs from the token's uid"));
        }
        Ok(TokenSet {
            access_token,
            refresh_token: reply.refresh_token.map(SecretString::from),
            expires_in: reply.expires_in.or(reply.remind_in),
            scope: None,
            subject: Some(uid),
            unionid: None,
        })
    }

    /// The uid a token belongs to, once its appkey is checked to be ours.
    async fn token_owner(&self, access_token: &SecretString) -> Result<String, ProviderError> {
        let endpoint = TOKEN_INFO;
        let doc = self
            .post(endpoint, &[("access_token", access_token.expose_secret())])
            .await?;
        self.check_token_info(endpoint.path, &doc)
    }

    fn check_token_info(&self, endpoint: &str, doc: &Document) -> Result<String, ProviderError> {
        let info: TokenInfo = parse::typed(doc).map_err(|e| http::malformed(ID, endpoint, &e))?;
        match info.appkey {
            Some(appkey) if appkey == self.creds.app_id => {}
            Some(_) => return Err(refused("token was issued to another app (appkey)")),
            None => return Err(refused("no appkey to check the token against")),
        }
        if info.expire_in.is_some_and(|left| left <= 0) {
            return Err(ProviderError::new(
                ErrorKind::TokenExpired,
                ID,
                None,
                "get_token_info: expire_in <= 0",
            ));
        }
        info.uid
            .ok_or_else(|| http::malformed(ID, endpoint, "no uid"))
    }
}

fn refused(message: &str) -> ProviderError {
    ProviderError::new(ErrorKind::Refused, ID, None, message)
}

#[derive(Deserialize)]
struct TokenReply {
    #[serde(default, deserialize_with = "lenient_string")]
    access_token: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    refresh_token: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    remind_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient_string")]
    uid: Option<String>,
}

#[derive(Deserialize)]
struct TokenInfo {
    #[serde(default, deserialize_with = "lenient_string")]
    uid: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    appkey: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    expire_in: Option<i64>,
}

#[derive(Deserialize)]
struct User {
    #[serde(default, deserialize_with = "lenient_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    idstr: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    screen_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    profile_image_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    avatar_large: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    gender: Option<String>,
}

/// `{"error","error_code","error_description","request"}` at any HTTP status.
fn error_in(doc: &Document) -> Option<ProviderError> {
    let code = parse::int_field(doc, "error_code").filter(|&code| code != 0);
    let name = parse::text_field(doc, "error");
    if code.is_none() && name.is_none() {
        return None;
    }
    let kind = match (code, name.as_deref()) {
        (Some(code), _) => classify(code),
        (None, Some(name)) => classify_name(name),
        (None, None) => ErrorKind::Unavailable,
    };
    let message = parse::text_field(doc, "error_description")
        .or(name)
        .unwrap_or_default();
    Some(ProviderError::new(kind, ID, code, message))
}

fn classify(code: i64) -> ErrorKind {
    match code {
        21330 => ErrorKind::Cancelled,
        21325 => ErrorKind::InvalidCode,
        21315 | 21327 => ErrorKind::TokenExpired,
        // Token used, revoked, or otherwise unusable.
        21301 | 21314 | 21316 | 21317 | 21319 | 21332 | 21501 => ErrorKind::TokenInvalid,
        // unsupported_grant_type: web apps cannot refresh, so the user signs in again.
        21328 => ErrorKind::TokenInvalid,
        // redirect_uri mismatch, invalid request or client, missing appkey.
        21322 | 21323 | 21324 | 10006 => ErrorKind::Misconfigured,
        // 21331 temporarily unavailable, 10004 and 1002x rate limits, and the unknown.
        _ => ErrorKind::Unavailable,
    }
}

/// OAuth 2 error names, for answers (and callbacks) that carry no `error_code`.
fn classify_name(name: &str) -> ErrorKind {
    match name {
        "access_denied" => ErrorKind::Cancelled,
        "invalid_grant" => ErrorKind::InvalidCode,
        "expired_token" => ErrorKind::TokenExpired,
        "invalid_token" => ErrorKind::TokenInvalid,
        "redirect_uri_mismatch" | "invalid_client" | "invalid_request" | "unauthorized_client" => {
            ErrorKind::Misconfigured
        }
        _ => ErrorKind::Unavailable,
    }
}

fn gender(value: Option<&str>) -> Gender {
    match value {
        Some("m") => Gender::Male,
        Some("f") => Gender::Female,
        _ => Gender::Unknown,
    }
}

#[async_trait]
impl Provider for Weibo {
    fn id(&self) -> ProviderId {
        ID
    }

    fn app_id(&self) -> &str {
        &self.creds.app_id
    }

    fn authorize_url(&self, req: &AuthorizeRequest<'_>) -> Url {
        let mut url = join(&self.base, "/oauth2/authorize");
        url.query_pairs_mut()
            .append_pair("client_id", &self.creds.app_id)
            .append_pair("redirect_uri", req.redirect_uri.as_str())
            .append_pair("state", req.state)
            .append_pair("scope", "")
            .append_pair("display", if req.mobile { "mobile" } else { "default" });
        url
    }

    /// Weibo says no with `error=access_denied&error_code=21330`; other errors carry their
    /// code, or only an OAuth 2 error name.
    fn callback_error(&self, query: &HashMap<String, String>) -> Option<ProviderError> {
        callback::refusal(ID, query, |code, name| {
            code.map_or_else(|| classify_name(name), classify)
        })
    }

    async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &Url,
    ) -> Result<TokenSet, ProviderError> {
        self.token(&[
            ("client_id", &self.creds.app_id),
            ("client_secret", self.creds.secret.expose_secret()),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
        ])
        .await
    }

    async fn fetch_profile(&self, tokens: &TokenSet) -> Result<Profile, ProviderError> {
        let uid = match &tokens.subject {
            Some(uid) => uid.clone(),
            None => self.token_owner(&tokens.access_token).await?,
        };
        let endpoint = USERINFO;
        let doc = self
            .get(
                endpoint,
                &[
                    ("access_token", tokens.access_token.expose_secret()),
                    ("uid", &uid),
                ],
            )
            .await?;
        let user: User = parse::typed(&doc).map_err(|e| http::malformed(ID, endpoint.path, &e))?;
        let shown = user
            .idstr
            .or(user.id)
            .ok_or_else(|| http::malformed(ID, endpoint.path, "no id"))?;
        if shown != uid {
            return Err(refused("users/show id differs from the token's uid"));
        }
        let avatar_url = [user.avatar_large, user.profile_image_url]
            .into_iter()
            .flatten()
            .find(|url| !url.trim().is_empty());
        Ok(Profile {
            provider: ID,
            app_id: self.creds.app_id.clone(),
            subject: uid,
            unionid: None,
            nickname: user.screen_name.or(user.name).unwrap_or_default(),
            avatar_url,
            gender: gender(user.gender.as_deref()),
            raw: serde_json::Value::Object(doc),
        })
    }

    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, ProviderError> {
        // Weibo issues refresh tokens to mobile SDK apps only; web apps get an error here.
        self.token(&[
            ("client_id", &self.creds.app_id),
            ("client_secret", self.creds.secret.expose_secret()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ])
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weibo() -> Weibo {
        Weibo::new(
            AppCredentials::new("2000000001", "simweibosecret"),
            &Endpoints::default(),
            crate::http_client(),
        )
    }

    fn doc(text: &str) -> Document {
        parse::document(text).expect("a document")
    }

    #[test]
    fn authorize_url_carries_display() {
        let redirect = Url::parse("http://127.0.0.1:3000/auth/weibo/callback").expect("valid");
        let req = AuthorizeRequest {
            state: "s1",
            redirect_uri: &redirect,
            mobile: false,
            known_user: false,
        };
        assert_eq!(
            weibo().authorize_url(&req).as_str(),
            "https://api.weibo.com/oauth2/authorize?client_id=2000000001\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fauth%2Fweibo%2Fcallback&state=s1&scope=&display=default"
        );
        let mobile = AuthorizeRequest {
            mobile: true,
            ..req
        };
        assert!(
            weibo()
                .authorize_url(&mobile)
                .as_str()
                .ends_with("display=mobile")
        );
    }

    #[test]
    fn token_types_vary() {
        for body in [
            r#"{"access_token":"2.00abc","remind_in":"142153","expires_in":142153,"uid":"1567896867"}"#,
            r#"{"access_token":"2.00abc","remind_in":142153,"expires_in":"142153","uid":1567896867,"isRealName":"true"}"#,
        ] {
            let reply: TokenReply = parse::typed(&doc(body)).expect("token");
            assert_eq!(reply.uid.as_deref(), Some("1567896867"));
            assert_eq!(reply.expires_in, Some(142_153));
            assert_eq!(reply.remind_in, Some(142_153));
        }
    }

    #[test]
    fn token_info_checks_appkey() {
        let w = weibo();
        let ok = doc(
            r#"{"uid":1073880650,"appkey":"2000000001","scope":null,"create_at":1352267591,"expire_in":157679471}"#,
        );
        assert_eq!(
            w.check_token_info("/i", &ok).ok().as_deref(),
            Some("1073880650")
        );
        let numeric = doc(r#"{"uid":"1073880650","appkey":2000000001,"expire_in":"5"}"#);
        assert_eq!(
            w.check_token_info("/i", &numeric).ok().as_deref(),
            Some("1073880650")
        );
        let other = doc(r#"{"uid":1073880650,"appkey":"3999999999","expire_in":100}"#);
        assert_eq!(
            w.check_token_info("/i", &other).err().map(|e| e.kind()),
            Some(ErrorKind::Refused)
        );
        let missing = doc(r#"{"uid":1073880650,"expire_in":100}"#);
        assert_eq!(
            w.check_token_info("/i", &missing).err().map(|e| e.kind()),
            Some(ErrorKind::Refused)
        );
        let expired = doc(r#"{"uid":1,"appkey":"2000000001","expire_in":0}"#);
        assert_eq!(
            w.check_token_info("/i", &expired).err().map(|e| e.kind()),
            Some(ErrorKind::TokenExpired)
        );
    }

    #[test]
    fn errors_by_code_and_by_name() {
        let cases = [
            (
                r#"{"error":"invalid_grant","error_code":21325,"error_description":"invalid authorization code:abc","request":"/oauth2/access_token"}"#,
                ErrorKind::InvalidCode,
            ),
            (
                r#"{"error":"access_denied","error_code":"21330","request":"/oauth2/authorize"}"#,
                ErrorKind::Cancelled,
            ),
            (
                r#"{"error":"expired_token","error_code":21327,"request":"/2/users/show.json"}"#,
                ErrorKind::TokenExpired,
            ),
            (
                r#"{"error":"redirect_uri_mismatch","error_code":21322}"#,
                ErrorKind::Misconfigured,
            ),
            (
                r#"{"error":"invalid_client","error_code":21324}"#,
                ErrorKind::Misconfigured,
            ),
            (
                r#"{"error":"temporarily_unavailable","error_code":21331}"#,
                ErrorKind::Unavailable,
            ),
            (
                r#"{"error":"User requests out of rate limit!","error_code":10004}"#,
                ErrorKind::Unavailable,
            ),
            (r#"{"error":"invalid_grant"}"#, ErrorKind::InvalidCode),
        ];
        for (body, kind) in cases {
            assert_eq!(error_in(&doc(body)).map(|e| e.kind()), Some(kind), "{body}");
        }
        let err = error_in(&doc(cases[0].0)).expect("an error");
        assert_eq!(err.code(), Some(21325));
        assert!(error_in(&doc(r#"{"id":1,"idstr":"1"}"#)).is_none());
    }

    #[test]
    fn users_show_with_big_ids_and_fallback_avatar() {
        let body = r#"{"id":5678901234567890,"idstr":"5678901234567890","screen_name":"微博用户🌸","name":"n","profile_image_url":"http://tva1.sinaimg.cn/50","avatar_large":"","gender":"f"}"#;
        let user: User = parse::typed(&doc(body)).expect("user");
        assert_eq!(user.id.as_deref(), Some("5678901234567890"));
        assert_eq!(user.screen_name.as_deref(), Some("微博用户🌸"));
        assert_eq!(user.avatar_large, None);
        assert_eq!(gender(user.gender.as_deref()), Gender::Female);
        assert_eq!(gender(Some("n")), Gender::Unknown);
    }

    #[test]
    fn weibo_access_denied() {
        use crate::callback::query;
        let q = query(&[
            ("error_uri", "/oauth2/authorize"),
            ("error", "access_denied"),
            ("error_description", "user denied your request."),
            ("error_code", "21330"),
            ("state", "s"),
        ]);
        let err = weibo().callback_error(&q).expect("an error");
        assert_eq!(
            (err.kind(), err.code()),
            (ErrorKind::Cancelled, Some(21330))
        );
        assert_eq!(err.provider_message(), "user denied your request.");
        let bare = weibo()
            .callback_error(&query(&[("error", "access_denied")]))
            .expect("an error");
        assert_eq!(bare.kind(), ErrorKind::Cancelled);
        let mismatch = query(&[("error", "redirect_uri_mismatch"), ("error_code", "21322")]);
        assert_eq!(
            weibo().callback_error(&mismatch).map(|e| e.kind()),
            Some(ErrorKind::Misconfigured)
        );
    }
}
