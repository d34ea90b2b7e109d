//! What administrators change that a person cannot: an account's status, the administrator
//! flag, and merging two accounts of one person.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use crate::audit::{self, Event, Kind};
use crate::auth::store::accounts::STATUS_ACTIVE;
use crate::entities::{identity, session, user};

/// Enables a disabled account again (never one merged into another: its identities are gone),
/// recorded with the administrator who did it in the same transaction.
pub async fn enable(db: &DatabaseConnection, user_id: i64, actor: i64) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let changed = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(STATUS_ACTIVE))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::Status.ne(STATUS_ACTIVE))
        .filter(user::Column::MergedInto.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if changed {
        audit::record(
            &txn,
            Event::new(Kind::AccountEnabled).user(user_id).by(actor),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Marks the account named `username` (case-folded key) as administrator or not; `None` when
/// there is no such account.
pub async fn set_admin(
    db: &DatabaseConnection,
    username_key: &str,
    admin: bool,
) -> Result<Option<i64>, DbErr> {
    let Some(account) = user::Entity::find()
        .filter(user::Column::UsernameKey.eq(username_key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    user::Entity::update_many()
        .col_expr(user::Column::IsAdmin, Expr::value(admin))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(account.id))
        .exec(db)
        .await?;
    Ok(Some(account.id))
}

/// How a merge went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// The identities moved; the store keys of the emptied account's sessions, which ended.
    Merged { ended: Vec<String> },
    /// Both accounts have a method at this provider: one must be unlinked first.
    SameProvider(String),
    /// The same account twice, or one of them missing, disabled or merged already.
    NotMergeable,
}

/// Moves every identity of `from` to `into`, disables `from` and marks it merged, ends its
/// sessions and records it all, in one transaction: a failure half way leaves both accounts
/// as they were.
pub async fn merge(
    db: &DatabaseConnection,
    from: i64,
    into: i64,
    actor: i64,
) -> Result<MergeOutcome, DbErr> {
    if from == into {
        return Ok(MergeOutcome::NotMergeable);
    }
    // Read outside the transaction (SQLite cannot turn a transaction's read into a write once
    // another connection wrote); a session that appears in between ends all the same.
    let ended: Vec<String> = session::Entity::find()
        .filter(session::Column::UserId.eq(from))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.key_hash)
        .collect();
    let txn = db.begin().await?;
    // Writing both rows first takes their locks, so that a concurrent link or unlink waits.
    user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.is_in([from, into]))
        .exec(&txn)
        .await?;
    let accounts = user::Entity::find()
        .filter(user::Column::Id.is_in([from, into]))
        .all(&txn)
        .await?;
    let active = |id: i64| {
        accounts
            .iter()
            .find(|u| u.id == id)
            .filter(|u| u.status == STATUS_ACTIVE && u.merged_into.is_none())
    };
    let (Some(source), Some(target)) = (active(from), active(into)) else {
        txn.rollback().await?;
        return Ok(MergeOutcome::NotMergeable);
    };
    let identities = identity::Entity::find()
        .filter(identity::Column::UserId.is_in([from, into]))
        .all(&txn)
        .await?;
    let clash = identities
        .iter()
        .filter(|i| i.user_id == from)
        .find(|moving| {
            identities
                .iter()
                .any(|i| i.user_id == into && i.provider == moving.provider)
        });
    if let Some(clash) = clash {
        let provider = clash.provider.clone();
        txn.rollback().await?;
        return Ok(MergeOutcome::SameProvider(provider));
    }
    identity::Entity::update_many()
        .col_expr(identity::Column::UserId, Expr::value(into))
        .filter(identity::Column::UserId.eq(from))
        .exec(&txn)
        .await?;
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value("disabled"))
        .col_expr(user::Column::MergedInto, Expr::value(into))
        .filter(user::Column::Id.eq(from))
        .exec(&txn)
        .await?;
    crate::session::end(session::Entity::update_many().filter(session::Column::UserId.eq(from)))
        .exec(&txn)
        .await?;
    let note = format!(
        "{} (#{}) into {} (#{})",
        source.username, source.id, target.username, target.id
    );
    audit::record(
        &txn,
        Event::new(Kind::AccountsMerged)
            .user(into)
            .by(actor)
            .detail(note.clone()),
    )
    .await?;
    audit::record(
        &txn,
        Event::new(Kind::AccountDisabled)
            .user(from)
            .by(actor)
            .detail(format!("merged: {note}")),
    )
    .await?;
    txn.commit().await?;
    Ok(MergeOutcome::Merged { ended })
}

/// An account, whatever its status.
pub async fn find(db: &DatabaseConnection, user_id: i64) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(user_id).one(db).await
}
