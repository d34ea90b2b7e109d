//! Errors that arrive at the app's callback instead of at a provider call: the user said no
//! on the provider's page. Each provider reads its own signals (`Provider::callback_error`);
//! what they share is here.

use std::collections::HashMap;

use crate::{ErrorKind, ProviderError, ProviderId};

/// A parameter of the callback query, trimmed; blank is absent.
pub(crate) fn param<'q>(query: &'q HashMap<String, String>, key: &str) -> Option<&'q str> {
    query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The OAuth 2 shape every provider follows: an `error` parameter is a refusal, classified
/// from its numeric code (`error_code`, or `error` itself when it is a number) and its name
/// by `classify`; a callback with neither `error` nor `code` is the user turning back.
pub(crate) fn refusal(
    provider: ProviderId,
    query: &HashMap<String, String>,
    classify: impl Fn(Option<i64>, &str) -> ErrorKind,
) -> Option<ProviderError> {
    if let Some(error) = param(query, "error") {
        let code = param(query, "error_code")
            .or(Some(error))
            .and_then(|c| c.parse::<i64>().ok());
        let kind = classify(code, error);
        return Some(ProviderError::new(kind, provider, code, description(query)));
    }
    if param(query, "code").is_some() {
        return None;
    }
    Some(ProviderError::new(
        ErrorKind::Cancelled,
        provider,
        None,
        description(query),
    ))
}

/// The provider's words for what happened, for the logs.
fn description(query: &HashMap<String, String>) -> String {
    param(query, "error_description")
        .or_else(|| param(query, "msg"))
        .or_else(|| param(query, "error"))
        .unwrap_or("no code in the callback")
        .to_owned()
}

#[cfg(test)]
pub(crate) fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
