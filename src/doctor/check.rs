//! One line of the checklist: what was checked, how it went, what was found and, when it did
//! not pass, how to fix it, each in both languages.

/// The language the checklist is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// `en`, `zh`, `zh-CN` (any case, `_` for `-`); `None` for anything else.
    pub fn parse(raw: &str) -> Option<Lang> {
        match raw.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            "zh" | "zh-cn" | "zh-hans" => Some(Lang::Zh),
            _ => None,
        }
    }
}

/// One sentence, in English and in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub en: String,
    pub zh: String,
}

impl Said {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Said {
            en: en.into(),
            zh: zh.into(),
        }
    }

    pub fn in_(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Works, but not as it should go live (fine for development, or worth a look).
    Warn,
    /// Sign-in will not work, or is not safe: fix before going live.
    Fail,
    /// Not checked: nothing to check (a provider not configured) or nothing to check with.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: Said,
    pub outcome: Outcome,
    /// What was found.
    pub found: Said,
    /// How to fix it; every warning and failure has one.
    pub fix: Option<Said>,
}

impl Check {
    pub fn pass(name: Said, found: Said) -> Self {
        Check {
            name,
            outcome: Outcome::Pass,
            found,
            fix: None,
        }
    }

    pub fn warn(name: Said, found: Said, fix: Said) -> Self {
        Check {
            name,
            outcome: Outcome::Warn,
            found,
            fix: Some(fix),
        }
    }

    pub fn fail(name: Said, found: Said, fix: Said) -> Self {
        Check {
            name,
            outcome: Outcome::Fail,
            found,
            fix: Some(fix),
        }
    }

    pub fn skipped(name: Said, found: Said) -> Self {
        Check {
            name,
            outcome: Outcome::Skipped,
            found,
            fix: None,
        }
    }

    pub fn failed(&self) -> bool {
        self.outcome == Outcome::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_read_from_the_usual_tags() {
        for raw in ["zh", "zh-CN", "ZH_cn", " zh-Hans "] {
            assert_eq!(Lang::parse(raw), Some(Lang::Zh), "{raw}");
        }
        for raw in ["en", "EN", "en-US"] {
            assert_eq!(Lang::parse(raw), Some(Lang::En), "{raw}");
        }
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::default(), Lang::En);
    }
}
