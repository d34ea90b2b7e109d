//! The clock: this machine's time against the `Date` a server answers with. Codes, states and
//! tokens expire in minutes, so a clock far off ends sign-ins early or keeps them too long.

use chrono::{DateTime, Utc};
use reqwest::Client;
use reqwest::header::{DATE, HeaderMap};
use url::Url;

use super::check::{Check, Said};

/// How far apart the two clocks may be.
pub const TOLERANCE_SECS: i64 = 60;

/// A server's `Date` and ours at the moment its answer arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub server: DateTime<Utc>,
    pub local: DateTime<Utc>,
    /// Which server said so (a URL without credentials).
    pub from: String,
}

/// The `Date` of an answer that just arrived, if it has a readable one.
pub fn observe(headers: &HeaderMap, from: &str) -> Option<Observation> {
    let local = Utc::now();
    let raw = headers.get(DATE)?.to_str().ok()?;
    Some(Observation {
        server: parse_http_date(raw)?,
        local,
        from: from.to_string(),
    })
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (the IMF-fixdate every server sends).
pub fn parse_http_date(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(raw.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The first of `urls` that answers with a `Date` (any status will do).
pub async fn observe_any(client: &Client, urls: &[Url]) -> Option<Observation> {
    for url in urls {
        if let Ok(response) = client.get(url.clone()).send().await
            && let Some(seen) = observe(response.headers(), url.as_str())
        {
            return Some(seen);
        }
    }
    None
}

fn name() -> Said {
    Said::new("Clock", "系统时钟")
}

fn ntp() -> Said {
    Said::new(
        "keep the clock synchronised with NTP (e.g. `timedatectl set-ntp true`, or chrony)",
        "用 NTP 同步时钟（例如 `timedatectl set-ntp true` 或 chrony）",
    )
}

pub fn compare(seen: Option<&Observation>) -> Check {
    let Some(seen) = seen else {
        return Check::warn(
            name(),
            Said::new(
                "skipped: no server answered with a Date to compare with",
                "已跳过：没有服务器返回可比较的 Date",
            ),
            ntp(),
        );
    };
    let skew = (seen.local - seen.server).num_seconds();
    let (en_dir, zh_dir) = if skew >= 0 {
        ("ahead of", "快于")
    } else {
        ("behind", "慢于")
    };
    let by = skew.unsigned_abs();
    let amount = if by >= 120 {
        format!("{by} s (about {} min)", by / 60)
    } else {
        format!("{by} s")
    };
    let amount_zh = if by >= 120 {
        format!("{by} 秒（约 {} 分钟）", by / 60)
    } else {
        format!("{by} 秒")
    };
    if skew.abs() > TOLERANCE_SECS {
        Check::fail(
            name(),
            Said::new(
                format!(
                    "this machine's clock is {amount} {en_dir} {} (more than {TOLERANCE_SECS} s): \
                     sign-ins would expire early or late",
                    seen.from
                ),
                format!(
                    "本机时钟{zh_dir} {} {amount_zh}（超过 {TOLERANCE_SECS} 秒）：登录会过早或过晚过期",
                    seen.from
                ),
            ),
            ntp(),
        )
    } else {
        Check::pass(
            name(),
            Said::new(
                format!("within {amount} of {}", seen.from),
                format!("与 {} 相差 {amount_zh}", seen.from),
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::doctor::check::Outcome;

    fn seen(local_minus_server: i64) -> Observation {
        let server = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("an HTTP date");
        Observation {
            server,
            local: server + Duration::seconds(local_minus_server),
            from: "https://api.weixin.qq.com/".into(),
        }
    }

    #[test]
    fn http_dates_are_read() {
        let date = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("valid");
        assert_eq!(date.to_rfc3339(), "1994-11-06T08:49:37+00:00");
        assert!(parse_http_date("yesterday").is_none());
    }

    #[test]
    fn a_minute_either_way_passes_and_more_fails_saying_by_how_much() {
        assert_eq!(compare(Some(&seen(0))).outcome, Outcome::Pass);
        assert_eq!(compare(Some(&seen(60))).outcome, Outcome::Pass);
        assert_eq!(compare(Some(&seen(-60))).outcome, Outcome::Pass);
        let ahead = compare(Some(&seen(61)));
        assert_eq!(ahead.outcome, Outcome::Fail);
        assert!(
            ahead.found.en.contains("61 s ahead of"),
            "{}",
            ahead.found.en
        );
        let behind = compare(Some(&seen(-7200)));
        assert!(
            behind.found.en.contains("7200 s (about 120 min) behind"),
            "{}",
            behind.found.en
        );
        assert!(behind.fix.expect("a fix").en.contains("NTP"));
    }

    #[test]
    fn no_answer_is_a_warning_not_a_pass() {
        let check = compare(None);
        assert_eq!(check.outcome, Outcome::Warn);
        assert!(check.found.en.starts_with("skipped"));
    }
}
