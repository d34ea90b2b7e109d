//! Denglu as an OpenID Connect provider, over HTTP: discovery, keys, the authorization and
//! logout endpoints (the browser), and the token, UserInfo, revocation and introspection
//! endpoints (the client's server). The work is `oidc::Oidc`'s; these handlers translate.

use std::collections::HashMap;

use axum::extract::{Path, Query, RawForm, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::json;
use tower_http::cors::{Any, CorsLayer};
use tower_sessions::Session;

use crate::auth::SignInSession;
use crate::i18n::{LANG_COOKIE, Locale, cookie_value};
use crate::oidc::clients::Client;
use crate::oidc::{Answer, ClientCredentials, PageError, TokenFailure, paths};
use crate::routes::redirect;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    // What a client's code calls, from its server or from a browser app on another origin
    // (no cookie counts there, so any origin may: CORS without credentials).
    let for_clients = Router::new()
        .route(paths::DISCOVERY, get(discovery))
        .route(paths::JWKS, get(jwks))
        .route(paths::TOKEN, post(token))
        .route(paths::USERINFO, get(userinfo).post(userinfo))
        .route(paths::REVOKE, post(revoke))
        .route(paths::INTROSPECT, post(introspect))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([AUTHORIZATION, CONTENT_TYPE])
                .max_age(std::time::Duration::from_secs(600)),
        );
    Router::new()
        .merge(for_clients)
        .route(paths::AUTHORIZE, get(authorize).post(authorize))
        .route(&format!("{}/{{id}}", paths::CONTINUE), get(resume))
        .route(&format!("{}/decide", paths::CONSENT), post(consent))
        .route(paths::LOGOUT, get(logout).post(logout))
        .route(
            &format!("{}/confirmed", paths::LOGOUT),
            post(logout_confirmed),
        )
}

/// Discovery and keys change rarely: an hour in any cache (a rotated key is published long
/// before it signs, see `oidc::keys`).
const CACHEABLE: HeaderValue = HeaderValue::from_static("public, max-age=3600");

async fn discovery(State(app): State<AppState>) -> Response {
    ([(CACHE_CONTROL, CACHEABLE)], Json(app.oidc.discovery())).into_response()
}

async fn jwks(State(app): State<AppState>) -> Response {
    match app.oidc.keys().jwks().await {
        Ok(set) => ([(CACHE_CONTROL, CACHEABLE)], Json(set)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the signing keys");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The request's parameters, from its query (a post was turned into a GET, see `as_get`).
fn pairs<T: FromIterator<(String, String)>>(uri: &Uri) -> T {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

#[tracing::instrument(skip_all)]
async fn authorize(
    State(app): State<AppState>,
    session: Session,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    if method == Method::POST {
        return as_get(paths::AUTHORIZE, &body);
    }
    let session = SignInSession::new(session);
    let answer = app.oidc.authorize(&session, pairs(&uri)).await;
    answer_browser(answer, &headers)
}

/// A request a site's page posted (OIDC Core §3.1.2.1, RP-Initiated Logout §2), as a GET the
/// browser repeats here: the post came from another site, so `SameSite=Lax` kept the
/// person's session cookie out of it; the GET that follows carries it.
fn as_get(path: &str, body: &[u8]) -> Response {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(url::form_urlencoded::parse(body))
        .finish();
    redirect::see_other(&format!("{path}?{query}"))
}

async fn resume(
    State(app): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let session = SignInSession::new(session);
    answer_browser(app.oidc.resume(&session, &id).await, &headers)
}

/// The consent page's form: `request` and `decision` (allow or deny).
async fn consent(
    State(app): State<AppState>,
    session: Session,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let (Some(id), Some(decision)) = (form.get("request"), form.get("decision")) else {
        return error_page(PageError::Expired, &headers);
    };
    let session = SignInSession::new(session);
    let allow = decision == "allow";
    // After a post, 303 (RFC 9700 §4.12): the browser must not post the form on to the site.
    match app.oidc.decide_consent(&session, id, allow).await {
        Answer::Redirect(location) => redirect::see_other(&location),
        Answer::ErrorPage(error) => error_page(error, &headers),
    }
}

fn answer_browser(answer: Answer, headers: &HeaderMap) -> Response {
    match answer {
        Answer::Redirect(location) => redirect::found(&location),
        Answer::ErrorPage(error) => error_page(error, headers),
    }
}

/// Our own page for a request that cannot be answered at the client: 400, in the person's
/// language, never a redirect.
fn error_page(error: PageError, headers: &HeaderMap) -> Response {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let locale = Locale::negotiate(
        header(http::header::COOKIE).and_then(|c| cookie_value(c, LANG_COOKIE)),
        header(http::header::ACCEPT_LANGUAGE),
    );
    let title = locale.t("oauth-error-title");
    let message = locale.t(error.message_key());
    let home = locale.t("not-found-home");
    let body = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/denglu.css\"></head>\
         <body><main class=\"container\"><section class=\"card\" data-oauth-error=\"{key}\">\
         <h1>{title}</h1><p>{message}</p><p><a href=\"/\">{home}</a></p></section></main>\
         </body></html>",
        lang = locale.tag(),
        key = error.message_key(),
    );
    (
        StatusCode::BAD_REQUEST,
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Html(body),
    )
        .into_response()
}

// ---- The client's server ----

/// `Authorization: Basic` credentials, each half form-decoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

/// The body as a map; a repeated parameter is an error (RFC 6749 §3.2).
fn form_of(body: &[u8]) -> Result<HashMap<String, String>, TokenFailure> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body).into_owned() {
        // A parameter without a value is treated as omitted (RFC 6749 §3.2).
        if v.is_empty() {
            continue;
        }
        if map.insert(k, v).is_some() {
            return Err(invalid_request("a parameter is repeated"));
        }
    }
    Ok(map)
}

fn credentials(headers: &HeaderMap, form: &HashMap<String, String>) -> ClientCredentials {
    ClientCredentials {
        basic: basic_credentials(headers),
        form_id: form.get("client_id").cloned(),
        form_secret: form.get("client_secret").cloned(),
    }
}

/// Token responses are never cached (RFC 6749 §5.1).
fn no_store(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (PRAGMA, HeaderValue::from_static("no-cache")),
        ],
        Json(body),
    )
        .into_response()
}

fn failure(error: TokenFailure) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = no_store(
        status,
        json!({"error": error.error, "error_description": error.description}),
    );
    // A 401 always names how to authenticate (RFC 9110 §15.5.2).
    if error.basic_challenge || status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"denglu\""),
        );
    }
    response
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

#[tracing::instrument(skip_all)]
async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (client, form) = match from_client(&app, &headers, &body).await {
        Ok(asked) => asked,
        Err(refused) => return refused,
    };
    match app.oidc.token(&client, &form).await {
        Ok(tokens) => no_store(
            StatusCode::OK,
            serde_json::to_value(tokens).expect("tokens serialise"),
        ),
        Err(e) => failure(e),
    }
}

/// A client's request to one of its endpoints: a form, from an authenticated client
/// (RFC 6749 §2.3), or the error response to send instead.
async fn from_client(
    app: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Client, HashMap<String, String>), Response> {
    if !is_form(headers) {
        return Err(failure(invalid_request(
            "send application/x-www-form-urlencoded",
        )));
    }
    let form = form_of(body).map_err(failure)?;
    let client = app
        .oidc
        .authenticate(&credentials(headers, &form))
        .await
        .map_err(failure)?;
    Ok((client, form))
}

fn invalid_request(description: &'static str) -> TokenFailure {
    TokenFailure {
        error: "invalid_request",
        description,
        basic_challenge: false,
    }
}

/// `GET|POST /oauth/userinfo` with `Authorization: Bearer` (RFC 6750 §2.1), or the token in
/// a form body (§2.2).
async fn userinfo(
    State(app): State<AppState>,
    method: Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // The scheme is case-insensitive (RFC 9110 §11.1); a POST may have no body at all.
    let from_header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.get(..7)
                .filter(|scheme| scheme.eq_ignore_ascii_case("bearer "))
                .map(|_| v[7..].trim().to_string())
        });
    let from_body = (method == Method::POST && is_form(&headers))
        .then(|| {
            url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v.into_owned())
        })
        .flatten();
    let unauthorized = |error: Option<&str>| {
        let challenge = match error {
            Some(e) => format!("Bearer realm=\"denglu\", error=\"{e}\""),
            None => "Bearer realm=\"denglu\"".to_string(),
        };
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_str(&challenge).expect("an ASCII challenge"),
        );
        response
    };
    let token = match (from_header, from_body) {
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => return unauthorized(None),
        // Two tokens in one request (RFC 6750 §3.1).
        (Some(_), Some(_)) => {
            return (
                StatusCode::BAD_REQUEST,
                [(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"denglu\", error=\"invalid_request\""),
                )],
            )
                .into_response();
        }
    };
    match app.oidc.userinfo(&token).await {
        Ok(Some(claims)) => no_store(StatusCode::OK, claims),
        Ok(None) => unauthorized(Some("invalid_token")),
        Err(e) => {
            tracing::error!(error = %e, "userinfo: database");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn revoke(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (client, form) = match from_client(&app, &headers, &body).await {
        Ok(asked) => asked,
        Err(refused) => return refused,
    };
    let Some(token) = form.get("token") else {
        return failure(invalid_request("token is missing"));
    };
    match app.oidc.revoke(&client, token).await {
        Ok(()) => no_store(StatusCode::OK, json!({})),
        Err(e) => failure(e.into()),
    }
}

async fn introspect(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (client, form) = match from_client(&app, &headers, &body).await {
        Ok(asked) => asked,
        Err(refused) => return refused,
    };
    // Only a client that can prove who it is may ask (RFC 7662 §2.1).
    if client.public {
        return failure(TokenFailure {
            error: "invalid_client",
            description: "introspection is for confidential clients",
            basic_challenge: false,
        });
    }
    let Some(token) = form.get("token") else {
        return failure(invalid_request("token is missing"));
    };
    match app.oidc.introspect(&client, token).await {
        Ok(answer) => no_store(StatusCode::OK, answer),
        Err(e) => failure(e.into()),
    }
}

// ---- Logout ----

async fn logout(
    State(app): State<AppState>,
    session: Session,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    if method == Method::POST {
        return as_get(paths::LOGOUT, &body);
    }
    let params: HashMap<String, String> = pairs(&uri);
    let session = SignInSession::new(session);
    logout_answer(
        app.oidc.end_session(&session, &params, false).await,
        &headers,
    )
}

/// Our confirmation page's form (guarded against other sites like every form of ours).
async fn logout_confirmed(
    State(app): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let session = SignInSession::new(session);
    logout_answer(
        app.oidc.end_session(&session, &params, true).await,
        &headers,
    )
}

fn logout_answer(answer: crate::oidc::LogoutAnswer, headers: &HeaderMap) -> Response {
    use crate::oidc::LogoutAnswer;
    match answer {
        LogoutAnswer::Done(location) => redirect::see_other(&location),
        LogoutAnswer::Confirm(location) => redirect::see_other(&location),
        LogoutAnswer::ErrorPage(error) => error_page(error, headers),
    }
}
