//! The binary itself: a bad configuration is one clear line and a non-zero exit, never a panic.

use std::process::Command;

fn run_with(env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_denglu"));
    // An empty directory: no Leptos.toml, so only the variables below count.
    command
        .current_dir(dir.path())
        .env_clear()
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_bad_public_url_stops_start_up_with_one_line_naming_the_key() {
    let (code, stderr) = run_with(&[("DENGLU_PUBLIC_URL", "not a url")]);
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("denglu: configuration error: DENGLU_PUBLIC_URL"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn production_without_a_secret_does_not_start() {
    let (code, stderr) = run_with(&[
        ("DENGLU_ENV", "production"),
        ("QQ_APPID", "1"),
        ("QQ_APPKEY", "k"),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("DENGLU_SECRET"), "{stderr}");
}

#[test]
fn an_unknown_provider_does_not_start() {
    let (code, stderr) = run_with(&[("DENGLU_PROVIDERS", "wechat,facebook")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown provider `facebook`"), "{stderr}");
}

#[test]
fn real_providers_without_a_secret_do_not_start() {
    let (code, stderr) = run_with(&[("QQ_APPID", "1"), ("QQ_APPKEY", "k")]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("denglu: configuration error: DENGLU_SECRET"),
        "{stderr}"
    );
}

#[test]
fn production_over_plain_http_does_not_start() {
    let secret = "s".repeat(40);
    let (code, stderr) = run_with(&[
        ("DENGLU_ENV", "production"),
        ("DENGLU_SECRET", &secret),
        ("QQ_APPID", "1"),
        ("QQ_APPKEY", "k"),
        ("DENGLU_PUBLIC_URL", "http://login.example.com"),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("denglu: configuration error: DENGLU_PUBLIC_URL"),
        "{stderr}"
    );
}
