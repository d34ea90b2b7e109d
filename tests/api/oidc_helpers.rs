//! A site that signs people in through Denglu, as a strict OpenID Connect relying party: the
//! `openidconnect` crate checks discovery, signatures, `iss`, `aud`, `nonce` and PKCE.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

use crate::helpers::{Browser, TestApp, location, query_param};

pub const REDIRECT: &str = "https://site.example/callback";

pub type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A registered client and what it knows.
pub struct Site {
    pub client_id: String,
    /// Where this site is answered (REDIRECT unless registered otherwise).
    pub redirect: String,
    pub secret: Option<String>,
    pub metadata: CoreProviderMetadata,
    pub http: reqwest::Client,
    pub issuer: String,
}

#[derive(Default, Clone)]
pub struct Registration {
    pub first_party: bool,
    pub public: bool,
    pub post_logout: Vec<String>,
    pub backchannel: Option<String>,
    pub es256: bool,
    /// Another redirect URI than REDIRECT (another site, another pairwise sector).
    pub redirect: Option<String>,
}

impl Registration {
    /// One of this site's own: no consent page.
    pub fn first_party() -> Self {
        Self {
            first_party: true,
            ..Self::default()
        }
    }
}

/// The header of a JWT, read without checking it.
pub fn header(token: &str) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').next().expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("a JSON header")
}

/// One authorization request in flight: what the site keeps until the browser returns.
pub struct Started {
    pub url: String,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub verifier: Option<PkceCodeVerifier>,
}

impl Site {
    /// A client that already exists (declared in the configuration).
    pub async fn existing(app: &TestApp, client_id: &str, secret: Option<&str>) -> Site {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let issuer = app.url("").trim_end_matches('/').to_string();
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.clone()).unwrap(), &http)
                .await
                .expect("discovery answers a strict client");
        Site {
            redirect: REDIRECT.into(),
            client_id: client_id.to_string(),
            secret: secret.map(str::to_string),
            metadata,
            http,
            issuer,
        }
    }

    pub async fn register(app: &TestApp, registration: Registration) -> Site {
        use denglu::oidc::clients::{NewClient, add};
        let registered = add(
            &app.db.conn,
            NewClient {
                name: "Example Shop".into(),
                redirect_uris: vec![registration.redirect.clone().unwrap_or(REDIRECT.into())],
                post_logout_redirect_uris: registration.post_logout,
                backchannel_logout_uri: registration.backchannel,
                public: registration.public,
                first_party: registration.first_party,
                id_token_alg: registration
                    .es256
                    .then_some(denglu::oidc::keys::SigningAlg::Es256),
            },
        )
        .await
        .expect("a client registers");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let issuer = app.url("");
        let issuer = issuer.trim_end_matches('/').to_string();
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.clone()).unwrap(), &http)
                .await
                .expect("discovery answers a strict client");
        Site {
            redirect: registration.redirect.unwrap_or(REDIRECT.into()),
            client_id: registered.client_id,
            secret: registered.client_secret,
            metadata,
            http,
            issuer,
        }
    }

    pub fn rp(&self) -> Rp {
        CoreClient::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(self.client_id.clone()),
            self.secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(self.redirect.clone()).unwrap())
    }

    /// An authorization URL with PKCE and `scopes` (openid always), adjusted by `extra`.
    pub fn start(&self, scopes: &[&str], extra: &[(&str, &str)]) -> Started {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let rp = self.rp();
        let mut request = rp
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in scopes {
            request = request.add_scope(Scope::new(scope.to_string()));
        }
        for (name, value) in extra {
            request = request.add_extra_param(name.to_string(), value.to_string());
        }
        let (url, state, nonce) = request.url();
        Started {
            url: url.to_string(),
            state,
            nonce,
            verifier: Some(verifier),
        }
    }

    /// Redeems the code the browser brought back, checking `state` and `iss` first.
    pub async fn finish(&self, started: Started, returned: &str) -> Tokens {
        assert!(
            returned.starts_with(&self.redirect),
            "back at {}: {returned}",
            self.redirect
        );
        assert_eq!(
            query_param(returned, "state").as_deref(),
            Some(started.state.secret().as_str()),
            "the state comes back"
        );
        assert_eq!(
            query_param(returned, "iss").as_deref(),
            Some(self.issuer.as_str()),
            "iss is in the response (RFC 9207)"
        );
        let code = query_param(returned, "code").expect("a code");
        let rp = self.rp();
        let mut exchange = rp
            .exchange_code(AuthorizationCode::new(code))
            .expect("a token endpoint");
        if let Some(verifier) = started.verifier {
            exchange = exchange.set_pkce_verifier(verifier);
        }
        let response: CoreTokenResponse = exchange
            .request_async(&self.http)
            .await
            .expect("the token endpoint answers");
        let claims = self.verify(&response, &started.nonce);
        Tokens { response, claims }
    }

    /// Verifies the ID token as a strict client does: signature, iss, aud, exp, nonce, at_hash.
    pub fn verify(&self, response: &CoreTokenResponse, nonce: &Nonce) -> CoreIdTokenClaims {
        let rp = self.rp();
        let verifier = rp.id_token_verifier();
        let id_token = response.id_token().expect("an ID token");
        let claims = id_token
            .claims(&verifier, nonce)
            .expect("the ID token verifies")
            .clone();
        let expected = AccessTokenHash::from_token(
            response.access_token(),
            id_token.signing_alg().expect("signed"),
            id_token.signing_key(&verifier).expect("a published key"),
        )
        .expect("a hash");
        assert_eq!(claims.access_token_hash(), Some(&expected), "at_hash");
        claims
    }

    /// UserInfo with the access token, as a plain JSON object.
    pub async fn userinfo(&self, access_token: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/oauth/userinfo", self.issuer))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("userinfo answers")
    }

    /// Trades a refresh token at the token endpoint (narrowed to `scope` if given).
    pub async fn refresh(&self, token: &str, scope: Option<&str>) -> reqwest::Response {
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
        form.extend(scope.map(|scope| ("scope", scope)));
        self.post("/oauth/token", &form).await
    }

    /// POSTs a form to one of the client's endpoints with its secret (Basic).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.http.post(format!("{}{path}", self.issuer)).form(form);
        request = match &self.secret {
            Some(secret) => request.basic_auth(&self.client_id, Some(secret)),
            None => request,
        };
        request.send().await.expect("the endpoint answers")
    }
}

pub struct Tokens {
    pub response: CoreTokenResponse,
    pub claims: CoreIdTokenClaims,
}

impl Tokens {
    pub fn access(&self) -> String {
        self.response.access_token().secret().clone()
    }

    pub fn refresh(&self) -> String {
        self.response
            .refresh_token()
            .expect("a refresh token")
            .secret()
            .clone()
    }

    pub fn id_token(&self) -> String {
        self.response.id_token().expect("an ID token").to_string()
    }
}

/// A person with an account (signed up through QQ as simulator user `user`), signed in.
pub async fn person(app: &TestApp, user: u64, username: &str) -> Browser {
    let browser = app.new_browser();
    browser.sign_up(app, "qq", user, username).await;
    browser
}

/// Authorizes in `browser` (signed in, consent not needed): where Denglu sends it back.
pub async fn authorize(browser: &Browser, url: &str) -> String {
    let response = browser.get(url).await;
    follow(browser, &location(&response)).await
}

impl Site {
    /// A whole sign-in of the signed-in `browser` at this site, checked as the client does.
    pub async fn sign_in(&self, browser: &Browser, scopes: &[&str]) -> Tokens {
        let started = self.start(scopes, &[]);
        let back = authorize(browser, &started.url).await;
        self.finish(started, &back).await
    }
}

/// Follows the browser through Denglu's own redirects until it leaves for the site (or stops
/// on one of our pages); returns the last location.
pub async fn follow(browser: &Browser, first: &str) -> String {
    let mut at = first.to_string();
    for _ in 0..10 {
        if at.starts_with("https://") || at.starts_with("/login") || at.starts_with("/signup") {
            return at;
        }
        if at.starts_with("/oauth/consent?") {
            return at;
        }
        let response = browser.get(&at).await;
        if !response.status().is_redirection() {
            return at;
        }
        at = location(&response);
    }
    panic!("too many redirects, last at {at}");
}

/// The browser at `/login?next=...` signs in with `provider` as simulator user `user`;
/// returns where the sign-in sends it.
pub async fn sign_in_at_login(
    browser: &Browser,
    app: &TestApp,
    login: &str,
    provider: &str,
    user: u64,
) -> String {
    assert!(
        login.starts_with("/login?next="),
        "at the login page: {login}"
    );
    let next = query_param(login, "next").expect("a next");
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    browser
        .sign_in_with_query(app, provider, user, &format!("?next={encoded}"))
        .await
}

/// The claims of a JWT, read without checking it (the checks are the client's, above).
pub fn payload(token: &str) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}
