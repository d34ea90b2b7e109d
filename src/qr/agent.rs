//! What a User-Agent says about the browser: inside WeChat, a phone, and a name a person
//! recognises their computer by.

/// Inside the WeChat app (WeCom's browser also says MicroMessenger, but is not WeChat).
pub fn is_wechat(user_agent: &str) -> bool {
    user_agent.contains("MicroMessenger") && !user_agent.contains("wxwork")
}

/// Phones get the providers' mobile pages (QQ and Weibo `display=mobile`).
pub fn is_mobile(user_agent: &str) -> bool {
    [
        "Mobile",
        "Android",
        "iPhone",
        "iPad",
        "MicroMessenger",
        "HarmonyOS",
    ]
    .iter()
    .any(|marker| user_agent.contains(marker))
}

/// "Chrome · Windows" from a User-Agent: enough for a person to recognise their computer, and
/// made of product names that read the same in both languages.
pub fn describe(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| name);
    // Phones first: an iPhone says "like Mac OS X", and Android says "Linux".
    let system = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("CrOS", "ChromeOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} · {system}"),
        (Some(one), None) | (None, Some(one)) => one.to_string(),
        (None, None) => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_described_by_browser_and_system() {
        assert_eq!(
            describe(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
            ),
            "Chrome · Windows"
        );
        assert_eq!(
            describe(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15"
            ),
            "Safari · macOS"
        );
        assert_eq!(describe("curl/8.0"), "?");
        assert_eq!(
            describe(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
            ),
            "Safari · iOS"
        );
    }

    #[test]
    fn phones_are_recognised_by_their_user_agent() {
        assert!(is_mobile(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
        ));
        assert!(is_mobile(
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0"
        ));
        assert!(!is_mobile(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
        ));
    }
}
