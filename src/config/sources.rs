//! Where values come from: `Leptos.toml` (or the file `DENGLU_CONFIG` names), overridden by the
//! environment, merged by figment. Defaults stay beside the parsing in `load.rs`, because a
//! blank value at any layer means "the default", which a merge cannot express.

use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value};
use providers::ConfigKey;

use super::keys;
use super::settings::ConfigError;

/// The merged values, looked up by key. No `Debug`: they include the secrets.
pub struct Sources {
    merged: Value,
}

impl Sources {
    /// Reads `path` (absent is fine: every key has a default) and overlays the variables that
    /// `env` knows, by their exact names.
    pub fn from_file_and_env(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let unreadable = |reason: String| ConfigError::File {
            path: path.display().to_string(),
            reason,
        };
        let file = match std::fs::metadata(path) {
            Ok(_) => Figment::from(Toml::file_exact(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Figment::new(),
            Err(e) => return Err(unreadable(e.to_string())),
        };
        let merged: Dict = with_environment(file, env)
            .extract()
            .map_err(|e| unreadable(one_line(&e.to_string())))?;
        Ok(Self {
            merged: Value::from(merged),
        })
    }

    /// Values given as pairs of environment names and values, with no file (tests build
    /// settings this way). A later pair for the same name wins.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let given: std::collections::HashMap<&str, &str> = pairs.into_iter().collect();
        let merged: Dict = with_environment(Figment::new(), |name| {
            given.get(name).map(|v| v.to_string())
        })
        .extract()
        .expect("string values at known keys always form a dictionary");
        Self {
            merged: Value::from(merged),
        }
    }

    /// The OpenID Connect clients the file declares (`[[oidc.clients]]`); none when absent.
    pub fn clients(&self) -> Result<Vec<super::ConfiguredClient>, ConfigError> {
        match self.merged.find_ref("oidc.clients") {
            None => Ok(Vec::new()),
            Some(value) => value.deserialize().map_err(|e| ConfigError::Invalid {
                env: "(file only)",
                toml: "oidc.clients",
                reason: one_line(&e.to_string()),
            }),
        }
    }

    /// The value of `key` as text, with blank values treated as unset.
    pub fn get(&self, key: ConfigKey) -> Option<String> {
        self.merged
            .find_ref(key.toml)
            .and_then(text)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

/// The environment as the top layer: each variable Denglu knows, at its file key, as the text
/// it is. (figment's own `Env` provider would parse values, turning an app id like `0101` into
/// a number and stripping quotes from a secret.)
fn with_environment(figment: Figment, env: impl Fn(&str) -> Option<String>) -> Figment {
    keys::all()
        .into_iter()
        .fold(figment, |figment, key| match env(key.env) {
            Some(value) => figment.merge(Serialized::default(key.toml, value)),
            None => figment,
        })
}

/// The file's values as the text the parsers expect: numbers and booleans as written, lists
/// (e.g. `offered = ["wechat", "qq"]`) joined with commas; a table is no value.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(_, s) => Some(s.clone()),
        Value::Char(_, c) => Some(c.to_string()),
        Value::Bool(_, b) => Some(b.to_string()),
        Value::Num(_, n) => n
            .to_i128()
            .map(|i| i.to_string())
            .or_else(|| n.to_f64().map(|f| f.to_string())),
        Value::Array(_, items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(",")),
        Value::Dict(..) | Value::Empty(..) => None,
    }
}

/// Parser messages may quote the offending line below the message; the log wants one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_read_from_the_file_and_overridden_by_the_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        for key in keys::all() {
            let (table, name) = key.toml.rsplit_once('.').expect("keys are dotted");
            let path = dir.path().join("Leptos.toml");
            std::fs::write(&path, format!("[{table}]\n{name} = \"from-file\"\n")).expect("write");
            let from_file = Sources::from_file_and_env(&path, |_| None).expect("parse");
            assert_eq!(
                from_file.get(key).as_deref(),
                Some("from-file"),
                "{} not read from file",
                key.toml
            );
            let overridden = Sources::from_file_and_env(&path, |n| {
                (n == key.env).then(|| "from-env".to_string())
            })
            .expect("parse");
            assert_eq!(
                overridden.get(key).as_deref(),
                Some("from-env"),
                "{} not overridden",
                key.env
            );
        }
    }

    #[test]
    fn blank_means_unset_even_over_a_file_value() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("Leptos.toml");
        std::fs::write(
            &path,
            "[site]\npublic_url = \"https://a.example\"\nroot = \"  \"\n",
        )
        .expect("write");
        let blank_env = |n: &str| (n == keys::PUBLIC_URL.env).then(String::new);
        let sources = Sources::from_file_and_env(&path, blank_env).expect("parse");
        assert_eq!(sources.get(keys::PUBLIC_URL), None);
        assert_eq!(sources.get(keys::SITE_ROOT), None);
    }

    #[test]
    fn file_values_that_are_not_strings_read_as_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("Leptos.toml");
        std::fs::write(
            &path,
            "[session]\nidle_minutes = 10080\n[providers]\noffered = [\"weibo\", \"qq\"]\n",
        )
        .expect("write");
        let sources = Sources::from_file_and_env(&path, |_| None).expect("parse");
        assert_eq!(
            sources.get(keys::SESSION_IDLE_MINUTES).as_deref(),
            Some("10080")
        );
        assert_eq!(sources.get(keys::PROVIDERS).as_deref(), Some("weibo,qq"));
    }

    #[test]
    fn an_absent_file_is_no_error_and_a_broken_one_is_one_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let absent = dir.path().join("absent.toml");
        assert!(Sources::from_file_and_env(&absent, |_| None).is_ok());
        let broken = dir.path().join("Leptos.toml");
        std::fs::write(&broken, "[site\naddr = 1\n").expect("write");
        let line = Sources::from_file_and_env(&broken, |_| None)
            .err()
            .expect("a broken file is refused")
            .to_string();
        assert!(line.starts_with("cannot read "), "{line}");
        assert!(!line.contains('\n'), "{line}");
    }

    #[test]
    fn environment_values_are_taken_as_written() {
        let sources = Sources::from_pairs([("QQ_APPID", "0101"), ("QQ_APPKEY", "\"quoted\"")]);
        let qq = providers::ProviderId::Qq.spec();
        assert_eq!(sources.get(qq.app_id).as_deref(), Some("0101"));
        assert_eq!(sources.get(qq.secret).as_deref(), Some("\"quoted\""));
    }
}
