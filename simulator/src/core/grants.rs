//! Issuing, redeeming and checking authorization codes, access tokens and refresh
//! tokens, for every provider.

use std::time::Duration;

use crate::core::random::{ALNUM, HEX_LOWER, HEX_UPPER, URLSAFE, random_string};
use crate::core::records::{AccessToken, App, Code, RefreshToken};
use crate::core::state::SimState;
use crate::core::store::Lookup;

// Here rather than in `records`: lifetimes come from the configuration in the state.
impl App {
    fn code_lifetime(self, state: &SimState) -> Duration {
        match self {
            App::WechatMp => state.config.mp_code_lifetime,
            _ => state.config.code_lifetime,
        }
    }

    pub fn access_lifetime(self, state: &SimState) -> Duration {
        match self {
            App::WechatOpen | App::WechatMp => state.config.wechat_access_token_lifetime,
            App::Qq => state.config.qq_access_token_lifetime,
            App::Weibo => state.config.weibo_access_token_lifetime,
        }
    }

    /// Codes and tokens shaped like each provider's.
    fn new_code(self) -> String {
        match self {
            App::WechatOpen | App::WechatMp => format!("0{}", random_string(31, ALNUM)),
            App::Qq => random_string(32, HEX_UPPER),
            App::Weibo => random_string(32, HEX_LOWER),
        }
    }

    fn new_token(self) -> String {
        match self {
            App::WechatOpen | App::WechatMp => format!("86_{}", random_string(104, URLSAFE)),
            App::Qq => random_string(32, HEX_UPPER),
            App::Weibo => format!("2.00{}", random_string(28, ALNUM)),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum GrantError {
    /// Unknown, or issued to another app.
    Invalid,
    Used,
    Expired,
    /// The token request's redirect_uri differs from the authorized one (QQ, Weibo).
    RedirectMismatch,
}

/// A freshly issued access token with its remaining life.
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: Option<String>,
}

pub fn issue_code(
    state: &SimState,
    app: App,
    user_id: u64,
    scope: &str,
    redirect_uri: &str,
) -> String {
    let code = app.new_code();
    let grant = Code {
        app,
        user_id,
        scope: scope.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        used: false,
    };
    state
        .codes
        .insert(code.clone(), grant, app.code_lifetime(state));
    code
}

/// Consumes a code: it can be exchanged once, by the app it was issued to. With
/// `redirect_uri`, it must equal the authorized one (checked before the code is used up).
pub fn redeem_code(
    state: &SimState,
    app: App,
    code: &str,
    redirect_uri: Option<&str>,
) -> Result<Code, GrantError> {
    state.codes.with(&code.to_owned(), |found| match found {
        Lookup::Live(grant) | Lookup::Expired(grant) if grant.app != app => {
            Err(GrantError::Invalid)
        }
        Lookup::Missing => Err(GrantError::Invalid),
        Lookup::Live(grant) | Lookup::Expired(grant) if grant.used => Err(GrantError::Used),
        Lookup::Expired(_) => Err(GrantError::Expired),
        Lookup::Live(grant) if redirect_uri.is_some_and(|r| r != grant.redirect_uri) => {
            Err(GrantError::RedirectMismatch)
        }
        Lookup::Live(grant) => {
            grant.used = true;
            Ok(grant.clone())
        }
    })
}

pub fn issue_tokens(
    state: &SimState,
    app: App,
    user_id: u64,
    scope: &str,
    with_refresh: bool,
) -> Issued {
    let lifetime = app.access_lifetime(state);
    let access_token = app.new_token();
    state.access_tokens.insert(
        access_token.clone(),
        AccessToken {
            app,
            user_id,
            scope: scope.to_owned(),
            created_at: unix_now(),
        },
        lifetime,
    );
    let refresh_token = with_refresh.then(|| {
        let token = app.new_token();
        state.refresh_tokens.insert(
            token.clone(),
            RefreshToken {
                app,
                user_id,
                scope: scope.to_owned(),
                used: false,
            },
            state.config.refresh_token_lifetime,
        );
        token
    });
    Issued {
        access_token,
        expires_in: lifetime.as_secs(),
        refresh_token,
    }
}

/// A valid access token of `app`.
pub fn check_access(
    state: &SimState,
    app_filter: &[App],
    token: &str,
) -> Result<AccessToken, GrantError> {
    state
        .access_tokens
        .with(&token.to_owned(), |found| match found {
            Lookup::Live(t) if app_filter.contains(&t.app) => Ok(t.clone()),
            Lookup::Expired(t) if app_filter.contains(&t.app) => Err(GrantError::Expired),
            _ => Err(GrantError::Invalid),
        })
}

/// Seconds a token has left (0 when expired or unknown).
pub fn remaining_secs(state: &SimState, token: &str) -> u64 {
    state
        .access_tokens
        .expires_at(&token.to_owned())
        .map(|at| {
            at.saturating_duration_since(std::time::Instant::now())
                .as_secs()
        })
        .unwrap_or(0)
}

/// Looks up a refresh token; `consume` makes it single-use (QQ's rule).
pub fn use_refresh(
    state: &SimState,
    app: App,
    token: &str,
    consume: bool,
) -> Result<RefreshToken, GrantError> {
    state
        .refresh_tokens
        .with(&token.to_owned(), |found| match found {
            Lookup::Live(t) | Lookup::Expired(t) if t.app != app => Err(GrantError::Invalid),
            Lookup::Missing => Err(GrantError::Invalid),
            Lookup::Live(t) | Lookup::Expired(t) if t.used => Err(GrantError::Used),
            Lookup::Expired(_) => Err(GrantError::Expired),
            Lookup::Live(t) => {
                if consume {
                    t.used = true;
                }
                Ok(t.clone())
            }
        })
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
