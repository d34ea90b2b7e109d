//! What a client learns about a person, by scope (OIDC Core §5.4), and the `sub` it knows
//! them by: a random value made once per person (never the row id, never a provider's
//! openid), or with pairwise subjects a hash of it and the client's sector (§8.1).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use serde_json::{Map, Value, json};

use crate::entities::{identity, identity_app_openid, oidc_subject, user};
use crate::oidc::clients::{Client, random_text};
use crate::oidc::hashing::sha256_b64;

/// The person's subject for `client`.
pub async fn subject(
    db: &DatabaseConnection,
    user_id: i64,
    client: &Client,
    pairwise: bool,
) -> Result<String, DbErr> {
    let own = own_subject(db, user_id).await?;
    Ok(if pairwise {
        sha256_b64(&format!("{}\n{own}", client.sector()))
    } else {
        own
    })
}

/// The person's own random subject, made the first time a client asks.
async fn own_subject(db: &DatabaseConnection, user_id: i64) -> Result<String, DbErr> {
    if let Some(row) = oidc_subject::Entity::find_by_id(user_id).one(db).await? {
        return Ok(row.subject);
    }
    // Two first sign-ins at once: the first insert wins, the other reads it.
    oidc_subject::Entity::insert(oidc_subject::ActiveModel {
        user_id: Set(user_id),
        subject: Set(random_text(16)),
    })
    .on_conflict(
        OnConflict::column(oidc_subject::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    oidc_subject::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|row| row.subject)
        .ok_or_else(|| DbErr::RecordNotFound("the subject just written".into()))
}

/// Whether the account exists and is not disabled.
pub async fn is_active(db: &DatabaseConnection, user_id: i64) -> Result<bool, DbErr> {
    Ok(user::Entity::find_by_id(user_id)
        .filter(user::Column::Status.eq("active"))
        .one(db)
        .await?
        .is_some())
}

/// The claims `scope` releases about `user_id`, without `sub`. `None` when the account is
/// gone or disabled.
pub async fn claims(
    db: &DatabaseConnection,
    user_id: i64,
    scope: &BTreeSet<String>,
) -> Result<Option<Map<String, Value>>, DbErr> {
    let Some(person) = user::Entity::find_by_id(user_id)
        .filter(user::Column::Status.eq("active"))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let mut claims = Map::new();
    if scope.contains("profile") {
        claims.insert("name".into(), json!(person.display_name));
        claims.insert("preferred_username".into(), json!(person.username));
        if let Some(picture) = &person.avatar_url {
            claims.insert("picture".into(), json!(picture));
        }
        claims.insert("updated_at".into(), json!(person.updated_at.timestamp()));
    }
    if scope.contains("email")
        && let Some(email) = &person.email
    {
        claims.insert("email".into(), json!(email));
        // Denglu never sends a verification mail: a typed address is not a verified one.
        claims.insert("email_verified".into(), json!(false));
    }
    if scope.contains("identities") || scope.contains("wechat") {
        let linked = identity::Entity::find()
            .filter(identity::Column::UserId.eq(user_id))
            .order_by_asc(identity::Column::CreatedAt)
            .all(db)
            .await?;
        if scope.contains("identities") {
            let list: Vec<Value> = linked
                .iter()
                .map(|i| json!({"provider": i.provider, "linked_at": i.created_at.timestamp()}))
                .collect();
            claims.insert("identities".into(), Value::Array(list));
        }
        if scope.contains("wechat")
            && let Some(wechat) = wechat_claim(db, &linked).await?
        {
            claims.insert("wechat".into(), wechat);
        }
    }
    Ok(Some(claims))
}

/// `{"unionid": ..., "openids": {"<app id>": "<openid>"}}` over the person's WeChat identities.
async fn wechat_claim(
    db: &DatabaseConnection,
    linked: &[identity::Model],
) -> Result<Option<Value>, DbErr> {
    let wechat: Vec<&identity::Model> = linked
        .iter()
        .filter(|i| i.provider.starts_with("wechat"))
        .collect();
    if wechat.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = wechat.iter().map(|i| i.id).collect();
    let mut openids = BTreeMap::new();
    for row in identity_app_openid::Entity::find()
        .filter(identity_app_openid::Column::IdentityId.is_in(ids))
        .all(db)
        .await?
    {
        openids.insert(row.app_id, row.openid);
    }
    let unionid = wechat.iter().find_map(|i| i.unionid.clone());
    Ok(Some(json!({"unionid": unionid, "openids": openids})))
}
