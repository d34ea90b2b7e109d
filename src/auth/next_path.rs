//! Where to send the browser after sign-in, accepted only as a path on this site.

/// A relative path on this site (`/account?tab=x`): never `//host`, `/\host`, a scheme or
/// control characters, so it cannot be turned into an open redirect.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct NextPath(String);

const MAX_LEN: usize = 512;

impl NextPath {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.starts_with('/')
            && !raw.starts_with("//")
            && !raw.starts_with("/\\")
            && raw.len() <= MAX_LEN
            && !raw.chars().any(|c| c.is_control() || c == '\\');
        ok.then(|| Self(raw.to_string()))
    }

    /// `raw` when it is a safe path, else `fallback`.
    pub fn parse_or(raw: Option<&str>, fallback: &str) -> Self {
        raw.and_then(Self::parse)
            .unwrap_or_else(|| Self(fallback.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NextPath {
    type Error = &'static str;

    /// Read back from the session through the same parser: a stored value is never trusted
    /// to be a safe path just because it deserialises.
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).ok_or("not a relative path on this site")
    }
}

#[cfg(test)]
mod tests {
    use super::NextPath;

    #[test]
    fn relative_paths_are_accepted() {
        for ok in ["/", "/account", "/account?tab=links#top", "/登录"] {
            assert_eq!(
                NextPath::parse(ok).map(|p| p.as_str().to_string()),
                Some(ok.to_string())
            );
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_is_refused() {
        for bad in [
            "",
            "account",
            "//evil.example",
            "/\\evil.example",
            "/a\\b",
            "https://evil.example",
            "javascript:alert(1)",
            "/a\nb",
            "/a\tb",
        ] {
            assert_eq!(NextPath::parse(bad), None, "{bad:?} must be refused");
        }
        assert_eq!(NextPath::parse(&format!("/{}", "a".repeat(600))), None);
        assert_eq!(NextPath::parse_or(Some("//x"), "/login").as_str(), "/login");
    }

    #[test]
    fn deserialising_goes_through_the_parser() {
        let ok: Result<NextPath, _> = serde_json::from_str(r#""/account""#);
        assert_eq!(
            ok.map(|p| p.as_str().to_string()).ok(),
            Some("/account".into())
        );
        for bad in [
            r#""//evil.example""#,
            r#""https://evil.example""#,
            r#""/a\b""#,
        ] {
            let parsed: Result<NextPath, _> = serde_json::from_str(bad);
            assert!(parsed.is_err(), "{bad} must be refused");
        }
    }
}
