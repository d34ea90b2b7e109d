//! The data the browser sees, declared once and compiled for both targets: the server fills
//! these in, the pages render them, and hydration reads them back. Server-only conversions
//! sit beside them behind `#[cfg(feature = "ssr")]`.

use serde::{Deserialize, Serialize};

/// Why a sign-in ended on the login page: `/login?error=KIND`, served with its own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginError {
    Cancelled,
    InvalidCode,
    State,
    Unavailable,
    Misconfigured,
    Refused,
    UnknownProvider,
    /// A QR login ticket that is not this session's, expired, or already used.
    Ticket,
    /// Our side failed (database, session store).
    Server,
}

impl LoginError {
    pub const ALL: [LoginError; 9] = [
        LoginError::Cancelled,
        LoginError::InvalidCode,
        LoginError::State,
        LoginError::Unavailable,
        LoginError::Misconfigured,
        LoginError::Refused,
        LoginError::UnknownProvider,
        LoginError::Ticket,
        LoginError::Server,
    ];

    /// The kind as it appears in `/login?error=KIND`.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginError::Cancelled => "cancelled",
            LoginError::InvalidCode => "invalid_code",
            LoginError::State => "state",
            LoginError::Unavailable => "unavailable",
            LoginError::Misconfigured => "misconfigured",
            LoginError::Refused => "refused",
            LoginError::UnknownProvider => "unknown_provider",
            LoginError::Ticket => "ticket",
            LoginError::Server => "server",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == kind)
    }

    /// The status the login page is served with: a failed sign-in is never a 200.
    pub fn status(self) -> u16 {
        match self {
            LoginError::Cancelled | LoginError::Refused => 403,
            LoginError::InvalidCode | LoginError::State => 400,
            LoginError::Unavailable | LoginError::Server => 503,
            // The provider says our app is set up wrong: an upstream problem, not the user's.
            LoginError::Misconfigured => 502,
            LoginError::UnknownProvider => 404,
            // A QR login ticket that expired or was used: gone.
            LoginError::Ticket => 410,
        }
    }

    /// The translation key of the message the person reads.
    pub fn message_key(self) -> String {
        format!("login-error-{}", self.as_str())
    }

    pub fn location(self) -> String {
        format!("/login?error={}", self.as_str())
    }
}

#[cfg(feature = "ssr")]
impl LoginError {
    /// What the person is told about a provider failure during sign-in.
    pub fn from_provider(kind: providers::ErrorKind) -> Self {
        use providers::ErrorKind;
        match kind {
            ErrorKind::Cancelled => LoginError::Cancelled,
            // A token that fails right after it was issued: the sign-in has to start again.
            ErrorKind::InvalidCode | ErrorKind::TokenExpired | ErrorKind::TokenInvalid => {
                LoginError::InvalidCode
            }
            ErrorKind::Misconfigured => LoginError::Misconfigured,
            ErrorKind::Unavailable | ErrorKind::Malformed => LoginError::Unavailable,
            ErrorKind::Refused => LoginError::Refused,
        }
    }
}

/// A signed-in person and their sign-in methods: `/api/me` (the public contract), the
/// account page and the header all show this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    /// Oldest link first.
    pub identities: Vec<LinkedIdentity>,
}

/// One sign-in method linked to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIdentity {
    /// What the account page's refresh and unlink forms name.
    pub id: i64,
    pub provider: String,
    /// The nickname at the provider (may be empty: WeChat's silent scope gives none).
    pub display_name: String,
    pub avatar_url: Option<String>,
    /// RFC 3339, UTC.
    pub linked_at: String,
    /// RFC 3339, UTC.
    pub last_used_at: String,
}

impl LinkedIdentity {
    /// `YYYY-MM-DD`, from the RFC 3339 time.
    pub fn linked_on(&self) -> String {
        self.linked_at.chars().take(10).collect()
    }

    /// `YYYY-MM-DD HH:MM UTC`, from the RFC 3339 time.
    pub fn last_used(&self) -> String {
        utc_minute(&self.last_used_at)
    }
}

/// `YYYY-MM-DD HH:MM UTC` from an RFC 3339 time in UTC (no date library in the wasm).
pub fn utc_minute(rfc3339: &str) -> String {
    let date: String = rfc3339.chars().take(10).collect();
    let time: String = rfc3339.chars().skip(11).take(5).collect();
    format!("{date} {time} UTC")
}

/// What the consent page shows: the site asking, where it lives (a look-alike name is told
/// apart by its address), and the scopes it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub client_name: String,
    pub client_host: String,
    /// Where the answer goes (the redirect URI).
    pub client_origin: String,
    pub scopes: Vec<String>,
}

/// A site the person let in through Denglu, for the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAccess {
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    /// RFC 3339, UTC.
    pub granted_at: String,
}

/// One place a person is signed in, as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSession {
    /// What the "End" form names.
    pub id: i64,
    /// "Chrome · Windows", when known.
    pub agent: Option<String>,
    /// The network it was last used from (an approximate place), when known.
    pub network: Option<String>,
    /// The provider it signed in with.
    pub method: Option<String>,
    /// RFC 3339, UTC.
    pub signed_in_at: String,
    /// RFC 3339, UTC.
    pub last_seen_at: String,
    /// The session of the browser looking at the list.
    pub current: bool,
}

/// What unlinking a sign-in method did: the sessions it started can be ended next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlinked {
    pub provider: String,
    /// Other sessions still signed in with it.
    pub sessions: u64,
}

/// What the profile-completion form starts with: the pending identity and a free username
/// made from its nickname.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupDraft {
    pub provider: String,
    pub nickname: String,
    pub avatar_url: Option<String>,
    pub username: String,
    pub display_name: String,
}

/// What the live check says about a username as it is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UsernameCheck {
    Available,
    Taken,
    /// The translation key of what is wrong with it.
    Invalid(String),
}

/// What the site offers, as the pages need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Provider ids in display order (`wechat`, `wechat_mp`, `qq`, `weibo`).
    pub providers: Vec<String>,
    pub simulator: bool,
    /// How this visitor signs in with WeChat.
    pub wechat: WechatOnPage,
}

impl SiteInfo {
    pub fn offers(&self, provider: &str) -> bool {
        self.providers.iter().any(|p| p == provider)
    }
}

/// The WeChat part of the login page, for this visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WechatOnPage {
    /// WeChat's own QR code embedded in the page (the website app).
    Embedded,
    /// Our QR code (the Official Account).
    Own,
    /// Inside the WeChat app, where a QR cannot be scanned: a button to the Official Account.
    InApp,
    /// A phone's own browser, which cannot scan its own screen: our login ticket to open in
    /// WeChat (the link copied into a chat) or to save to the photos and scan from the album.
    PhoneOwn,
    /// A phone's own browser when only the website app is configured: WeChat's code, with the
    /// steps to scan it from a screenshot.
    PhoneEmbedded,
    Off,
}

/// A login ticket as the desktop page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrTicket {
    pub id: String,
    /// The QR code, an SVG document made on the server.
    pub svg: String,
    /// What the QR encodes (shown for people who cannot scan, e.g. to open on a phone by hand).
    pub url: String,
    /// The number the phone must pick to confirm (two digits).
    pub code: String,
    /// For a phone's browser: the code as a PNG (a `data:` URI) to save to the photos.
    pub png: Option<String>,
}

/// What the phone that scanned a login ticket is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneView {
    /// Authorised on this phone and waiting for a decision.
    Ask {
        /// Browser and system, as the computer's User-Agent claims.
        desktop: String,
        /// The computer's network (`203.0.113.0/24`), which it cannot choose.
        network: Option<String>,
        minutes_ago: i64,
        nickname: String,
        avatar_url: Option<String>,
        /// Three numbers, one of them shown on the computer: the person picks that one.
        choices: Vec<String>,
        will: ConfirmWill,
    },
    Confirmed,
    Cancelled {
        /// Because the number picked was not the computer's.
        wrong_number: bool,
    },
    Claimed,
    /// Expired, unknown, or never authorised.
    Expired,
    /// Scanned by another phone.
    NotYours,
}

/// What confirming on the phone will do on the computer, said in words before the person
/// confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfirmWill {
    /// Sign the computer in to the account that has this WeChat (its display name).
    SignIn { account: String },
    /// Take the computer on to create a new account with this WeChat.
    CreateAccount,
    /// Nothing: the computer is signed in to another account, and a QR code never links.
    Nothing,
}

impl ConfirmWill {
    /// For the page's markup and the tests.
    pub fn name(&self) -> &'static str {
        match self {
            ConfirmWill::SignIn { .. } => "sign-in",
            ConfirmWill::CreateAccount => "create-account",
            ConfirmWill::Nothing => "nothing",
        }
    }
}

/// What WeChat's embedded QR (`new WxLogin({...})`) is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WechatEmbed {
    pub script_url: String,
    pub app_id: String,
    pub redirect_uri: String,
    pub state: String,
}

/// Field problems, as translation keys, and what was typed (so a plain form can be refilled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub errors: Vec<(String, String)>,
    pub values: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn add(&mut self, field: &str, key: &str) {
        self.errors.push((field.to_string(), key.to_string()));
    }

    pub fn keep(&mut self, field: &str, value: &str) {
        // Only enough to refill a form: an overlong field is not echoed in full.
        let value: String = value.chars().take(300).collect();
        self.values.push((field.to_string(), value));
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, key)| key.as_str())
    }

    pub fn value(&self, field: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }
}

/// The error of every server function. It says what the person can act on (a field, a
/// refusal, an expired page) and nothing about our internals: an unexpected failure is logged
/// on the server with the request id and its cause chain, and reaches the browser as
/// [`ServerError::Unavailable`] alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ServerError {
    #[error("some fields need attention")]
    Invalid(FieldErrors),
    /// A refusal about the whole form, as a translation key (e.g. the last sign-in method).
    #[error("refused: {0}")]
    Refused(String),
    /// The page is out of date: nothing pending, or signed out meanwhile.
    #[error("this page has expired")]
    Expired,
    /// The request could not be read (arguments that do not decode).
    #[error("the request could not be read")]
    BadRequest,
    /// A limit the person reached, as a translation key that says which and what to do (too
    /// many live QR codes on their network). Not a failure: answered with 429.
    #[error("limited: {0}")]
    Limited(String),
    /// Something failed on our side; the details are in the server's log.
    #[error("unavailable")]
    Unavailable,
}

impl leptos::server_fn::error::FromServerFnError for ServerError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    /// Failures of the server-function machinery itself: the arguments did not decode, or
    /// the request never reached the server. Their text stays out of the page.
    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr;
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::MissingArg(_) => ServerError::BadRequest,
            _ => ServerError::Unavailable,
        }
    }
}

impl ServerError {
    /// The refusals a page may show. A refusal read back from a URL (a plain form post's round
    /// trip) could say anything; one not in this list reads as the generic message.
    pub const REFUSALS: &[&str] = &[
        "account-unlink-last",
        "account-unlink-missing",
        "account-refresh-sign-in",
        "account-refresh-unavailable",
        "qr-too-many",
    ];

    /// The error without what was typed: all of it that may travel in a URL.
    pub fn keys_only(self) -> Self {
        match self {
            ServerError::Invalid(fields) => ServerError::Invalid(FieldErrors {
                errors: fields.errors,
                values: Vec::new(),
            }),
            other => other,
        }
    }

    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            ServerError::Invalid(fields) => Some(fields),
            _ => None,
        }
    }

    /// The translation key of the message shown above the form.
    pub fn summary_key(&self) -> &str {
        match self {
            ServerError::Invalid(_) => "form-error-fields",
            ServerError::Refused(key) | ServerError::Limited(key)
                if Self::REFUSALS.contains(&key.as_str()) =>
            {
                key
            }
            ServerError::Refused(_) | ServerError::Limited(_) => "form-error-server",
            ServerError::Expired => "form-error-expired",
            ServerError::BadRequest | ServerError::Unavailable => "form-error-server",
        }
    }
}

/// The paths of QR sign-in, written once for the server and the browser.
pub mod paths {
    /// What the QR code encodes: the phone opens it in WeChat.
    pub fn qr_scan(ticket: &str) -> String {
        format!("/qr/{ticket}")
    }

    /// The phone's page: confirm or cancel.
    pub fn qr_confirm(ticket: &str) -> String {
        format!("/qr/{ticket}/confirm")
    }

    /// The desktop's live status stream.
    pub fn qr_events(ticket: &str) -> String {
        format!("/auth/qr/{ticket}/events")
    }

    /// The desktop finishes signing in with a confirmed ticket.
    pub fn qr_claim(ticket: &str) -> String {
        format!("/auth/qr/{ticket}/claim")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_login_error_has_an_error_status_and_a_message_in_both_languages() {
        for error in LoginError::ALL {
            assert!((400..600).contains(&error.status()), "{error:?}");
            assert_eq!(LoginError::parse(error.as_str()), Some(error));
            for locale in crate::i18n::Locale::ALL {
                let key = error.message_key();
                assert_ne!(locale.t(&key), key, "{key} missing in {}", locale.tag());
            }
        }
        assert_eq!(LoginError::State.location(), "/login?error=state");
        assert_eq!(LoginError::parse("<script>"), None);
    }

    #[test]
    fn every_refusal_a_page_may_show_is_translated_and_no_other_text_is_shown() {
        for key in ServerError::REFUSALS {
            let refused = ServerError::Refused(key.to_string());
            assert_eq!(refused.summary_key(), *key);
            for locale in crate::i18n::Locale::ALL {
                assert_ne!(locale.t(key), *key, "{key} missing in {}", locale.tag());
            }
        }
        let made_up = ServerError::Refused("Call +86 555 0100 now".into());
        assert_eq!(made_up.summary_key(), "form-error-server");
        let limited = ServerError::Limited("qr-too-many".into());
        assert_eq!(limited.summary_key(), "qr-too-many");
        let made_up = ServerError::Limited("Call +86 555 0100 now".into());
        assert_eq!(made_up.summary_key(), "form-error-server");
    }

    #[test]
    fn what_was_typed_never_travels_in_a_url() {
        let mut fields = FieldErrors::default();
        fields.add("email", "field-email-invalid");
        fields.keep("email", "a@b");
        let sent = ServerError::Invalid(fields).keys_only();
        let fields = sent.fields().expect("still field errors");
        assert_eq!(fields.error("email"), Some("field-email-invalid"));
        assert_eq!(fields.value("email"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn every_provider_error_kind_has_a_login_error() {
        use providers::ErrorKind;
        for kind in ErrorKind::ALL {
            assert!(LoginError::ALL.contains(&LoginError::from_provider(kind)));
        }
        assert_eq!(
            LoginError::from_provider(ErrorKind::Malformed),
            LoginError::Unavailable
        );
        assert_eq!(
            LoginError::from_provider(ErrorKind::TokenExpired),
            LoginError::InvalidCode
        );
    }

    #[test]
    fn identity_dates_read_from_rfc_3339() {
        let identity = LinkedIdentity {
            id: 1,
            provider: "qq".into(),
            display_name: String::new(),
            avatar_url: None,
            linked_at: "2026-11-21T04:35:00Z".into(),
            last_used_at: "2026-11-28T20:12:57Z".into(),
        };
        assert_eq!(identity.linked_on(), "2026-11-21");
        assert_eq!(identity.last_used(), "2026-11-28 20:12 UTC");
    }
}
