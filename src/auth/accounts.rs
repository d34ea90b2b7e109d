//! Reading accounts and their linked identities.

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::entities::{identity, user};

/// The signed-in user as `/api/me` describes them (the public contract).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub identities: Vec<LinkedIdentity>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkedIdentity {
    pub provider: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    /// RFC 3339, UTC.
    pub linked_at: String,
}

/// The account with its identities, oldest link first; `None` if it no longer exists.
pub async fn find_account(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<Option<AccountView>, DbErr> {
    let Some(user) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    let identities = identity::Entity::find()
        .filter(identity::Column::UserId.eq(user.id))
        .order_by_asc(identity::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(Some(AccountView {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        email: user.email,
        avatar_url: user.avatar_url,
        identities: identities
            .into_iter()
            .map(|i| LinkedIdentity {
                provider: i.provider,
                display_name: i.display_name,
                avatar_url: i.avatar_url,
                linked_at: i
                    .created_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
            .collect(),
    }))
}
