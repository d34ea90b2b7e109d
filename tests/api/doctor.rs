//! `denglu doctor` against a running Denglu and its simulator, configured as a real
//! deployment would be (the simulator's apps as real providers): a good configuration passes,
//! and each misconfiguration fails on its own line with a non-zero exit.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

use crate::helpers::{TestApp, as_real_providers, spawn_app};

const STRONG_SECRET: &str = "Tz4kP9mQ2wX7rB1nV5cL8hJ3dF6gS0aYe2Hu";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The checklist line that starts with `mark` and `name` (`✗ Clock`).
    fn line(&self, start: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line starting with `{start}` in:\n{}", self.stdout))
    }

    /// The fix printed under the line that starts with `start`.
    fn fix(&self, start: &str) -> &str {
        let mut lines = self.stdout.lines().skip_while(|l| !l.starts_with(start));
        lines.next();
        lines
            .next()
            .filter(|l| l.starts_with("    "))
            .unwrap_or_else(|| panic!("no fix under `{start}` in:\n{}", self.stdout))
    }
}

/// A deployment on the test app: its URL, its database, its simulator's apps as real
/// providers, a strong secret; `changes` replace or add variables.
fn deployment(app: &TestApp, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = as_real_providers(app, STRONG_SECRET)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    env.push(("DATABASE_URL".to_string(), app.database_url.clone()));
    for (key, value) in changes {
        env.retain(|(k, _)| k != key);
        env.push(((*key).to_string(), (*value).to_string()));
    }
    env
}

/// Runs `denglu doctor` (the built binary) with exactly `env`, in an empty directory.
async fn doctor(env: Vec<(String, String)>, args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().expect("a temp dir");
        let output = Command::new(env!("CARGO_BIN_EXE_denglu"))
            .current_dir(dir.path())
            .env_clear()
            .envs(env)
            .arg("doctor")
            .args(args)
            .output()
            .expect("the binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
    .await
    .expect("the run ends")
}

fn assert_failed(run: &Run) {
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("\n✗ "), "{}", run.stdout);
}

#[tokio::test]
async fn a_good_deployment_passes_with_warnings_only_for_http_on_this_machine() {
    let app = spawn_app().await;
    let run = doctor(deployment(&app, &[]), &[]).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains('✗'), "{}", run.stdout);
    assert!(
        run.line("! Public URL is https")
            .contains("development only")
    );
    assert!(
        run.line("✓ Public URL answers")
            .contains("answered 200 from Denglu")
    );
    for (name, app_id) in [
        ("WeChat website app", simulator::WECHAT_OPEN_APPID),
        ("WeChat Official Account", simulator::WECHAT_MP_APPID),
        ("QQ Connect", simulator::QQ_APPID),
        ("Sina Weibo", simulator::WEIBO_APPKEY),
    ] {
        let line = run.line(&format!("✓ {name} credentials"));
        assert!(
            line.contains(&format!("app `{app_id}` and its secret accepted")),
            "{line}"
        );
    }
    assert!(
        run.line("! QQ Connect callback URL")
            .contains(&format!("`{}`", app.url("/auth/qq/callback")))
    );
    run.line("✓ DENGLU_SECRET");
    run.line("✓ Database answers");
    assert!(
        run.line("✓ Database is migrated")
            .contains("migrations applied")
    );
    run.line("✓ Clock");
    assert!(
        run.stdout.contains(" 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    // Nothing secret is printed.
    for secret in [
        STRONG_SECRET,
        simulator::WECHAT_OPEN_SECRET,
        simulator::WECHAT_MP_SECRET,
        simulator::QQ_APPKEY,
        simulator::WEIBO_SECRET,
    ] {
        assert!(!run.stdout.contains(secret), "{secret} printed");
        assert!(!run.stderr.contains(secret), "{secret} printed");
    }
}

#[tokio::test]
async fn plain_http_on_a_public_host_fails() {
    let app = spawn_app().await;
    let run = doctor(
        deployment(&app, &[("DENGLU_PUBLIC_URL", "http://192.0.2.1/")]),
        &[],
    )
    .await;
    assert_failed(&run);
    assert!(
        run.line("✗ Public URL is https")
            .contains("http://192.0.2.1/ is plain http")
    );
    assert!(
        run.fix("✗ Public URL is https")
            .contains("DENGLU_PUBLIC_URL=https://")
    );
}

#[tokio::test]
async fn an_unreachable_public_url_fails_saying_why() {
    let app = spawn_app().await;
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("its address").port()
    };
    let public = format!("http://127.0.0.1:{closed}/");
    let run = doctor(deployment(&app, &[("DENGLU_PUBLIC_URL", &public)]), &[]).await;
    assert_failed(&run);
    let line = run.line("✗ Public URL answers");
    assert!(
        line.contains(&format!("GET {public}healthz: connection refused")),
        "{line}"
    );
    // The clock is still compared, with a provider's answer.
    run.line("✓ Clock");
}

#[tokio::test]
async fn a_public_url_with_a_path_breaks_wechats_domain_rule() {
    let app = spawn_app().await;
    let public = app.url("/denglu/");
    let run = doctor(deployment(&app, &[("DENGLU_PUBLIC_URL", &public)]), &[]).await;
    assert_failed(&run);
    for name in ["WeChat website app", "WeChat Official Account"] {
        let line = run.line(&format!("✗ {name} callback domain"));
        assert!(line.contains("has a path (/denglu/)"), "{line}");
    }
    assert!(
        run.fix("✗ WeChat website app callback domain")
            .contains("root of a host")
    );
}

#[tokio::test]
async fn a_wrong_wechat_secret_or_app_id_is_named_by_the_probe() {
    let app = spawn_app().await;
    let secret = doctor(
        deployment(&app, &[("WECHAT_OPEN_SECRET", "not-the-secret-0123")]),
        &[],
    )
    .await;
    assert_failed(&secret);
    let line = secret.line("✗ WeChat website app credentials");
    assert!(line.contains("refused the secret"), "{line}");
    assert!(line.contains("(40125)"), "{line}");
    assert!(
        secret
            .fix("✗ WeChat website app credentials")
            .contains("WECHAT_OPEN_SECRET")
    );
    assert!(!secret.stdout.contains("not-the-secret-0123"));
    // The other app is unaffected.
    secret.line("✓ WeChat Official Account credentials");

    let app_id = doctor(
        deployment(&app, &[("WECHAT_MP_APPID", "wxnotregistered01")]),
        &[],
    )
    .await;
    assert_failed(&app_id);
    let line = app_id.line("✗ WeChat Official Account credentials");
    assert!(
        line.contains("does not know app id `wxnotregistered01` (40013)"),
        "{line}"
    );
    assert!(
        app_id
            .fix("✗ WeChat Official Account credentials")
            .contains("WECHAT_MP_APPID")
    );
}

#[tokio::test]
async fn wrong_qq_and_weibo_credentials_fail_their_probes() {
    let app = spawn_app().await;
    let run = doctor(
        deployment(
            &app,
            &[("QQ_APPKEY", "wrong-key"), ("WEIBO_SECRET", "wrong-secret")],
        ),
        &[],
    )
    .await;
    assert_failed(&run);
    assert!(
        run.line("✗ QQ Connect credentials")
            .contains("refused the secret")
    );
    assert!(run.line("✗ QQ Connect credentials").contains("(100009)"));
    assert!(run.line("✗ Sina Weibo credentials").contains("(21324)"));
    run.line("✓ WeChat website app credentials");
}

#[tokio::test]
async fn a_weak_or_short_secret_fails_and_is_never_printed() {
    let app = spawn_app().await;
    let weak = "password".repeat(5);
    let run = doctor(deployment(&app, &[("DENGLU_SECRET", &weak)]), &[]).await;
    assert_failed(&run);
    assert!(run.line("✗ DENGLU_SECRET").contains("weak"));
    assert!(run.fix("✗ DENGLU_SECRET").contains("openssl rand"));
    assert!(!run.stdout.contains("password"), "{}", run.stdout);

    // Too short for the configuration itself: that is the one failed line.
    let short = doctor(deployment(&app, &[("DENGLU_SECRET", "short-secret")]), &[]).await;
    assert_failed(&short);
    assert!(
        short
            .line("✗ Configuration")
            .contains("DENGLU_SECRET (security.secret): must be at least 32 characters")
    );
    assert!(!short.stdout.contains("short-secret"));
}

#[tokio::test]
async fn an_unmigrated_or_missing_database_fails_and_is_left_alone() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("an empty file");
    let url = format!("sqlite://{}?mode=rwc", empty.display());
    let run = doctor(deployment(&app, &[("DATABASE_URL", &url)]), &[]).await;
    assert_failed(&run);
    run.line("✓ Database answers");
    let line = run.line("✗ Database is migrated");
    assert!(
        line.contains("migrations pending: m20261121_000001_accounts"),
        "{line}"
    );
    assert!(
        run.fix("✗ Database is migrated")
            .contains("start the server once")
    );
    assert_eq!(
        std::fs::metadata(&empty).expect("still there").len(),
        0,
        "the doctor migrated nothing"
    );

    let missing = dir.path().join("nowhere").join("denglu.db");
    let url = format!("sqlite://{}?mode=rwc", missing.display());
    let run = doctor(deployment(&app, &[("DATABASE_URL", &url)]), &[]).await;
    assert_failed(&run);
    assert!(run.line("✗ Database answers").contains("does not exist"));
    run.line("- Database is migrated");
    assert!(!missing.exists(), "the doctor created nothing");
}

/// A server that answers every request as Denglu's health check would, with a `Date`
/// `offset` away from now.
fn skewed_server(offset: chrono::Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buffer = [0_u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let date = (chrono::Utc::now() + offset).format("%a, %d %b %Y %H:%M:%S GMT");
            let body = r#"{"status":"ok","database":"up"}"#;
            let response = format!(
                "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{address}/")
}

#[tokio::test]
async fn a_clock_out_of_step_fails_saying_by_how_much() {
    let app = spawn_app().await;
    let public = skewed_server(chrono::Duration::hours(-2));
    let run = doctor(deployment(&app, &[("DENGLU_PUBLIC_URL", &public)]), &[]).await;
    assert_failed(&run);
    run.line("✓ Public URL answers");
    let line = run.line("✗ Clock");
    assert!(line.contains("(about 120 min) ahead of"), "{line}");
    assert!(run.fix("✗ Clock").contains("NTP"));

    // A minute's difference is within the tolerance.
    let close = skewed_server(chrono::Duration::seconds(30));
    let run = doctor(deployment(&app, &[("DENGLU_PUBLIC_URL", &close)]), &[]).await;
    run.line("✓ Clock");
}

#[tokio::test]
async fn the_checklist_speaks_chinese_when_asked() {
    let app = spawn_app().await;
    let run = doctor(
        deployment(&app, &[("WECHAT_OPEN_SECRET", "not-the-secret-0123")]),
        &["--lang", "zh"],
    )
    .await;
    assert_failed(&run);
    assert!(
        run.stdout.starts_with("Denglu 上线检查："),
        "{}",
        run.stdout
    );
    let line = run.line("✗ 微信网站应用凭据");
    assert!(line.contains("拒绝了应用"), "{line}");
    assert!(run.fix("✗ 微信网站应用凭据").starts_with("    修复："));
    run.line("✓ 数据库已迁移");
    assert!(run.stdout.contains("失败 1 项"), "{}", run.stdout);
    assert!(!run.stdout.contains("fix:"), "{}", run.stdout);

    let zh_cn = doctor(deployment(&app, &[]), &["--lang", "zh-CN"]).await;
    assert_eq!(zh_cn.code, 0, "{}", zh_cn.stdout);
    assert!(zh_cn.stdout.contains("通过"), "{}", zh_cn.stdout);
    let english = doctor(deployment(&app, &[]), &[]).await;
    assert!(
        english.stdout.starts_with("Denglu doctor: "),
        "{}",
        english.stdout
    );
}
