//! Errors that arrive at the app's callback instead of at a provider call:
//! the user said no on the provider's page.

use std::collections::HashMap;

use crate::{ErrorKind, ProviderError, ProviderId, qq, weibo};

/// The error a callback query carries, or `None` when it carries a code to exchange.
///
/// WeChat signals a refusal by a callback with `state` and no `code`; Weibo by
/// `error=access_denied&error_code=21330`; QQ by `usercancel=1`, an `error`
/// parameter, or no `code`.
pub fn callback_error(
    provider: ProviderId,
    query: &HashMap<String, String>,
) -> Option<ProviderError> {
    let param = |key: &str| query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let description = param("error_description")
        .or_else(|| param("msg"))
        .or_else(|| param("error"))
        .unwrap_or("no code in the callback")
        .to_owned();

    if provider == ProviderId::Qq && param("usercancel").is_some_and(|v| v != "0") {
        return Some(ProviderError::new(
            ErrorKind::Cancelled,
            provider,
            None,
            "usercancel",
        ));
    }
    if let Some(error) = param("error") {
        let code = param("error_code")
            .or(Some(error))
            .and_then(|c| c.parse::<i64>().ok());
        let kind = match (provider, code) {
            (ProviderId::Weibo, Some(code)) => weibo::classify(code),
            (ProviderId::Weibo, None) => weibo::classify_name(error),
            (ProviderId::Qq, Some(code)) => qq::classify(code),
            // Anything else that says "error" on the way back is the user turning us down.
            _ => ErrorKind::Cancelled,
        };
        return Some(ProviderError::new(kind, provider, code, description));
    }
    if param("code").is_some() {
        return None;
    }
    Some(ProviderError::new(
        ErrorKind::Cancelled,
        provider,
        None,
        description,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_code_is_no_error() {
        for provider in ProviderId::ALL {
            assert!(callback_error(provider, &query(&[("code", "abc"), ("state", "s")])).is_none());
        }
    }

    #[test]
    fn wechat_deny_has_no_code() {
        for provider in [ProviderId::Wechat, ProviderId::WechatMp] {
            let err = callback_error(provider, &query(&[("state", "s")])).expect("an error");
            assert_eq!(err.kind(), ErrorKind::Cancelled);
            let err = callback_error(provider, &query(&[("code", ""), ("state", "s")]))
                .expect("an error");
            assert_eq!(err.kind(), ErrorKind::Cancelled);
        }
    }

    #[test]
    fn weibo_access_denied() {
        let q = query(&[
            ("error_uri", "/oauth2/authorize"),
            ("error", "access_denied"),
            ("error_description", "user denied your request."),
            ("error_code", "21330"),
            ("state", "s"),
        ]);
        let err = callback_error(ProviderId::Weibo, &q).expect("an error");
        assert_eq!(
            (err.kind(), err.code()),
            (ErrorKind::Cancelled, Some(21330))
        );
        assert_eq!(err.provider_message(), "user denied your request.");
        let bare = callback_error(ProviderId::Weibo, &query(&[("error", "access_denied")]))
            .expect("an error");
        assert_eq!(bare.kind(), ErrorKind::Cancelled);
        let mismatch = query(&[("error", "redirect_uri_mismatch"), ("error_code", "21322")]);
        assert_eq!(
            callback_error(ProviderId::Weibo, &mismatch).map(|e| e.kind()),
            Some(ErrorKind::Misconfigured)
        );
    }

    #[test]
    fn qq_variants() {
        let cancel = callback_error(
            ProviderId::Qq,
            &query(&[("usercancel", "1"), ("state", "s")]),
        );
        assert_eq!(cancel.map(|e| e.kind()), Some(ErrorKind::Cancelled));
        let denied = query(&[
            ("error", "100030"),
            ("error_description", "user has not authorized"),
        ]);
        assert_eq!(
            callback_error(ProviderId::Qq, &denied).map(|e| e.kind()),
            Some(ErrorKind::Cancelled)
        );
        let no_code = callback_error(ProviderId::Qq, &query(&[("state", "s")]));
        assert_eq!(no_code.map(|e| e.kind()), Some(ErrorKind::Cancelled));
        let bad_app = query(&[
            ("error", "100010"),
            ("error_description", "redirect uri is illegal"),
        ]);
        assert_eq!(
            callback_error(ProviderId::Qq, &bad_app).map(|e| e.kind()),
            Some(ErrorKind::Misconfigured)
        );
    }
}
