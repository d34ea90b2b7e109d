//! Usernames become unique by full case folding plus the UTS #39 confusable skeleton
//! (`admın` is `admin`, `Straße` is `STRASSE`), instead of by lowercase. Every existing
//! `users.username_key` is recomputed from `users.username`.
//!
//! Two existing accounts whose names now collide both keep working: the later one (by id)
//! gets a key no valid name can produce (`#{id}:{key}`), and a warning names both ids.

use std::collections::HashMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000007_username_skeleton_keys"
    }
}

/// The key as this migration computed it: frozen here, so that the migration keeps meaning
/// what it meant when it ran, whatever the app's `Username::key` becomes. The app's tests
/// check that the two agree while they should.
pub fn username_key(username: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folder = icu_casemap::CaseMapper::new();
    let nfkc: String = username.trim().nfkc().collect();
    let folded = folder.fold_string(&nfkc);
    let skeleton: String = unicode_security::skeleton(&folded).collect();
    folder.fold_string(&skeleton).nfc().collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let rows = db
            .query_all(Statement::from_string(
                backend,
                "SELECT id, username FROM users ORDER BY id",
            ))
            .await?;
        // First out of the way, so that an old key never blocks a new one.
        db.execute(Statement::from_string(
            backend,
            "UPDATE users SET username_key = '#' || CAST(id AS TEXT)",
        ))
        .await?;
        let mut holders: HashMap<String, i64> = HashMap::new();
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let username: String = row.try_get("", "username")?;
            let key = username_key(&username);
            let stored = match holders.get(&key) {
                Some(first) => {
                    eprintln!(
                        "denglu: migration: usernames of accounts {first} and {id} now look alike; \
                         account {id} keeps its name but no longer reserves it"
                    );
                    format!("#{id}:{key}")
                }
                None => {
                    holders.insert(key.clone(), id);
                    key
                }
            };
            db.execute(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm_migration::sea_orm::DatabaseBackend::Postgres => {
                        "UPDATE users SET username_key = $1 WHERE id = $2"
                    }
                    _ => "UPDATE users SET username_key = ? WHERE id = ?",
                },
                [stored.into(), id.into()],
            ))
            .await?;
        }
        Ok(())
    }
}
