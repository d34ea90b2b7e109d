//! Accounts and their linked identities: reading them, creating one after a first login,
//! linking and unlinking sign-in methods, editing the profile.

use crate::audit::{self, Event, Kind};
use crate::auth::fields::{DisplayName, Email, Username};
use crate::auth::pending::{PendingSignup, SealedTokens};
use crate::auth::store::identities::{self, Holder, IdentityKeys, InsertError};
use crate::entities::{identity, user};
use chrono::{DateTime, Utc};
use providers::Profile;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};

/// The identities linked to an account, oldest first.
pub async fn identities_of(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<Vec<identity::Model>, DbErr> {
    identity::Entity::find()
        .filter(identity::Column::UserId.eq(user_id))
        .order_by_asc(identity::Column::CreatedAt)
        .order_by_asc(identity::Column::Id)
        .all(db)
        .await
}

/// A signed-in user that still exists and may sign in.
pub async fn active_user(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<Option<user::Model>, DbErr> {
    Ok(user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|u| u.status == STATUS_ACTIVE))
}

pub const STATUS_ACTIVE: &str = "active";

/// Whether a username (by its case-folded key) is taken.
pub async fn username_taken(db: &DatabaseConnection, key: &str) -> Result<bool, DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::UsernameKey.eq(key))
        .one(db)
        .await?
        .is_some())
}

/// The first of `candidates` nobody has, if any.
pub async fn first_free_username(
    db: &DatabaseConnection,
    candidates: &[String],
) -> Result<Option<Username>, DbErr> {
    for candidate in candidates {
        if let Ok(name) = Username::parse(candidate)
            && !username_taken(db, name.key()).await?
        {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// The profile a person completes after a first login.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: Username,
    pub display_name: DisplayName,
    pub email: Option<Email>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("the username is taken")]
    UsernameTaken,
    /// The identity was created by another request meanwhile (the same person signing up
    /// twice at once): the caller signs in to its owner.
    #[error("the identity already belongs to an account")]
    IdentityTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates the account and its first identity in one transaction: either both exist
/// afterwards or neither does.
pub async fn create_account(
    db: &DatabaseConnection,
    account: &NewAccount,
    pending: &PendingSignup,
    now: DateTime<Utc>,
) -> Result<i64, CreateError> {
    let txn = db.begin().await?;
    let inserted = user::ActiveModel {
        username: Set(account.username.as_str().to_string()),
        username_key: Set(account.username.key().to_string()),
        display_name: Set(account.display_name.as_str().to_string()),
        email: Set(account.email.as_ref().map(|e| e.as_str().to_string())),
        avatar_url: Set(identities::safe_avatar(
            pending.profile.avatar_url.as_deref(),
        )),
        status: Set(STATUS_ACTIVE.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let user = match inserted {
        Ok(user) => user,
        Err(e) => {
            txn.rollback().await?;
            return Err(if identities::is_unique_violation(&e) {
                CreateError::UsernameTaken
            } else {
                CreateError::Db(e)
            });
        }
    };
    match identities::insert(&txn, user.id, &pending.profile, &pending.tokens, now).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(user.id)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(match e {
                InsertError::Taken => CreateError::IdentityTaken,
                InsertError::Db(e) => CreateError::Db(e),
            })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    Linked,
    /// Already linked to this account: only its profile and tokens were refreshed.
    AlreadyYours,
    /// The identity (or, for WeChat, the person behind its unionid) belongs to another
    /// account: refused.
    OwnedByAnother,
}

/// Links a verified identity to a signed-in account.
pub async fn link_identity(
    db: &DatabaseConnection,
    user_id: i64,
    profile: &Profile,
    tokens: &SealedTokens,
    now: DateTime<Utc>,
) -> Result<LinkOutcome, DbErr> {
    let holder = identities::holder(db, &IdentityKeys::of(profile)).await?;
    link_known(db, user_id, holder, profile, tokens, now).await
}

/// Links a verified identity whose [`Holder`] the caller has just looked up.
pub async fn link_known(
    db: &DatabaseConnection,
    user_id: i64,
    holder: Option<Holder>,
    profile: &Profile,
    tokens: &SealedTokens,
    now: DateTime<Utc>,
) -> Result<LinkOutcome, DbErr> {
    match holder {
        Some(Holder::Identity(existing)) if existing.user_id == user_id => {
            identities::record_login(db, *existing, profile, Some(tokens), now).await?;
            return Ok(LinkOutcome::AlreadyYours);
        }
        Some(Holder::Identity(_)) => return Ok(LinkOutcome::OwnedByAnother),
        Some(Holder::Sibling { user_id: owner }) if owner != user_id => {
            return Ok(LinkOutcome::OwnedByAnother);
        }
        Some(Holder::Sibling { .. }) | None => {}
    }
    let txn = db.begin().await?;
    // Writing the account row first takes its lock (as a merge or an unlink does), and a link
    // never lands on an account disabled or merged meanwhile.
    let still_active = user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::Status.eq(STATUS_ACTIVE))
        .filter(user::Column::MergedInto.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if !still_active {
        txn.rollback().await?;
        return Err(DbErr::Custom(format!(
            "account {user_id} was disabled or merged while linking"
        )));
    }
    match identities::insert(&txn, user_id, profile, tokens, now).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(LinkOutcome::Linked)
        }
        Err(InsertError::Taken) => {
            txn.rollback().await?;
            // Linked by a concurrent request: whose is it now?
            let keys = IdentityKeys::of(profile);
            let owner = identities::find(db, &keys).await?.map(|i| i.user_id);
            Ok(if owner == Some(user_id) {
                LinkOutcome::AlreadyYours
            } else {
                LinkOutcome::OwnedByAnother
            })
        }
        Err(InsertError::Db(e)) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlinkOutcome {
    /// Unlinked the identity at this provider.
    Unlinked { provider: String },
    /// It is the account's last way to sign in: refused.
    LastMethod,
    /// No such identity on this account.
    NotFound,
}

/// Unlinks one identity, never the last one; recorded in the same transaction, with the
/// administrator who did it when it was not the person.
pub async fn unlink_identity(
    db: &DatabaseConnection,
    user_id: i64,
    identity_id: i64,
    actor: Option<i64>,
) -> Result<UnlinkOutcome, DbErr> {
    let txn = db.begin().await?;
    // Writing the user row first takes its lock (PostgreSQL) or the write lock (SQLite), so
    // two concurrent unlinks of one account cannot both see two identities and leave none.
    user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    let linked = identity::Entity::find()
        .filter(identity::Column::UserId.eq(user_id))
        .all(&txn)
        .await?;
    let outcome = match linked.iter().find(|i| i.id == identity_id) {
        None => UnlinkOutcome::NotFound,
        Some(_) if linked.len() <= 1 => UnlinkOutcome::LastMethod,
        Some(found) => {
            identity::Entity::delete_by_id(identity_id)
                .exec(&txn)
                .await?;
            let event = Event::new(Kind::Unlinked)
                .user(user_id)
                .provider(found.provider.as_str());
            audit::record(&txn, actor.map_or(event.clone(), |actor| event.by(actor))).await?;
            UnlinkOutcome::Unlinked {
                provider: found.provider.clone(),
            }
        }
    };
    txn.commit().await?;
    Ok(outcome)
}

/// Changes the editable part of a profile.
pub async fn update_profile(
    db: &DatabaseConnection,
    user_id: i64,
    display_name: &DisplayName,
    email: Option<&Email>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(
            user::Column::DisplayName,
            Expr::value(display_name.as_str()),
        )
        .col_expr(
            user::Column::Email,
            Expr::value(email.map(|e| e.as_str().to_string())),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
