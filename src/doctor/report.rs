//! The printed checklist: one line per check (✓ passed, ! warning, ✗ failed, - skipped), the
//! fix indented under each warning and failure, and a summary line.

use std::fmt::Write as _;

use super::check::{Check, Lang, Outcome};

fn mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✓",
        Outcome::Warn => "!",
        Outcome::Fail => "✗",
        Outcome::Skipped => "-",
    }
}

/// The whole checklist for `site` (the public URL checked), in `lang`.
pub fn render(site: &str, checks: &[Check], lang: Lang) -> String {
    let mut out = String::new();
    let title = match lang {
        Lang::En => format!("Denglu doctor: {site}"),
        Lang::Zh => format!("Denglu 上线检查：{site}"),
    };
    let _ = writeln!(out, "{title}\n");
    for check in checks {
        let separator = match lang {
            Lang::En => ": ",
            Lang::Zh => "：",
        };
        let _ = writeln!(
            out,
            "{} {}{separator}{}",
            mark(check.outcome),
            check.name.in_(lang),
            check.found.in_(lang)
        );
        if let Some(fix) = &check.fix {
            let label = match lang {
                Lang::En => "fix: ",
                Lang::Zh => "修复：",
            };
            let _ = writeln!(out, "    {label}{}", fix.in_(lang));
        }
    }
    let _ = writeln!(out, "\n{}", summary(checks, lang));
    out
}

/// `12 passed, 2 warnings, 1 failed, 1 skipped: ...`
pub fn summary(checks: &[Check], lang: Lang) -> String {
    let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
    let (pass, warn, fail, skipped) = (
        count(Outcome::Pass),
        count(Outcome::Warn),
        count(Outcome::Fail),
        count(Outcome::Skipped),
    );
    match lang {
        Lang::En => {
            let plural = |n: usize, word: &str| {
                if n == 1 {
                    format!("{n} {word}")
                } else {
                    format!("{n} {word}s")
                }
            };
            let verdict = match (fail, warn) {
                (0, 0) => "ready to go live.",
                (0, _) => "nothing failed; read the warnings before going live.",
                _ => "not ready: fix what failed and run `denglu doctor` again.",
            };
            format!(
                "{pass} passed, {}, {fail} failed, {skipped} skipped: {verdict}",
                plural(warn, "warning")
            )
        }
        Lang::Zh => {
            let verdict = match (fail, warn) {
                (0, 0) => "可以上线。",
                (0, _) => "没有失败项；上线前请看一下警告。",
                _ => "尚不能上线：修复失败项后再运行一次 `denglu doctor`。",
            };
            format!("通过 {pass} 项，警告 {warn} 项，失败 {fail} 项，跳过 {skipped} 项：{verdict}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Said;

    fn checks() -> Vec<Check> {
        vec![
            Check::pass(Said::new("Secret", "strong"), Said::new("ok", "好")),
            Check::fail(
                Said::new("Database", "数据库"),
                Said::new("2 migrations pending", "有 2 个迁移未执行"),
                Said::new("start the server once", "启动一次服务"),
            ),
            Check::skipped(Said::new("QQ", "QQ"), Said::new("not configured", "未配置")),
        ]
    }

    #[test]
    fn each_line_has_its_mark_and_failures_their_fix() {
        let text = render("https://login.example.com/", &checks(), Lang::En);
        assert!(text.contains("✓ Secret: ok"), "{text}");
        assert!(
            text.contains("✗ Database: 2 migrations pending\n    fix: start the server once"),
            "{text}"
        );
        assert!(text.contains("- QQ: not configured"), "{text}");
        assert!(
            text.trim_end()
                .ends_with("1 passed, 0 warnings, 1 failed, 1 skipped: not ready: fix what failed and run `denglu doctor` again."),
            "{text}"
        );
    }

    #[test]
    fn chinese_is_chinese_throughout() {
        let text = render("https://login.example.com/", &checks(), Lang::Zh);
        assert!(
            text.contains("✗ 数据库：有 2 个迁移未执行\n    修复：启动一次服务"),
            "{text}"
        );
        assert!(
            text.contains("通过 1 项，警告 0 项，失败 1 项，跳过 1 项"),
            "{text}"
        );
        assert!(!text.contains("fix:"), "{text}");
    }

    #[test]
    fn warnings_alone_are_not_a_failure() {
        let only_warning = [Check::warn(
            Said::new("Public URL", "公开地址"),
            Said::new("http", "http"),
            Said::new("https", "https"),
        )];
        assert!(summary(&only_warning, Lang::En).ends_with("read the warnings before going live."));
        assert!(summary(&[], Lang::En).ends_with("ready to go live."));
    }
}
