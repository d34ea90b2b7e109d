//! The `denglu` command: serving is the default; `client` and `keys` manage the OpenID Connect
//! provider, `admin` the console's administrators and `audit` the audit log, with the same
//! configuration and database as the server; each prints its answer (JSON where a program
//! reads it) and exits. `doctor` checks a deployment and prints a checklist.

use clap::{Args, Parser, Subcommand};

use crate::auth::sealing::TokenSealer;
use crate::config::ConfigError;
use crate::config::Settings;
use crate::db::Database;
use crate::doctor::{self, Lang};
use crate::oidc::KeyRing;
use crate::oidc::clients::{self, NewClient};
use crate::oidc::keys::SigningAlg;

#[derive(Debug, Parser)]
#[command(
    name = "denglu",
    version,
    about = "Sign in with WeChat, QQ and Sina Weibo"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (what `denglu` with no command does).
    Serve,
    /// The sites that sign people in through Denglu (OpenID Connect clients).
    #[command(subcommand)]
    Client(ClientCommand),
    /// The keys ID tokens are signed with.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Who may use the operator console at /admin.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check the deployment before it goes live: prints a checklist, each line passed or
    /// failed with the fix; exits 1 when something failed. Changes nothing.
    Doctor {
        /// The checklist's language: en (the default) or zh (zh-CN).
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
    },
}

fn parse_lang(raw: &str) -> Result<Lang, String> {
    Lang::parse(raw).ok_or_else(|| format!("`{raw}` is not en, zh or zh-CN"))
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make the account with this username an administrator.
    Grant { username: String },
    /// Make it an ordinary account again.
    Revoke { username: String },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print events as JSON lines, oldest first.
    Export(AuditExport),
    /// Delete the events older than the retention (`DENGLU_AUDIT_RETENTION_DAYS`) now.
    Prune,
}

#[derive(Debug, Args)]
pub struct AuditExport {
    /// Only events of this kind (e.g. signin_failed).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only events at this provider (wechat, wechat_mp, qq, weibo).
    #[arg(long)]
    pub provider: Option<String>,
    /// Only events of this person (account id).
    #[arg(long)]
    pub person: Option<i64>,
    /// From this day (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Up to this day (YYYY-MM-DD, UTC: the day itself included, as in /admin/audit) or
    /// before this time (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a site; prints {"client_id": ..., "client_secret": ...} (the secret only now).
    Add(AddClient),
    /// List the registered sites, one JSON object per line.
    List,
    /// Remove a site; its tokens stop working at once.
    Remove { client_id: String },
    /// Print the SHA-256 of a secret read from standard input (never an argument, which
    /// shell history and the process list would keep), for `secret_sha256` in `[[oidc.clients]]`.
    HashSecret,
}

#[derive(Debug, Args)]
pub struct AddClient {
    #[arg(long)]
    pub name: String,
    /// An exact redirect URI (repeat for several).
    #[arg(long = "redirect-uri", required = true)]
    pub redirect_uris: Vec<String>,
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uris: Vec<String>,
    #[arg(long = "backchannel-logout-uri")]
    pub backchannel_logout_uri: Option<String>,
    /// A client that cannot keep a secret (a single-page or mobile app): PKCE instead.
    #[arg(long)]
    pub public: bool,
    /// One of this site's own: no consent page.
    #[arg(long = "first-party")]
    pub first_party: bool,
    /// RS256 (the default) or ES256.
    #[arg(long = "id-token-alg")]
    pub id_token_alg: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add new signing keys; the old ones stay published for the configured overlap.
    Rotate,
    /// Print the published keys (the JWKS).
    List,
}

/// Runs a management command; returns the process's exit code.
pub async fn run(command: Command, settings: Settings) -> u8 {
    if let Command::Doctor { lang } = command {
        // Before anything opens the database the usual way, which would migrate it.
        return print_checklist(&doctor::examine(settings).await, lang.unwrap_or_default());
    }
    match execute(command, settings).await {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("denglu: {message}");
            1
        }
    }
}

/// `denglu doctor` when the configuration cannot be read: that is its one failed line.
pub fn doctor_without_settings(lang: Option<Lang>, error: &ConfigError) -> u8 {
    print_checklist(&doctor::unreadable(error), lang.unwrap_or_default())
}

/// 0 when nothing failed (warnings allowed), 1 otherwise.
fn print_checklist(report: &doctor::Report, lang: Lang) -> u8 {
    print!("{}", doctor::render(&report.site, &report.checks, lang));
    u8::from(report.failed())
}

async fn execute(command: Command, settings: Settings) -> Result<(), String> {
    if let Command::Client(ClientCommand::HashSecret) = &command {
        let mut secret = String::new();
        std::io::stdin()
            .read_line(&mut secret)
            .map_err(|e| format!("cannot read the secret: {e}"))?;
        let secret = secret.trim_end_matches(['\r', '\n']);
        if secret.len() < 32 {
            return Err("a client secret needs at least 32 characters".into());
        }
        println!("{}", crate::oidc::sha256_hex(secret));
        return Ok(());
    }
    let db = Database::connect(&settings)
        .await
        .map_err(|e| format!("database: {e}"))?;
    let conn = db.conn.clone();
    let outcome = match command {
        Command::Serve | Command::Doctor { .. } | Command::Client(ClientCommand::HashSecret) => {
            Ok(())
        }
        Command::Client(ClientCommand::Add(add)) => {
            let id_token_alg = match add.id_token_alg.as_deref() {
                None => None,
                Some(raw) => Some(
                    SigningAlg::parse(raw)
                        .ok_or_else(|| format!("--id-token-alg `{raw}` is not RS256 or ES256"))?,
                ),
            };
            let registered = clients::add(
                &conn,
                NewClient {
                    name: add.name,
                    redirect_uris: add.redirect_uris,
                    post_logout_redirect_uris: add.post_logout_redirect_uris,
                    backchannel_logout_uri: add.backchannel_logout_uri,
                    public: add.public,
                    first_party: add.first_party,
                    id_token_alg,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string(&registered).expect("JSON of strings")
            );
            Ok(())
        }
        Command::Client(ClientCommand::List) => {
            for client in clients::list(&conn).await.map_err(|e| e.to_string())? {
                println!(
                    "{}",
                    serde_json::json!({
                        "client_id": client.id,
                        "name": client.name,
                        "redirect_uris": client.redirect_uris,
                        "post_logout_redirect_uris": client.post_logout_redirect_uris,
                        "backchannel_logout_uri": client.backchannel_logout_uri,
                        "public": client.public,
                        "first_party": client.first_party,
                        "id_token_alg": client.id_token_alg.as_str(),
                    })
                );
            }
            Ok(())
        }
        Command::Client(ClientCommand::Remove { client_id }) => {
            match clients::remove(&conn, &client_id).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(format!("no client `{client_id}`")),
                Err(e) => Err(e.to_string()),
            }
        }
        Command::Admin(command) => {
            let (username, admin) = match &command {
                AdminCommand::Grant { username } => (username, true),
                AdminCommand::Revoke { username } => (username, false),
            };
            match crate::auth::set_administrator(&conn, username, admin).await {
                Ok(Some(user_id)) => {
                    println!(
                        "{}",
                        serde_json::json!({ "user_id": user_id, "username": username, "admin": admin })
                    );
                    Ok(())
                }
                Ok(None) => Err(format!("no account named `{username}`")),
                Err(e) => Err(e.to_string()),
            }
        }
        Command::Audit(AuditCommand::Export(export)) => export_audit(&conn, export).await,
        Command::Audit(AuditCommand::Prune) => {
            let keep = chrono::Duration::from_std(settings.audit_retention)
                .unwrap_or(chrono::Duration::MAX);
            let older_than = chrono::Utc::now()
                .checked_sub_signed(keep)
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
            crate::audit::prune(&conn, older_than)
                .await
                .map(|pruned| println!("{}", serde_json::json!({ "pruned": pruned })))
                .map_err(|e| e.to_string())
        }
        Command::Keys(command) => {
            let keys = KeyRing::new(
                conn.clone(),
                TokenSealer::from_secret(&settings.secret),
                settings.oidc.key_overlap,
            );
            match command {
                KeysCommand::Rotate => keys.rotate().await.map(|kids| {
                    println!("{}", serde_json::json!({ "new_keys": kids }));
                }),
                KeysCommand::List => keys.jwks().await.map(|set| {
                    println!(
                        "{}",
                        serde_json::to_string(&set).expect("a JWKS serialises")
                    );
                }),
            }
            .map_err(|e| e.to_string())
        }
    };
    db.close().await;
    outcome
}

/// `denglu audit export`: the matching events as JSON lines on standard output.
async fn export_audit(
    conn: &sea_orm::DatabaseConnection,
    export: AuditExport,
) -> Result<(), String> {
    use std::io::Write;

    let kind = match export.kind.as_deref() {
        None => None,
        Some(name) => Some(
            crate::audit::Kind::parse(name)
                .ok_or_else(|| format!("--kind `{name}` is not a kind of event"))?,
        ),
    };
    let filter = crate::audit::Filter {
        kind,
        provider: export.provider,
        person: export.person,
        since: export
            .since
            .as_deref()
            .map(|t| instant("--since", t, false))
            .transpose()?,
        until: export
            .until
            .as_deref()
            .map(|t| instant("--until", t, true))
            .transpose()?,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    crate::audit::export(conn, &filter, |event| {
        let line = serde_json::json!({
            "id": event.id,
            "at": event.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "kind": event.kind,
            "user_id": event.user_id,
            "actor_id": event.actor_id,
            "provider": event.provider,
            "error_kind": event.error_kind,
            "provider_code": event.provider_code,
            "provider_message": event.provider_message,
            "detail": event.detail,
            "request_id": event.request_id,
            "client": event.client,
            "agent": event.agent,
        });
        writeln!(out, "{line}")
    })
    .await
    .map_err(|e| e.to_string())?;
    out.flush().map_err(|e| format!("cannot write: {e}"))
}

/// An RFC 3339 time, or a day: its first midnight (UTC), or with `day_end` the next one, so
/// that `--until 2026-11-29` takes in the whole of that day.
fn instant(flag: &str, text: &str, day_end: bool) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if day_end {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        return Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("{flag} `{text}` is neither YYYY-MM-DD nor an RFC 3339 time"))
}
