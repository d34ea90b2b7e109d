//! Each configured provider: the value to register for its callback, checked against its
//! rules, and a harmless probe of its credentials (a code exchange with a code that cannot
//! exist: the provider says whether it was the code or the app it refused, and spends nothing).

use std::sync::Arc;

use providers::{Provider, ProviderError, ProviderId};
use url::Url;

use super::check::{Check, Said};
use super::public_url::{HostKind, host_kind};
use crate::auth::callback_url;
use crate::config::Settings;

/// What a provider registers for its callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registers {
    /// A host: no scheme, no path, no port (WeChat checks only the redirect_uri's domain).
    Domain,
    /// The exact callback URL.
    Url { port_allowed: bool },
}

/// How a code exchange with a made-up code is answered, by provider error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeAnswers {
    /// The app and its secret were accepted; only the code was refused.
    pub accepted: &'static [i64],
    pub unknown_app: &'static [i64],
    pub wrong_secret: &'static [i64],
    /// The app id or its secret, without saying which.
    pub wrong_client: &'static [i64],
    pub wrong_callback: &'static [i64],
}

struct Facts {
    label: Said,
    /// The field at the provider's console where the callback value goes.
    field: Said,
    registers: Registers,
    probe: Option<ProbeAnswers>,
}

/// What Denglu knows of each provider's console (PROTOCOLS.md has the codes).
fn facts(id: ProviderId) -> Facts {
    match id {
        ProviderId::Wechat => Facts {
            label: Said::new("WeChat website app", "微信网站应用"),
            field: Said::new(
                "the website app's authorised callback domain (授权回调域) at open.weixin.qq.com",
                "open.weixin.qq.com 网站应用的「授权回调域」",
            ),
            registers: Registers::Domain,
            probe: Some(WECHAT_PROBE),
        },
        ProviderId::WechatMp => Facts {
            label: Said::new("WeChat Official Account", "微信公众号"),
            field: Said::new(
                "the Official Account's web authorisation domain (网页授权域名) at mp.weixin.qq.com",
                "mp.weixin.qq.com 公众号的「网页授权域名」",
            ),
            registers: Registers::Domain,
            probe: Some(WECHAT_PROBE),
        },
        ProviderId::Qq => Facts {
            label: Said::new("QQ Connect", "QQ 互联"),
            field: Said::new(
                "the app's callback address (网站回调域) at connect.qq.com",
                "connect.qq.com 应用的「网站回调域」",
            ),
            registers: Registers::Url { port_allowed: true },
            probe: Some(ProbeAnswers {
                accepted: &[100019],
                unknown_app: &[100008],
                wrong_secret: &[100009],
                wrong_client: &[],
                wrong_callback: &[100010],
            }),
        },
        ProviderId::Weibo => Facts {
            label: Said::new("Sina Weibo", "新浪微博"),
            field: Said::new(
                "the app's authorisation callback page (授权回调页) at open.weibo.com",
                "open.weibo.com 应用高级信息中的「授权回调页」",
            ),
            // Weibo refuses callbacks with a port in reviewed apps.
            registers: Registers::Url {
                port_allowed: false,
            },
            probe: Some(ProbeAnswers {
                accepted: &[21325],
                unknown_app: &[],
                wrong_secret: &[],
                wrong_client: &[21324],
                wrong_callback: &[21322],
            }),
        },
    }
}

const WECHAT_PROBE: ProbeAnswers = ProbeAnswers {
    accepted: &[40029],
    unknown_app: &[40013],
    wrong_secret: &[40125],
    wrong_client: &[],
    wrong_callback: &[],
};

fn named(facts: &Facts, en: &str, zh: &str) -> Said {
    Said::new(
        format!("{} {en}", facts.label.en),
        format!("{}{zh}", facts.label.zh),
    )
}

/// The simulator standing in for every provider, when it does.
pub fn simulated(settings: &Settings, public: &Url) -> Option<Check> {
    settings.simulator.then(|| {
        Check::warn(
            Said::new("Providers", "登录方式"),
            Said::new(
                format!(
                    "simulated: DENGLU_SIMULATOR is on and every provider is the built-in \
                     simulator at {public}_sim/ (for development only)"
                ),
                format!("模拟：DENGLU_SIMULATOR 已开启，所有登录方式都由 {public}_sim/ 的内置模拟器提供（仅用于开发）"),
            ),
            Said::new(
                "set each real app's credentials (WECHAT_OPEN_APPID/WECHAT_OPEN_SECRET, \
                 WECHAT_MP_*, QQ_APPID/QQ_APPKEY, WEIBO_APPKEY/WEIBO_SECRET) and DENGLU_SIMULATOR=0",
                "设置各真实应用的凭据（WECHAT_OPEN_APPID/WECHAT_OPEN_SECRET、WECHAT_MP_*、\
                 QQ_APPID/QQ_APPKEY、WEIBO_APPKEY/WEIBO_SECRET），并设置 DENGLU_SIMULATOR=0",
            ),
        )
    })
}

pub fn not_configured(id: ProviderId) -> Check {
    let facts = facts(id);
    let spec = id.spec();
    Check::skipped(
        facts.label.clone(),
        Said::new(
            format!(
                "not configured ({} and {} are not set)",
                spec.app_id.env, spec.secret.env
            ),
            format!(
                "未配置（未设置 {} 和 {}）",
                spec.app_id.env, spec.secret.env
            ),
        ),
    )
}

/// The value to register at the provider for `public`, checked against the provider's rules.
pub fn callback_rule(id: ProviderId, public: &Url, production: bool) -> Check {
    let facts = facts(id);
    let callback = callback_url(public, id);
    let host = public.host_str().unwrap_or_default().to_string();
    let path = public.path();
    let kind = host_kind(public);
    let (what, name) = match facts.registers {
        Registers::Domain => (host.clone(), named(&facts, "callback domain", "授权回调域")),
        Registers::Url { .. } => (
            callback.to_string(),
            named(&facts, "callback URL", "回调地址"),
        ),
    };
    let register = Said::new(
        format!("register `{what}` as {}", facts.field.en),
        format!("在{}填写 `{what}`", facts.field.zh),
    );
    let own_host = Said::new(
        "serve Denglu at the root of a host of its own (e.g. https://login.example.com/) and set \
         DENGLU_PUBLIC_URL to it",
        "在独立域名的根路径提供 Denglu（例如 https://login.example.com/），并将 DENGLU_PUBLIC_URL 设为该地址",
    );
    let public_domain = Said::new(
        "give Denglu a public domain name with https, set DENGLU_PUBLIC_URL to it and register \
         that",
        "为 Denglu 配置带 https 的公网域名，设置 DENGLU_PUBLIC_URL 并登记该域名",
    );
    let has_path = path != "/";
    match facts.registers {
        Registers::Domain if has_path => {
            return Check::fail(
                name,
                Said::new(
                    format!(
                        "DENGLU_PUBLIC_URL has a path ({path}): WeChat registers a domain only and \
                         Denglu's callback is {callback}, at the root of the host, so a \
                         deployment under a path cannot receive it"
                    ),
                    format!(
                        "DENGLU_PUBLIC_URL 带有路径（{path}）：微信只登记域名，而 Denglu 的回调是位于域名根路径的 \
                         {callback}，部署在子路径下无法收到回调"
                    ),
                ),
                own_host,
            );
        }
        Registers::Url { .. } if has_path => {
            return Check::warn(
                name,
                Said::new(
                    format!(
                        "DENGLU_PUBLIC_URL has a path ({path}), but callbacks are at the root of \
                         the host: {callback}"
                    ),
                    format!(
                        "DENGLU_PUBLIC_URL 带有路径（{path}），但回调位于域名根路径：{callback}"
                    ),
                ),
                own_host,
            );
        }
        _ => {}
    }
    match kind {
        HostKind::Loopback => {
            let found = Said::new(
                format!(
                    "`{what}`: `{host}` is this machine and cannot be registered for real sign-ins"
                ),
                format!("`{what}`：`{host}` 是本机地址，无法用于真实登录的登记"),
            );
            return if production {
                Check::fail(name, found, public_domain)
            } else {
                Check::warn(
                    name,
                    Said::new(
                        format!("{}; fine with the simulator", found.en),
                        format!("{}；使用模拟器时没有问题", found.zh),
                    ),
                    public_domain,
                )
            };
        }
        HostKind::Ip if facts.registers == Registers::Domain => {
            return Check::fail(
                name,
                Said::new(
                    format!("`{host}` is an IP address: WeChat registers domain names only"),
                    format!("`{host}` 是 IP 地址：微信只接受域名"),
                ),
                public_domain,
            );
        }
        _ => {}
    }
    let port_allowed = matches!(facts.registers, Registers::Url { port_allowed: true });
    if let Some(port) = public.port().filter(|_| !port_allowed) {
        return Check::fail(
            name,
            Said::new(
                format!(
                    "DENGLU_PUBLIC_URL has port {port}: {} accepts no port other than the default",
                    facts.label.en
                ),
                format!(
                    "DENGLU_PUBLIC_URL 带有端口 {port}：{}不接受默认端口以外的端口",
                    facts.label.zh
                ),
            ),
            Said::new(
                "serve Denglu on the default port (443 for https) and drop the port from \
                 DENGLU_PUBLIC_URL",
                "在默认端口（https 为 443）提供 Denglu，并从 DENGLU_PUBLIC_URL 中去掉端口",
            ),
        );
    }
    Check::pass(name, register)
}

/// A code that no provider issued.
fn made_up_code() -> String {
    format!("dengludoctor{}", crate::random::token())
}

/// Exchanges a made-up code and reads the refusal.
pub async fn credentials(id: ProviderId, provider: Arc<dyn Provider>, public: &Url) -> Check {
    let facts = facts(id);
    let Some(answers) = facts.probe else {
        return no_probe(&facts);
    };
    let callback = callback_url(public, id);
    let outcome = provider.exchange_code(&made_up_code(), &callback).await;
    read_probe(id, provider.app_id(), &callback, &answers, outcome.err())
}

fn no_probe(facts: &Facts) -> Check {
    Check::skipped(
        named(facts, "credentials", "凭据"),
        Said::new(
            format!(
                "{} has no harmless probe: sign in once by hand to check them",
                facts.label.en
            ),
            format!(
                "{}没有无副作用的检测方式：请手动登录一次来确认",
                facts.label.zh
            ),
        ),
    )
}

/// `refused`: how the exchange failed (`None`: it succeeded, which a made-up code must not).
fn read_probe(
    id: ProviderId,
    app_id: &str,
    callback: &Url,
    answers: &ProbeAnswers,
    refused: Option<ProviderError>,
) -> Check {
    let facts = facts(id);
    let spec = id.spec();
    let (app_env, secret_env) = (spec.app_id.env, spec.secret.env);
    let name = named(&facts, "credentials", "凭据");
    let by_hand = Said::new(
        "sign in once by hand to check the credentials",
        "请手动登录一次来确认凭据",
    );
    let Some(error) = refused else {
        return Check::warn(
            name,
            Said::new(
                "the provider accepted a code that cannot exist: its answer tells nothing",
                "服务商接受了一个不存在的授权码：无法据此判断",
            ),
            by_hand,
        );
    };
    let label = &facts.label;
    let Some(code) = error.code() else {
        return Check::fail(
            name,
            Said::new(
                format!("no answer from {}: {error}", label.en),
                format!("{}没有正常应答：{error}", label.zh),
            ),
            Said::new(
                "check that this machine reaches the provider over https (firewall, outbound \
                 proxy, DNS) and its base URL settings",
                "检查本机能否通过 https 访问服务商（防火墙、出口代理、DNS）及其基础地址配置",
            ),
        );
    };
    if answers.accepted.contains(&code) {
        return Check::pass(
            name,
            Said::new(
                format!(
                    "app `{app_id}` and its secret accepted (a made-up code was refused with \
                     {code}, as it should be)"
                ),
                format!(
                    "应用 `{app_id}` 及其密钥有效（一个虚构的授权码按预期被拒绝，错误码 {code}）"
                ),
            ),
        );
    }
    if answers.unknown_app.contains(&code) {
        return Check::fail(
            name,
            Said::new(
                format!("{} does not know app id `{app_id}` ({code})", label.en),
                format!("{}不认识应用 ID `{app_id}`（{code}）", label.zh),
            ),
            Said::new(
                format!("copy the app id from the provider's console into {app_env}"),
                format!("从服务商控制台复制应用 ID 到 {app_env}"),
            ),
        );
    }
    if answers.wrong_secret.contains(&code) {
        return Check::fail(
            name,
            Said::new(
                format!("{} refused the secret of app `{app_id}` ({code})", label.en),
                format!("{}拒绝了应用 `{app_id}` 的密钥（{code}）", label.zh),
            ),
            Said::new(
                format!(
                    "copy the current secret into {secret_env} (reset it at the provider's \
                     console if it is lost)"
                ),
                format!("将当前密钥复制到 {secret_env}（如已遗失，可在服务商控制台重置）"),
            ),
        );
    }
    if answers.wrong_client.contains(&code) {
        return Check::fail(
            name,
            Said::new(
                format!(
                    "{} refused app `{app_id}` or its secret ({code}); it does not say which",
                    label.en
                ),
                format!(
                    "{}拒绝了应用 `{app_id}` 或其密钥（{code}），未说明是哪一个",
                    label.zh
                ),
            ),
            Said::new(
                format!("check both {app_env} and {secret_env} against the provider's console"),
                format!("对照服务商控制台检查 {app_env} 和 {secret_env}"),
            ),
        );
    }
    if answers.wrong_callback.contains(&code) {
        return Check::fail(
            name,
            Said::new(
                format!("{} refused the callback {callback} ({code})", label.en),
                format!("{}拒绝了回调地址 {callback}（{code}）", label.zh),
            ),
            Said::new(
                format!("register exactly `{callback}` as {}", facts.field.en),
                format!("在{}填写 `{callback}`", facts.field.zh),
            ),
        );
    }
    Check::fail(
        name,
        Said::new(
            format!("{} answered: {error}", label.en),
            format!("{}返回错误：{error}", label.zh),
        ),
        Said::new(
            format!(
                "look up code {code} in the provider's documentation, then {}",
                by_hand.en
            ),
            format!("在服务商文档中查找错误码 {code}，然后{}", by_hand.zh),
        ),
    )
}

#[cfg(test)]
mod tests {
    use providers::ErrorKind;

    use super::*;
    use crate::doctor::check::Outcome;

    fn url(raw: &str) -> Url {
        Url::parse(raw).expect("a valid URL")
    }

    #[test]
    fn wechat_registers_the_bare_host_and_qq_weibo_the_exact_callback() {
        let public = url("https://login.example.com/");
        let wechat = callback_rule(ProviderId::Wechat, &public, true);
        assert_eq!(wechat.outcome, Outcome::Pass);
        assert!(
            wechat
                .found
                .en
                .starts_with("register `login.example.com` as"),
            "{}",
            wechat.found.en
        );
        let mp = callback_rule(ProviderId::WechatMp, &public, true);
        assert!(
            mp.found.en.contains("`login.example.com`") && mp.found.en.contains("网页授权域名")
        );
        let qq = callback_rule(ProviderId::Qq, &public, true);
        assert!(
            qq.found
                .en
                .contains("`https://login.example.com/auth/qq/callback`"),
            "{}",
            qq.found.en
        );
        let weibo = callback_rule(ProviderId::Weibo, &public, true);
        assert!(
            weibo
                .found
                .en
                .contains("`https://login.example.com/auth/weibo/callback`")
        );
    }

    #[test]
    fn a_path_fails_wechat_and_warns_the_others() {
        let public = url("https://example.com/denglu/");
        for id in [ProviderId::Wechat, ProviderId::WechatMp] {
            let line = callback_rule(id, &public, true);
            assert_eq!(line.outcome, Outcome::Fail, "{id}");
            assert!(
                line.found.en.contains("has a path (/denglu/)"),
                "{}",
                line.found.en
            );
        }
        assert_eq!(
            callback_rule(ProviderId::Qq, &public, true).outcome,
            Outcome::Warn
        );
    }

    #[test]
    fn addresses_and_ports_follow_each_providers_rules() {
        let ip = url("https://203.0.113.7/");
        assert_eq!(
            callback_rule(ProviderId::Wechat, &ip, true).outcome,
            Outcome::Fail
        );
        assert_eq!(
            callback_rule(ProviderId::Qq, &ip, true).outcome,
            Outcome::Pass
        );
        let port = url("https://login.example.com:8443/");
        assert_eq!(
            callback_rule(ProviderId::Wechat, &port, true).outcome,
            Outcome::Fail
        );
        assert_eq!(
            callback_rule(ProviderId::Weibo, &port, true).outcome,
            Outcome::Fail
        );
        assert_eq!(
            callback_rule(ProviderId::Qq, &port, true).outcome,
            Outcome::Pass
        );
        // The default port is no port.
        let default = url("https://login.example.com:443/");
        assert_eq!(
            callback_rule(ProviderId::Weibo, &default, true).outcome,
            Outcome::Pass
        );
        let laptop = url("http://127.0.0.1:3000/");
        assert_eq!(
            callback_rule(ProviderId::Wechat, &laptop, false).outcome,
            Outcome::Warn
        );
        assert_eq!(
            callback_rule(ProviderId::Wechat, &laptop, true).outcome,
            Outcome::Fail
        );
        let localhost = url("http://localhost:3000/");
        assert_eq!(
            callback_rule(ProviderId::Qq, &localhost, false).outcome,
            Outcome::Warn
        );
    }

    fn refused(id: ProviderId, code: i64) -> Option<ProviderError> {
        Some(ProviderError::new(
            ErrorKind::Misconfigured,
            id,
            Some(code),
            "refused",
        ))
    }

    fn probe(id: ProviderId, error: Option<ProviderError>) -> Check {
        let answers = facts(id).probe.expect("a probe");
        let callback = url("https://login.example.com/auth/x/callback");
        read_probe(id, "app1", &callback, &answers, error)
    }

    #[test]
    fn probe_answers_say_which_credential_is_wrong() {
        let wechat = ProviderId::Wechat;
        assert_eq!(probe(wechat, refused(wechat, 40029)).outcome, Outcome::Pass);
        let app = probe(wechat, refused(wechat, 40013));
        assert_eq!(app.outcome, Outcome::Fail);
        assert!(app.found.en.contains("does not know app id `app1` (40013)"));
        assert!(app.fix.expect("a fix").en.contains("WECHAT_OPEN_APPID"));
        let secret = probe(ProviderId::WechatMp, refused(ProviderId::WechatMp, 40125));
        assert!(secret.found.en.contains("refused the secret"));
        assert!(secret.fix.expect("a fix").en.contains("WECHAT_MP_SECRET"));
        let qq = ProviderId::Qq;
        assert_eq!(probe(qq, refused(qq, 100019)).outcome, Outcome::Pass);
        assert!(
            probe(qq, refused(qq, 100009))
                .found
                .en
                .contains("refused the secret")
        );
        assert!(
            probe(qq, refused(qq, 100010))
                .found
                .en
                .contains("refused the callback")
        );
        let weibo = ProviderId::Weibo;
        assert_eq!(probe(weibo, refused(weibo, 21325)).outcome, Outcome::Pass);
        assert!(
            probe(weibo, refused(weibo, 21324))
                .found
                .en
                .contains("does not say which")
        );
        // Unknown codes and silence are failures that show the provider's own words.
        let odd = probe(wechat, refused(wechat, 40164));
        assert_eq!(odd.outcome, Outcome::Fail);
        assert!(odd.found.en.contains("40164"));
        let down = probe(
            wechat,
            Some(ProviderError::new(
                ErrorKind::Unavailable,
                wechat,
                None,
                "connection refused",
            )),
        );
        assert!(
            down.found
                .en
                .starts_with("no answer from WeChat website app")
        );
        assert_eq!(probe(wechat, None).outcome, Outcome::Warn);
    }

    #[test]
    fn a_provider_without_a_probe_says_so() {
        let mut facts = facts(ProviderId::Qq);
        facts.probe = None;
        let line = no_probe(&facts);
        assert_eq!(line.outcome, Outcome::Skipped);
        assert!(
            line.found
                .en
                .contains("no harmless probe: sign in once by hand")
        );
    }
}
