//! `denglu client ...` and `denglu keys ...`: the same configuration and database as the
//! server, one answer on stdout, a clear line and a non-zero exit on a mistake.

use std::process::Command;

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn denglu(dir: &std::path::Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_denglu"))
        .current_dir(dir)
        .env_clear()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/cli.db?mode=rwc", dir.display()),
        )
        .args(args)
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `denglu client hash-secret`, the secret on standard input.
fn hash_secret(dir: &std::path::Path, input: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_denglu"))
        .current_dir(dir)
        .env_clear()
        .args(["client", "hash-secret"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("the secret is written");
    let output = child.wait_with_output().expect("it ends");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn clients_are_added_listed_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let added = denglu(
        dir.path(),
        &[
            "client",
            "add",
            "--name",
            "Shop",
            "--redirect-uri",
            "https://shop.example/cb",
            "--redirect-uri",
            "http://127.0.0.1:8000/cb",
            "--post-logout-redirect-uri",
            "https://shop.example/",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert_eq!(
        added.stdout.lines().count(),
        1,
        "one JSON object: {}",
        added.stdout
    );
    let client: Value = serde_json::from_str(&added.stdout).expect("JSON");
    let id = client["client_id"].as_str().expect("an id").to_string();
    let secret = client["client_secret"].as_str().expect("a secret");
    assert!(secret.len() >= 43, "256 random bits");

    let public = denglu(
        dir.path(),
        &[
            "client",
            "add",
            "--name",
            "App",
            "--redirect-uri",
            "com.example.app:/cb",
            "--public",
        ],
    );
    let public: Value = serde_json::from_str(&public.stdout).expect("JSON");
    assert!(
        public.get("client_secret").is_none(),
        "no secret for a public client"
    );

    let listed = denglu(dir.path(), &["client", "list"]);
    assert_eq!(listed.code, 0);
    assert_eq!(listed.stdout.lines().count(), 2);
    assert!(listed.stdout.contains(&id));
    assert!(
        !listed.stdout.contains(secret),
        "the secret is never shown again"
    );
    // Stored as a hash only.
    let db = std::fs::read(dir.path().join("cli.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(secret));

    assert_eq!(denglu(dir.path(), &["client", "remove", &id]).code, 0);
    let again = denglu(dir.path(), &["client", "remove", &id]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("no client"), "{}", again.stderr);
}

#[test]
fn a_bad_redirect_uri_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    for (uri, reason) in [
        ("http://shop.example/cb", "must be https"),
        ("https://shop.example/cb#frag", "fragment"),
        ("/cb", "absolute"),
    ] {
        let run = denglu(
            dir.path(),
            &["client", "add", "--name", "Shop", "--redirect-uri", uri],
        );
        assert_eq!(run.code, 1, "{uri}");
        assert!(run.stderr.contains(reason), "{uri}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn keys_rotate_keeps_the_old_keys_published() {
    let dir = tempfile::tempdir().unwrap();
    // No key yet: listing makes none; rotating makes both.
    let rotated = denglu(dir.path(), &["keys", "rotate"]);
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    let first: Value = serde_json::from_str(&rotated.stdout).unwrap();
    assert_eq!(first["new_keys"].as_array().unwrap().len(), 2);
    let rotated = denglu(dir.path(), &["keys", "rotate"]);
    let second: Value = serde_json::from_str(&rotated.stdout).unwrap();
    let listed: Value =
        serde_json::from_str(&denglu(dir.path(), &["keys", "list"]).stdout).unwrap();
    let kids: Vec<&str> = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    for kid in first["new_keys"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["new_keys"].as_array().unwrap())
    {
        assert!(kids.contains(&kid.as_str().unwrap()), "{kid} is published");
    }
}

#[test]
fn a_bad_client_in_the_configuration_file_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let hash = hash_secret(dir.path(), "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret\n");
    assert_eq!(
        hash.stdout.trim().len(),
        64,
        "a SHA-256 in hex: {}",
        hash.stderr
    );
    assert_eq!(
        hash.stdout.trim(),
        denglu::oidc::sha256_hex("s3cret-s3cret-s3cret-s3cret-s3cret-s3cret")
    );
    let short = hash_secret(dir.path(), "short\n");
    assert_eq!(short.code, 1);
    std::fs::write(
        dir.path().join("Leptos.toml"),
        "[[oidc.clients]]\nclient_id = \"wiki\"\nname = \"Wiki\"\nredirect_uris = [\"http://wiki.example/cb\"]\npublic = true\n",
    )
    .unwrap();
    let refused = denglu(dir.path(), &["client", "list"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("oidc.clients"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("must be https"),
        "{}",
        refused.stderr
    );
}
