//! The two languages of the UI, with Fluent translations in `locales/`.
//!
//! The server reads them with Fluent. An island in the browser reads the same files with
//! [`plain`], a reader of the part of Fluent they use (`key = text` with `{ $name }`), which
//! keeps Fluent's runtime (a third of the bundle) out of the wasm; a test holds the two readers
//! to the same output for every message.
//!
//! The language comes from the `denglu_lang` cookie (set by the visible switch), else from
//! `Accept-Language`, else Simplified Chinese. The server renders `<html lang>` with it and the
//! browser reads it back when hydrating, so both sides always agree.

// The reader of the message files on this side.
#[cfg(feature = "ssr")]
use fluent as reader;
#[cfg(not(feature = "ssr"))]
use plain as reader;

pub const LANG_COOKIE: &str = "denglu_lang";

/// The language of the page being rendered. An island in the browser has no context from the
/// server's components, so it reads the language back from the page.
pub fn use_locale() -> Locale {
    leptos::prelude::use_context::<Locale>().unwrap_or_else(request_locale)
}

/// On the server, negotiated from the request's cookie and `Accept-Language`; in the browser,
/// read back from `<html lang>`, so that hydration renders exactly what the server did.
pub fn request_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        use http::header::{ACCEPT_LANGUAGE, COOKIE};
        let parts = leptos::prelude::use_context::<http::request::Parts>();
        let header = |name| {
            parts
                .as_ref()
                .and_then(|p| p.headers.get(name))
                .and_then(|v| v.to_str().ok())
        };
        let cookie = header(COOKIE).and_then(|c| cookie_value(c, LANG_COOKIE));
        Locale::negotiate(cookie, header(ACCEPT_LANGUAGE))
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos::prelude::document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|tag| Locale::parse(&tag))
            .unwrap_or(Locale::ZhCn)
    }
}

/// The value of cookie `name` in a `Cookie` header.
#[cfg(feature = "ssr")]
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    ZhCn,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The BCP 47 tag, as written in `<html lang>` and in the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Accepts our tags and their common spellings (`zh`, `zh-Hans`, `en-US`, any case).
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The best supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        header
            .split(',')
            .enumerate()
            .filter_map(|(position, item)| {
                let mut parts = item.split(';');
                let locale = Locale::parse(parts.next()?)?;
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (quality > 0.0).then_some((locale, quality, position))
            })
            // Highest quality wins; among equals, the one listed first.
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|(locale, _, _)| locale)
    }

    /// The language for a request: the explicit choice, then the browser's, then Chinese.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Locale {
        cookie
            .and_then(Locale::parse)
            .or_else(|| accept_language.and_then(Locale::from_accept_language))
            .unwrap_or(Locale::ZhCn)
    }

    /// The translation of `key`; Fluent's "unknown key" text if it is missing (a test keeps that
    /// from happening).
    pub fn t(self, key: &str) -> String {
        reader::t(self, key)
    }

    /// Whether `key` is one of our messages (a key read from a URL must be).
    pub fn knows(self, key: &str) -> bool {
        reader::knows(self, key)
    }

    /// The translation of `key` with named arguments.
    pub fn t_with(self, key: &str, args: &[(&'static str, String)]) -> String {
        reader::t_with(self, key, args)
    }
}

/// The server's reader of the message files: Fluent.
#[cfg(feature = "ssr")]
mod fluent {
    use std::borrow::Cow;
    use std::collections::HashMap;

    use fluent_templates::fluent_bundle::FluentValue;
    use fluent_templates::{Loader, static_loader};
    use unic_langid::{LanguageIdentifier, langid};

    use super::Locale;

    static_loader! {
        static LOCALES = {
            locales: "./locales",
            fallback_language: "en",
            // Fluent wraps arguments in bidi isolation marks by default; they show up as stray
            // characters in titles and tests, and neither language needs them.
            customise: |bundle| bundle.set_use_isolating(false),
        };
    }

    fn langid(locale: Locale) -> LanguageIdentifier {
        match locale {
            Locale::ZhCn => langid!("zh-CN"),
            Locale::En => langid!("en"),
        }
    }

    pub fn knows(locale: Locale, key: &str) -> bool {
        LOCALES.try_lookup(&langid(locale), key).is_some()
    }

    pub fn t(locale: Locale, key: &str) -> String {
        LOCALES.lookup(&langid(locale), key)
    }

    pub fn t_with(locale: Locale, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(value.clone())))
            .collect();
        LOCALES.lookup_with_args(&langid(locale), key, &args)
    }
}

/// The browser's reader of the message files: `key = text` lines (comments and blank lines
/// skipped) whose text may hold `{ $name }` placeables. Compiled on both sides, so that its
/// test can compare it with Fluent.
pub mod plain {
    use super::Locale;

    const EN: &str = include_str!("../locales/en/main.ftl");
    const ZH_CN: &str = include_str!("../locales/zh-CN/main.ftl");

    pub fn t(locale: Locale, key: &str) -> String {
        format(locale, key, &[])
    }

    pub fn knows(locale: Locale, key: &str) -> bool {
        lookup(locale, key).is_some()
    }

    pub fn t_with(locale: Locale, key: &str, args: &[(&'static str, String)]) -> String {
        format(locale, key, args)
    }

    /// The text of `key` in `locale`'s file, falling back to English as Fluent is set to.
    pub fn lookup(locale: Locale, key: &str) -> Option<&'static str> {
        let file = match locale {
            Locale::ZhCn => ZH_CN,
            Locale::En => EN,
        };
        find(file, key).or_else(|| find(EN, key))
    }

    fn find(file: &'static str, key: &str) -> Option<&'static str> {
        file.lines().find_map(|line| {
            let (name, text) = line.split_once('=')?;
            (!line.starts_with('#') && name.trim_end() == key).then(|| text.trim())
        })
    }

    /// The message with its arguments in place; for a missing message, what Fluent says.
    pub fn format(locale: Locale, key: &str, args: &[(&'static str, String)]) -> String {
        let Some(text) = lookup(locale, key) else {
            return format!("Unknown localization key: {key:?}");
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let name = rest[open + 1..open + close].trim().trim_start_matches('$');
            match args.iter().find(|(arg, _)| *arg == name) {
                Some((_, value)) => out.push_str(value),
                // What Fluent writes for a missing argument.
                None => out.push_str(&format!("{{${name}}}")),
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(file: &str) -> Vec<String> {
        file.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
            .filter(|k| !k.is_empty())
            .collect()
    }

    #[test]
    fn both_languages_translate_the_same_keys() {
        let en = keys_of(include_str!("../locales/en/main.ftl"));
        let zh = keys_of(include_str!("../locales/zh-CN/main.ftl"));
        assert!(en.len() > 20);
        assert_eq!(
            en, zh,
            "locales/en and locales/zh-CN must list the same keys in the same order"
        );
    }

    #[test]
    fn translations_differ_by_language_and_take_arguments() {
        assert_eq!(Locale::En.t("login-title"), "Sign in");
        assert_eq!(Locale::ZhCn.t("login-title"), "登录");
        let args = [("provider", Locale::ZhCn.t("provider-qq"))];
        assert_eq!(Locale::ZhCn.t_with("login-with", &args), "使用QQ登录");
        let args = [("provider", Locale::En.t("provider-weibo"))];
        assert_eq!(Locale::En.t_with("login-with", &args), "Sign in with Weibo");
    }

    /// Every message of both files, read by the browser's reader exactly as Fluent reads it,
    /// with an argument for each placeable.
    #[test]
    fn the_browsers_reader_agrees_with_fluent_on_every_message() {
        let names = [
            "provider", "into", "from", "since", "code", "username", "used", "seen", "pages",
            "page", "nickname", "network", "name", "minutes", "method", "linked", "host", "count",
            "app", "account",
        ];
        let args: Vec<(&'static str, String)> =
            names.iter().map(|n| (*n, format!("<{n}>"))).collect();
        let mut compared = 0;
        for locale in Locale::ALL {
            for key in keys_of(include_str!("../locales/en/main.ftl")) {
                assert_eq!(
                    plain::format(locale, &key, &args),
                    locale.t_with(&key, &args),
                    "{key}"
                );
                // Fluent will not format a message with placeables without arguments.
                if !plain::lookup(locale, &key).is_some_and(|text| text.contains('{')) {
                    assert_eq!(plain::format(locale, &key, &[]), locale.t(&key), "{key}");
                }
                compared += 1;
            }
        }
        assert!(compared > 400, "{compared}");
        assert_eq!(
            plain::format(Locale::En, "no-such-key", &[]),
            Locale::En.t("no-such-key")
        );
        // A file that used more of Fluent than the reader knows would fail above; placeables
        // are the only braces the files may hold.
        for file in [
            include_str!("../locales/en/main.ftl"),
            include_str!("../locales/zh-CN/main.ftl"),
        ] {
            for line in file.lines().filter(|l| l.contains('{')) {
                assert!(line.contains("{ $"), "{line}");
            }
        }
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr-FR, en;q=0.5, zh;q=0.7"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("de, en;q=0"), None);
        assert_eq!(
            Locale::from_accept_language("zh-Hans;q=0.8, en-GB;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("garbage;;q=x,,"), None);
    }

    #[test]
    fn the_cookie_beats_the_header_and_chinese_is_the_default() {
        assert_eq!(Locale::negotiate(Some("en"), Some("zh-CN")), Locale::En);
        assert_eq!(Locale::negotiate(Some("klingon"), Some("en")), Locale::En);
        assert_eq!(Locale::negotiate(None, None), Locale::ZhCn);
    }
}
