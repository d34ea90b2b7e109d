//! The signed-in sessions of an account, as rows of the session store's table.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use crate::audit::{self, Event};
use crate::entities::{session, user};

/// The live sessions of `user_id`, most recently seen first.
pub async fn of_user(db: &DatabaseConnection, user_id: i64) -> Result<Vec<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(session::Column::LastSeenAt)
        .order_by_desc(session::Column::Id)
        .all(db)
        .await
}

/// Ends sessions of `user_id` (see `session::end`): the one numbered, or all but the one keyed
/// `keep`, or those signed in with `method`. Returns the store keys of those that ended.
/// `record` makes the audit event of how many ended, if any, written in the same transaction.
pub async fn end(
    db: &DatabaseConnection,
    user_id: i64,
    which: Which<'_>,
    record: impl FnOnce(usize) -> Option<Event>,
) -> Result<Vec<String>, DbErr> {
    let chosen = match which {
        Which::Numbered(id) => Condition::all().add(session::Column::Id.eq(id)),
        Which::AllBut(keep) => Condition::all().add(session::Column::KeyHash.ne(keep)),
        Which::SignedInWith { method, keep } => Condition::all()
            .add(session::Column::Method.eq(method))
            .add(session::Column::KeyHash.ne(keep)),
    }
    .add(session::Column::UserId.eq(user_id));
    // Read before the write, outside a transaction: SQLite cannot turn a transaction's read
    // into a write once another connection has written. A session that appears in between
    // is ended all the same, only not reported.
    let keys: Vec<String> = session::Entity::find()
        .filter(chosen.clone())
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.key_hash)
        .collect();
    let ending = crate::session::end(session::Entity::update_many().filter(chosen));
    match record(keys.len()) {
        None => {
            ending.exec(db).await?;
        }
        Some(event) => {
            let txn = db.begin().await?;
            ending.exec(&txn).await?;
            audit::record(&txn, event).await?;
            txn.commit().await?;
        }
    }
    Ok(keys)
}

/// Which of an account's sessions to end.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    Numbered(i64),
    AllBut(&'a str),
    SignedInWith { method: &'a str, keep: &'a str },
}

/// Disables the account and ends every one of its sessions, in one transaction with `record`
/// (an administrator's action); returns the store keys of the sessions that ended.
pub async fn disable_account(
    db: &DatabaseConnection,
    user_id: i64,
    record: Option<Event>,
) -> Result<Vec<String>, DbErr> {
    // Read first, outside the transaction (see `end`).
    let keys = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.key_hash)
        .collect();
    let txn = db.begin().await?;
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value("disabled"))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    crate::session::end(session::Entity::update_many().filter(session::Column::UserId.eq(user_id)))
        .exec(&txn)
        .await?;
    if let Some(event) = record {
        audit::record(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(keys)
}
