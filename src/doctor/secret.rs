//! `DENGLU_SECRET`: set, not the public development key, long and not guessable. It is never
//! printed, not even in part.

use std::collections::HashMap;

use secrecy::ExposeSecret;

use super::check::{Check, Said};
use crate::config::Settings;

const MIN_BYTES: usize = 32;
const MIN_DISTINCT: usize = 10;
/// Its length times the entropy of its characters' frequencies, in bits.
const MIN_BITS: f64 = 96.0;

/// Why a secret is weak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    Short(usize),
    FewDistinct(usize),
    Repeats(usize),
    LowEntropy,
}

pub fn weakness(secret: &str) -> Option<Weakness> {
    let chars: Vec<char> = secret.chars().collect();
    if secret.len() < MIN_BYTES {
        return Some(Weakness::Short(secret.len()));
    }
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in &chars {
        *counts.entry(*c).or_default() += 1;
    }
    if counts.len() < MIN_DISTINCT {
        return Some(Weakness::FewDistinct(counts.len()));
    }
    // A word or a short run said again and again (`password` four times).
    if let Some(period) = (1..=chars.len() / 2)
        .find(|&p| chars.len().is_multiple_of(p) && chars.chunks(p).all(|c| c == &chars[..p]))
    {
        return Some(Weakness::Repeats(period));
    }
    let bits: f64 = {
        let total = chars.len() as f64;
        counts
            .values()
            .map(|&n| {
                let p = n as f64 / total;
                -p * p.log2()
            })
            .sum::<f64>()
            * total
    };
    (bits < MIN_BITS).then_some(Weakness::LowEntropy)
}

fn name() -> Said {
    Said::new("DENGLU_SECRET", "DENGLU_SECRET 密钥")
}

fn make_one() -> Said {
    Said::new(
        "set DENGLU_SECRET to 32 or more random bytes, e.g. `openssl rand -base64 48`, kept \
         the same on every instance",
        "将 DENGLU_SECRET 设为 32 字节以上的随机值，例如 `openssl rand -base64 48`，所有实例保持一致",
    )
}

pub fn check(settings: &Settings) -> Check {
    if settings.uses_development_secret() {
        let found = Said::new(
            "not set: tokens are sealed with the public development key",
            "未设置：令牌用公开的开发密钥加密",
        );
        return if settings.simulator {
            Check::warn(
                name(),
                Said::new(
                    format!("{}; fine with the simulator only", found.en),
                    format!("{}；仅适用于模拟器", found.zh),
                ),
                make_one(),
            )
        } else {
            Check::fail(name(), found, make_one())
        };
    }
    match weakness(settings.secret.expose_secret()) {
        None => Check::pass(
            name(),
            Said::new("set, long and varied", "已设置，长度与随机性足够"),
        ),
        Some(weakness) => {
            let (en, zh) = match weakness {
                Weakness::Short(n) => (
                    format!("only {n} bytes (at least {MIN_BYTES} needed)"),
                    format!("只有 {n} 字节（至少需要 {MIN_BYTES}）"),
                ),
                Weakness::FewDistinct(n) => (
                    format!("weak: too few different characters ({n})"),
                    format!("强度不足：只有 {n} 种不同字符"),
                ),
                Weakness::Repeats(p) => (
                    format!("weak: the same {p} characters over and over"),
                    format!("强度不足：同样的 {p} 个字符反复出现"),
                ),
                Weakness::LowEntropy => (
                    "weak: too predictable for its length".to_string(),
                    "强度不足：相对长度而言太容易猜测".to_string(),
                ),
            };
            Check::fail(name(), Said::new(en, zh), make_one())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Outcome;

    #[test]
    fn random_secrets_pass_in_every_usual_alphabet() {
        // `openssl rand -base64 48`, `openssl rand -hex 32`, and 32 random letters and digits.
        for strong in [
            "q8Vd0wJ3xk2h5n/8m0p+ZbYQ1rXcTt7uL9sWaGfE4oNiKjHyRvDlMzAe6C2B3x5F",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "Tz4kP9mQ2wX7rB1nV5cL8hJ3dF6gS0aY",
        ] {
            assert_eq!(weakness(strong), None, "{strong}");
        }
    }

    #[test]
    fn short_repeated_and_predictable_secrets_are_weak() {
        assert_eq!(weakness("short"), Some(Weakness::Short(5)));
        assert_eq!(weakness(&"a".repeat(40)), Some(Weakness::FewDistinct(1)));
        assert_eq!(
            weakness(&"password".repeat(4)),
            Some(Weakness::FewDistinct(7))
        );
        assert_eq!(
            weakness(&"0123456789abcdef".repeat(2)),
            Some(Weakness::Repeats(16))
        );
        let lopsided = format!("{}abcdefghij", "x".repeat(40));
        assert_eq!(weakness(&lopsided), Some(Weakness::LowEntropy));
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_pairs(pairs.iter().copied()).expect("valid settings")
    }

    #[test]
    fn the_development_key_warns_with_the_simulator_and_nothing_is_printed() {
        let dev = check(&settings(&[]));
        assert_eq!(dev.outcome, Outcome::Warn);
        assert!(dev.found.en.contains("development key"));
        let weak = "a".repeat(40);
        let line = check(&settings(&[("DENGLU_SECRET", &weak)]));
        assert_eq!(line.outcome, Outcome::Fail);
        let strong = "Tz4kP9mQ2wX7rB1nV5cL8hJ3dF6gS0aY";
        let line = check(&settings(&[("DENGLU_SECRET", strong)]));
        assert_eq!(line.outcome, Outcome::Pass);
        let printed = format!("{line:?}");
        assert!(!printed.contains(strong) && !printed.contains("Tz4k"));
    }
}
