//! The database: reachable, and migrated. Nothing is created or migrated here: the pending
//! migrations are read inside a transaction that is rolled back (sea-orm-migration makes its
//! bookkeeping table before it reads it).

use migrations::{Migrator, MigratorTrait};
use sea_orm::TransactionTrait;
use secrecy::ExposeSecret;
use url::Url;

use super::check::{Check, Said};
use crate::config::Settings;
use crate::db::Database;

fn reach_name() -> Said {
    Said::new("Database answers", "数据库可以连接")
}

fn migrated_name() -> Said {
    Said::new("Database is migrated", "数据库已迁移")
}

fn start_once() -> Said {
    Said::new(
        "start the server once (`denglu`): it migrates the database at start-up",
        "启动一次服务（`denglu`）：它在启动时执行数据库迁移",
    )
}

/// The database named without its password: `SQLite file data/denglu.db`, `PostgreSQL db:5432/denglu`.
pub fn describe(settings: &Settings) -> Said {
    if let Some(file) = settings.sqlite_file() {
        let file = file.display();
        return Said::new(format!("SQLite file {file}"), format!("SQLite 文件 {file}"));
    }
    let raw = settings.database_url.expose_secret();
    if raw.starts_with("sqlite:") {
        return Said::new("SQLite in memory", "内存中的 SQLite");
    }
    let server = match Url::parse(raw) {
        Ok(url) => format!(
            "PostgreSQL {}:{}{}",
            url.host_str().unwrap_or("?"),
            url.port().unwrap_or(5432),
            url.path()
        ),
        Err(_) => "PostgreSQL".to_string(),
    };
    Said::new(server.clone(), server)
}

pub async fn check(settings: &Settings) -> Vec<Check> {
    let what = describe(settings);
    if let Some(file) = settings.sqlite_file().filter(|f| !f.exists()) {
        return vec![
            Check::fail(
                reach_name(),
                Said::new(
                    format!("the SQLite file {} does not exist", file.display()),
                    format!("SQLite 文件 {} 不存在", file.display()),
                ),
                Said::new(
                    "check DATABASE_URL and run `denglu doctor` from the server's working \
                     directory, or start the server once to create and migrate it",
                    "检查 DATABASE_URL，或启动一次服务以创建并迁移数据库；请在服务的工作目录下运行 `denglu doctor`",
                ),
            ),
            not_checked(),
        ];
    }
    let fix_connection = Said::new(
        "check DATABASE_URL (host, port, user, password, database name) and that the database \
         server is running and reachable from here",
        "检查 DATABASE_URL（主机、端口、用户、密码、库名），以及数据库服务是否运行并可从本机访问",
    );
    let db = match Database::open_existing(settings).await {
        Ok(db) => db,
        Err(e) => {
            return vec![
                Check::fail(
                    reach_name(),
                    Said::new(format!("{}: {e}", what.en), format!("{}：{e}", what.zh)),
                    fix_connection,
                ),
                not_checked(),
            ];
        }
    };
    if let Err(e) = db.conn.ping().await {
        db.close().await;
        return vec![
            Check::fail(
                reach_name(),
                Said::new(format!("{}: {e}", what.en), format!("{}：{e}", what.zh)),
                fix_connection,
            ),
            not_checked(),
        ];
    }
    let reached = Check::pass(
        reach_name(),
        Said::new(
            format!("{} answers", what.en),
            format!("{} 可以连接", what.zh),
        ),
    );
    let migrated = migrations(&db).await;
    db.close().await;
    vec![reached, migrated]
}

fn not_checked() -> Check {
    Check::skipped(
        migrated_name(),
        Said::new(
            "not checked: the database did not answer",
            "未检查：数据库无法连接",
        ),
    )
}

async fn migrations(db: &Database) -> Check {
    let pending = async {
        let txn = db.conn.begin().await?;
        let pending = Migrator::get_pending_migrations(&txn).await;
        txn.rollback().await?;
        pending
    }
    .await;
    let total = Migrator::migrations().len();
    match pending {
        Ok(pending) if pending.is_empty() => Check::pass(
            migrated_name(),
            Said::new(
                format!("all {total} migrations applied"),
                format!("全部 {total} 个迁移已执行"),
            ),
        ),
        Ok(pending) => {
            let names: Vec<&str> = pending.iter().map(|m| m.name()).collect();
            let n = names.len();
            let names = names.join(", ");
            Check::fail(
                migrated_name(),
                Said::new(
                    format!("{n} of {total} migrations pending: {names}"),
                    format!("{total} 个迁移中有 {n} 个未执行：{names}"),
                ),
                start_once(),
            )
        }
        Err(e) => Check::fail(
            migrated_name(),
            Said::new(
                format!("cannot read the applied migrations: {e}"),
                format!("无法读取已执行的迁移：{e}"),
            ),
            Said::new(
                "a database migrated by a newer Denglu needs that version (or restore a backup); \
                 otherwise start the server once",
                "由较新版本 Denglu 迁移的数据库需要使用该版本（或恢复备份）；否则启动一次服务",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_named_without_its_password() {
        let settings = Settings::from_pairs([(
            "DATABASE_URL",
            "postgres://denglu:hunter2@db.internal:6432/denglu",
        )])
        .expect("valid");
        let named = describe(&settings);
        assert_eq!(named.en, "PostgreSQL db.internal:6432/denglu");
        let sqlite = Settings::from_pairs([]).expect("valid");
        assert_eq!(describe(&sqlite).en, "SQLite file data/denglu.db");
        assert_eq!(describe(&sqlite).zh, "SQLite 文件 data/denglu.db");
    }
}
