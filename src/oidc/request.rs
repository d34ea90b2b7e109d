//! An authorization request (OIDC Core §3.1.2.1), parsed and checked in the order the
//! specifications ask: the client and its redirect URI first (a mistake there is shown on our
//! page, never redirected to an unverified address), then everything else (a mistake there
//! goes back to the client as `error=...`).

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::oidc::clients::Client;

/// The scopes Denglu knows; others are ignored, as RFC 6749 §3.3 allows.
/// (`offline_access` is not offered: every token of a sign-in ends with its Denglu session.)
pub const SCOPES: [&str; 5] = ["openid", "profile", "email", "identities", "wechat"];

/// A request that passed every check, kept while the person signs in and consents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// The known scopes asked for, in a stable order.
    pub scope: BTreeSet<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// S256 only.
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    /// Seconds.
    pub max_age: Option<i64>,
    /// An ID token the client got earlier: whom it expects to be signed in.
    #[serde(default)]
    pub id_token_hint: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// Why a request is refused, and how the refusal travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Sent back to the (verified) redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: ErrorCode,
        description: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageError {
    MissingClient,
    UnknownClient,
    MissingRedirectUri,
    UnregisteredRedirectUri,
    RepeatedParameter,
    /// The way back from the sign-in names a request that is gone (used or expired).
    Expired,
    /// An `id_token_hint` that Denglu did not sign, or for another client.
    BadHint,
}

impl PageError {
    /// The message key on the error page.
    pub fn message_key(self) -> &'static str {
        match self {
            PageError::MissingClient | PageError::UnknownClient => "oauth-error-client",
            PageError::MissingRedirectUri | PageError::UnregisteredRedirectUri => {
                "oauth-error-redirect-uri"
            }
            PageError::RepeatedParameter => "oauth-error-request",
            PageError::Expired => "oauth-error-expired",
            PageError::BadHint => "oauth-error-hint",
        }
    }
}

/// The error codes of RFC 6749 §4.1.2.1 and OIDC Core §3.1.2.6 that Denglu sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    ServerError,
    LoginRequired,
    ConsentRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    RegistrationNotSupported,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::RequestNotSupported => "request_not_supported",
            ErrorCode::RequestUriNotSupported => "request_uri_not_supported",
            ErrorCode::RegistrationNotSupported => "registration_not_supported",
        }
    }
}

/// The request's parameters: each at most once (RFC 6749 §3.1), empty values as absent.
pub fn parameters(pairs: Vec<(String, String)>) -> Result<HashMap<String, String>, PageError> {
    let mut map = HashMap::new();
    for (name, value) in pairs {
        if value.is_empty() {
            continue;
        }
        if map.insert(name, value).is_some() {
            return Err(PageError::RepeatedParameter);
        }
    }
    Ok(map)
}

/// The client named by the request, and the redirect URI it may be answered at.
pub fn client_and_redirect(
    params: &HashMap<String, String>,
    client: Option<&Client>,
) -> Result<String, PageError> {
    if !params.contains_key("client_id") {
        return Err(PageError::MissingClient);
    }
    let client = client.ok_or(PageError::UnknownClient)?;
    // OpenID Connect requires redirect_uri (Core §3.1.2.1), and it must match exactly.
    let uri = params
        .get("redirect_uri")
        .ok_or(PageError::MissingRedirectUri)?;
    if !client.has_redirect_uri(uri) {
        return Err(PageError::UnregisteredRedirectUri);
    }
    Ok(uri.clone())
}

/// Checks everything after the client and redirect URI.
pub fn validate(
    params: &HashMap<String, String>,
    client: &Client,
    redirect_uri: String,
) -> Result<AuthorizationRequest, Refusal> {
    let state = params.get("state").cloned();
    let refuse = |error: ErrorCode, description: &'static str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description,
    };
    if params.contains_key("request") {
        return Err(refuse(
            ErrorCode::RequestNotSupported,
            "request objects are not supported",
        ));
    }
    if params.contains_key("request_uri") {
        return Err(refuse(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported",
        ));
    }
    if params.contains_key("registration") {
        return Err(refuse(
            ErrorCode::RegistrationNotSupported,
            "registration is not supported",
        ));
    }
    match params.get("response_type").map(String::as_str) {
        Some("code") => {}
        None => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "response_type is missing",
            ));
        }
        Some(_) => {
            return Err(refuse(
                ErrorCode::UnsupportedResponseType,
                "only the authorization code flow (response_type=code) is offered",
            ));
        }
    }
    match params.get("response_mode").map(String::as_str) {
        None | Some("query") => {}
        Some(_) => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "only response_mode=query",
            ));
        }
    }
    let asked: Vec<&str> = params
        .get("scope")
        .map(|s| s.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if !asked.contains(&"openid") {
        return Err(refuse(
            ErrorCode::InvalidScope,
            "the openid scope is required",
        ));
    }
    let scope: BTreeSet<String> = asked
        .into_iter()
        .filter(|s| SCOPES.contains(s))
        .map(str::to_string)
        .collect();

    let code_challenge = match (
        params.get("code_challenge"),
        params.get("code_challenge_method").map(String::as_str),
    ) {
        (None, None) if client.public => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "a public client must use PKCE (code_challenge with S256)",
            ));
        }
        (None, None) => None,
        (None, Some(_)) => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "code_challenge is missing",
            ));
        }
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => Some(challenge.clone()),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "code_challenge must be 43 base64url characters",
            ));
        }
        // An absent method means `plain` (RFC 7636 §4.3), which gives no protection.
        (Some(_), _) => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "code_challenge_method must be S256",
            ));
        }
    };

    let prompt = match params.get("prompt") {
        None => Prompt::default(),
        Some(raw) => {
            let mut prompt = Prompt::default();
            for value in raw.split(' ').filter(|v| !v.is_empty()) {
                match value {
                    "none" => prompt.none = true,
                    "login" | "select_account" => prompt.login = true,
                    "consent" => prompt.consent = true,
                    _ => return Err(refuse(ErrorCode::InvalidRequest, "unknown prompt value")),
                }
            }
            if prompt.none && (prompt.login || prompt.consent) {
                return Err(refuse(
                    ErrorCode::InvalidRequest,
                    "prompt=none cannot be combined with other values",
                ));
            }
            prompt
        }
    };
    let max_age = match params.get("max_age") {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(seconds) if seconds >= 0 => Some(seconds),
            _ => {
                return Err(refuse(
                    ErrorCode::InvalidRequest,
                    "max_age must be a non-negative number of seconds",
                ));
            }
        },
    };
    let nonce = params.get("nonce").cloned();
    if nonce.as_ref().is_some_and(|n| n.len() > 512)
        || state.as_ref().is_some_and(|s| s.len() > 2048)
    {
        return Err(refuse(
            ErrorCode::InvalidRequest,
            "nonce or state is too long",
        ));
    }
    Ok(AuthorizationRequest {
        client_id: client.id.clone(),
        redirect_uri,
        scope,
        state,
        nonce,
        code_challenge,
        prompt,
        max_age,
        id_token_hint: params.get("id_token_hint").cloned(),
    })
}

/// BASE64URL(SHA-256(verifier)) is always 43 characters.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
pub fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::keys::SigningAlg;

    fn client(public: bool) -> Client {
        Client::for_tests("c1", vec!["https://site.example/cb".into()], public)
    }

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        parameters(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
        .expect("no repeats")
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("client_id", "c1"),
            ("redirect_uri", "https://site.example/cb"),
            ("response_type", "code"),
            ("scope", "openid profile unknown"),
            ("state", "s"),
        ]
    }

    fn error_of(result: Result<AuthorizationRequest, Refusal>) -> ErrorCode {
        match result {
            Err(Refusal::Redirect { error, state, .. }) => {
                assert_eq!(state.as_deref(), Some("s"), "the state goes back");
                error
            }
            other => panic!("expected a redirected error, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_request_is_accepted_with_unknown_scopes_dropped() {
        let c = client(false);
        let p = params(&base());
        let request = validate(&p, &c, "https://site.example/cb".into()).expect("valid");
        assert_eq!(
            request.scope.iter().map(String::as_str).collect::<Vec<_>>(),
            ["openid", "profile"]
        );
        assert_eq!(c.id_token_alg, SigningAlg::Rs256);
    }

    #[test]
    fn the_client_and_redirect_uri_are_checked_before_anything_is_redirected() {
        let c = client(false);
        let mut pairs = base();
        pairs[1] = ("redirect_uri", "https://site.example/cb/../evil");
        assert_eq!(
            client_and_redirect(&params(&pairs), Some(&c)),
            Err(PageError::UnregisteredRedirectUri)
        );
        assert_eq!(
            client_and_redirect(&params(&base()), None),
            Err(PageError::UnknownClient)
        );
        let repeated = vec![
            ("client_id".to_string(), "c1".to_string()),
            ("client_id".to_string(), "c2".to_string()),
        ];
        assert_eq!(parameters(repeated), Err(PageError::RepeatedParameter));
    }

    #[test]
    fn each_bad_parameter_gets_its_error_code() {
        let c = client(false);
        let uri = || "https://site.example/cb".to_string();
        let with = |name: &'static str, value: &'static str| {
            let mut pairs: Vec<_> = base().into_iter().filter(|(k, _)| *k != name).collect();
            pairs.push((name, value));
            params(&pairs)
        };
        let cases = [
            (
                with("response_type", "token"),
                ErrorCode::UnsupportedResponseType,
            ),
            (
                with("response_type", "code id_token"),
                ErrorCode::UnsupportedResponseType,
            ),
            (with("scope", "profile"), ErrorCode::InvalidScope),
            (with("prompt", "none login"), ErrorCode::InvalidRequest),
            (with("prompt", "sometimes"), ErrorCode::InvalidRequest),
            (with("max_age", "-1"), ErrorCode::InvalidRequest),
            (with("request", "eyJ"), ErrorCode::RequestNotSupported),
            (with("response_mode", "fragment"), ErrorCode::InvalidRequest),
            (
                with("code_challenge", "x".repeat(43).leak()),
                ErrorCode::InvalidRequest,
            ),
        ];
        for (p, expected) in cases {
            assert_eq!(error_of(validate(&p, &c, uri())), expected, "{p:?}");
        }
    }

    #[test]
    fn pkce_is_s256_only_and_required_of_public_clients() {
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let uri = || "https://site.example/cb".to_string();
        let public = client(true);
        assert_eq!(
            error_of(validate(&params(&base()), &public, uri())),
            ErrorCode::InvalidRequest
        );
        let mut plain = base();
        plain.push(("code_challenge", challenge));
        plain.push(("code_challenge_method", "plain"));
        assert_eq!(
            error_of(validate(&params(&plain), &public, uri())),
            ErrorCode::InvalidRequest
        );
        let mut s256 = base();
        s256.push(("code_challenge", challenge));
        s256.push(("code_challenge_method", "S256"));
        let ok = validate(&params(&s256), &public, uri()).expect("S256 is accepted");
        assert_eq!(ok.code_challenge.as_deref(), Some(challenge));
    }

    #[test]
    fn code_verifiers_have_the_rfc_7636_shape() {
        assert!(is_code_verifier(&"a".repeat(43)));
        assert!(is_code_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!is_code_verifier(&"a".repeat(42)));
        assert!(!is_code_verifier(&"a".repeat(129)));
        assert!(!is_code_verifier(&format!("{}+", "a".repeat(43))));
    }
}
