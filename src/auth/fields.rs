//! The fields of a Denglu profile, each a type that can only be built by parsing.
//!
//! Errors are translation keys (see `locales/`), so the page shows them in the user's language.

use unicode_normalization::UnicodeNormalization;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const DISPLAY_NAME_MAX: usize = 64;
pub const EMAIL_MAX: usize = 254;
/// Anything longer is refused before it is normalised, so a huge field costs nothing.
const RAW_MAX_BYTES: usize = 1024;

/// A username: letters of one writing system (UTS #39 "highly restrictive": one script, or
/// Han with kana or Hangul, or either with Latin), digits, `_` and `-`, 3 to 32 characters
/// after NFKC normalisation, no invisible fillers. Unique by [`Username::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username {
    value: String,
    key: String,
}

impl Username {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        if raw.len() > RAW_MAX_BYTES {
            return Err("field-username-too-long");
        }
        let value: String = raw.nfkc().collect();
        // Before the length and character rules: a filler passes both, and looks like nothing.
        if value.chars().any(is_invisible) {
            return Err("field-username-invisible");
        }
        let length = value.chars().count();
        if length < USERNAME_MIN {
            return Err("field-username-too-short");
        }
        if length > USERNAME_MAX {
            return Err("field-username-too-long");
        }
        if !value.chars().all(allowed_in_username) {
            return Err("field-username-characters");
        }
        if !single_writing_system(&value) {
            return Err("field-username-mixed-scripts");
        }
        let key = username_key(&value);
        Ok(Self { value, key })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// What `users.username_key` compares: full case folding, then the UTS #39 confusable
    /// skeleton, so that `admın`, `ADMIN` and `adrnin` are one name, and `Straße` is `STRASSE`.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// Case fold, skeleton, fold again (a skeleton may map to a capital), composed. Keep in step
/// with the frozen copy in `migrations/` that rekeyed existing accounts.
fn username_key(value: &str) -> String {
    use unicode_security::skeleton;
    let folder = icu_casemap::CaseMapper::new();
    let folded = folder.fold_string(value);
    let skeleton: String = skeleton(&folded).collect();
    folder.fold_string(&skeleton).nfc().collect()
}

fn allowed_in_username(c: char) -> bool {
    use unicode_security::GeneralSecurityProfile;
    (c.is_alphanumeric() || c == '_' || c == '-') && c.identifier_allowed()
}

fn single_writing_system(value: &str) -> bool {
    use unicode_security::{RestrictionLevel, RestrictionLevelDetection};
    value.detect_restriction_level() <= RestrictionLevel::HighlyRestrictive
}

/// Characters that show as nothing: Hangul fillers (after NFKC they are all U+1160), the
/// Braille blank, and default-ignorable code points (zero widths, joiners, variation
/// selectors, tags).
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Bidirectional controls reorder what is shown around them (`abc\u{202E}gpj.exe` reads
/// `abcexe.jpg`): marks, embeddings, overrides and isolates.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Usernames to offer for a provider nickname, best first, every one valid: the nickname with
/// disallowed characters turned into `_`, then numbered variants (short nicknames such as
/// 张伟 only get numbered ones), then random ones. The caller takes the first free one.
pub fn username_candidates(nickname: &str) -> Vec<String> {
    use rand::Rng;
    // Room for a suffix of up to five characters.
    let base = cleaned_nickname(nickname, USERNAME_MAX - 5);
    let length = base.chars().count();
    let stem = if length < 2 {
        "user".to_string()
    } else {
        base.clone()
    };
    let mut out = Vec::new();
    if length >= USERNAME_MIN {
        out.push(base);
    }
    out.extend((2..=9).map(|n| format!("{stem}{n}")));
    let mut rng = rand::rng();
    out.extend((0..5).map(|_| format!("{stem}{}", rng.random_range(1000..100_000))));
    out
}

fn cleaned_nickname(nickname: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for c in nickname.nfkc() {
        let c = if allowed_in_username(c) { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    let cut: String = out
        .trim_matches(|c| c == '_' || c == '-')
        .chars()
        .take(max_chars)
        .collect();
    cut.trim_end_matches(['_', '-']).to_string()
}

/// The name shown on the site: 1 to 64 characters, no control characters. Any other text
/// is allowed, HTML included: it is always shown escaped, never interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.len() > RAW_MAX_BYTES {
            return Err("field-display-name-too-long");
        }
        let stripped: String = raw.chars().filter(|c| !is_bidi_control(*c)).collect();
        let value = stripped.trim();
        if value.chars().count() > DISPLAY_NAME_MAX {
            return Err("field-display-name-too-long");
        }
        if value.is_empty() {
            return Err("field-display-name-empty");
        }
        if value.chars().any(char::is_control) {
            return Err("field-display-name-characters");
        }
        Ok(Self(value.to_string()))
    }

    /// A provider nickname made fit for display: control characters dropped, cut to length.
    pub fn from_nickname(nickname: &str) -> Option<Self> {
        let cleaned: String = nickname
            .chars()
            .filter(|c| !c.is_control() && !is_bidi_control(*c))
            .take(DISPLAY_NAME_MAX)
            .collect();
        Self::parse(&cleaned).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An optional email address, checked for shape only (nothing is ever sent to it, and
/// accounts are never matched by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// `Ok(None)` for an empty field.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, &'static str> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.len() > EMAIL_MAX {
            return Err("field-email-too-long");
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err("field-email-invalid");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Some(Self(value.to_string())))
        } else {
            Err("field-email-invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_of_any_script_are_accepted_and_keyed_without_case() {
        let key = |raw: &str| Username::parse(raw).expect(raw).key().to_string();
        for (raw, same) in [
            ("Alice", "alice"),
            ("张伟_2024", "张伟_2024"),
            ("  Ölaf-99 ", "ölaf-99"),
            ("ＡＢＣ", "abc"),
            ("ΣΊΣΥΦΟΣ", "σίσυφοσ"),
            ("σίσυφος", "σίσυφοσ"),
        ] {
            assert_eq!(key(raw), key(same), "{raw}");
        }
        assert_ne!(key("alice"), key("alicia"));
        // NFKC: the full-width form is the same name as the ASCII one.
        assert_eq!(
            Username::parse("ＡＢＣ").map(|u| u.as_str().to_string()),
            Ok("ABC".to_string())
        );
    }

    #[test]
    fn bad_usernames_say_why() {
        assert_eq!(Username::parse("ab"), Err("field-username-too-short"));
        assert_eq!(
            Username::parse(&"a".repeat(33)),
            Err("field-username-too-long")
        );
        assert_eq!(
            Username::parse(&"a".repeat(100_000)),
            Err("field-username-too-long")
        );
        for bad in ["has space", "a<b>", "emoji🌸", "dot.ted", "semi;colon"] {
            assert_eq!(
                Username::parse(bad),
                Err("field-username-characters"),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_that_impersonate_are_refused_or_share_a_key() {
        // One script per name: a Cyrillic а or р among Latin letters.
        for mixed in ["аdmin", "рaypal", "paypаl", "Ωmega"] {
            assert_eq!(
                Username::parse(mixed),
                Err("field-username-mixed-scripts"),
                "{mixed}"
            );
        }
        // Han with kana or Hangul is one writing system (UTS #39 augmented scripts).
        assert!(Username::parse("東京たろう").is_ok());
        assert!(Username::parse("한국어漢字").is_ok());
        assert!(Username::parse("Tom_张").is_ok());
        // Outside UTS #39's identifier profile (ɑ is a phonetic symbol).
        assert_eq!(Username::parse("ɑdmin"), Err("field-username-characters"));
        // Invisible fillers look like nothing, or like the name without them.
        for blank in [
            "admin\u{3164}",
            "\u{3164}\u{3164}\u{3164}",
            "ad\u{115F}min",
            "ad\u{FFA0}min",
        ] {
            assert_eq!(
                Username::parse(blank),
                Err("field-username-invisible"),
                "{blank:?}"
            );
        }
        // Look-alikes within one script, and case, fold to one key.
        let key = |raw: &str| Username::parse(raw).expect(raw).key().to_string();
        for same in ["admın", "ADMIN", "Admin", "adrnin"] {
            assert_eq!(key(same), key("admin"), "{same}");
        }
        assert_eq!(key("Straße"), key("STRASSE"));
        assert_eq!(key("paypal"), key("PayPal"));
        assert_ne!(key("paypal"), key("admin"));
        // Whole-script look-alikes: Cyrillic сосо is Latin coco.
        assert_eq!(key("сосо"), key("coco"));
    }

    /// The migration that rekeyed existing accounts must have computed today's keys.
    #[test]
    fn existing_accounts_were_rekeyed_with_the_same_key() {
        for name in [
            "admin",
            "Straße",
            "ΣΊΣΥΦΟΣ",
            "张伟_2024",
            "Ölaf-99",
            "сосо",
            "Tom_张",
        ] {
            let parsed = Username::parse(name).expect(name);
            assert_eq!(
                migrations::username_key_v2(parsed.as_str()),
                parsed.key(),
                "{name}"
            );
        }
    }

    #[test]
    fn display_names_lose_bidirectional_controls() {
        assert_eq!(
            DisplayName::parse("abc\u{202E}gpj.exe").map(DisplayName::into_string),
            Ok("abcgpj.exe".to_string())
        );
        assert_eq!(
            DisplayName::parse("\u{2067}小明\u{2069}\u{200F}").map(DisplayName::into_string),
            Ok("小明".to_string())
        );
        assert_eq!(
            DisplayName::parse("\u{202E}\u{202C}"),
            Err("field-display-name-empty")
        );
        assert_eq!(
            DisplayName::from_nickname("Mal\u{202E}lory").map(DisplayName::into_string),
            Some("Mallory".to_string())
        );
    }

    #[test]
    fn suggestions_are_valid_usernames() {
        for nickname in [
            "张伟",
            "小红🌸Hóng",
            "李雷",
            "<script>alert(1)</script>",
            "🌸🌸",
            "",
            "x",
            &"很长的中文昵称".repeat(10),
        ] {
            let candidates = username_candidates(nickname);
            assert!(candidates.len() >= 10);
            for candidate in candidates {
                assert!(
                    Username::parse(&candidate).is_ok(),
                    "{nickname:?} -> {candidate:?}"
                );
            }
        }
        assert_eq!(username_candidates("小红🌸Hóng")[0], "小红_Hóng");
        assert_eq!(username_candidates("张伟")[0], "张伟2");
        assert_eq!(username_candidates("🌸")[0], "user2");
        assert_eq!(username_candidates("张伟伟")[..2], ["张伟伟", "张伟伟2"]);
    }

    #[test]
    fn display_names_keep_html_as_text_but_not_control_characters() {
        assert_eq!(
            DisplayName::parse(" <b>小明</b> ").map(DisplayName::into_string),
            Ok("<b>小明</b>".to_string())
        );
        assert_eq!(DisplayName::parse("   "), Err("field-display-name-empty"));
        assert_eq!(
            DisplayName::parse(&"字".repeat(65)),
            Err("field-display-name-too-long")
        );
        assert_eq!(
            DisplayName::parse("a\u{0}b"),
            Err("field-display-name-characters")
        );
        assert_eq!(
            DisplayName::from_nickname(&format!("a\nb{}", "字".repeat(100)))
                .map(|d| d.as_str().chars().count()),
            Some(DISPLAY_NAME_MAX)
        );
        assert_eq!(DisplayName::from_nickname(""), None);
    }

    #[test]
    fn emails_are_optional_and_checked_for_shape() {
        assert_eq!(Email::parse_optional("  "), Ok(None));
        assert!(matches!(
            Email::parse_optional("xiao.ming+denglu@example.com.cn"),
            Ok(Some(_))
        ));
        assert!(matches!(
            Email::parse_optional("用户@例子.中国"),
            Ok(Some(_))
        ));
        for bad in [
            "no-at",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "<a>@b.com",
            "a@-b.com",
            ".a@b.com",
        ] {
            assert_eq!(
                Email::parse_optional(bad),
                Err("field-email-invalid"),
                "{bad}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse_optional(&long), Err("field-email-too-long"));
    }
}
