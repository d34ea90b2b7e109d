//! Provider identities in the database: finding the one a verified profile belongs to,
//! recording a login on it, and creating it.
//!
//! An identity's `subject` is the provider's unionid when it gives one, else the app-specific
//! id (WeChat and QQ openid, Weibo uid). Every (app id, app-specific id) ever seen is kept in
//! `identity_app_openids`, so an identity first known by its openid is still found when the
//! provider starts sending a unionid, and takes that unionid as its subject: never a second
//! account. Identities are never matched by nickname or email.

use chrono::{DateTime, Utc};
use providers::{Profile, ProviderId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set, SqlErr,
};

use crate::auth::fields::DisplayName;
use crate::auth::pending::SealedTokens;
use crate::entities::{identity, identity_app_openid};

/// What identifies a person at a provider, from a verified profile.
#[derive(Debug, Clone, Copy)]
pub struct IdentityKeys<'a> {
    pub provider: ProviderId,
    pub app_id: &'a str,
    /// openid (WeChat, QQ) or uid (Weibo): specific to `app_id`.
    pub app_subject: &'a str,
    pub unionid: Option<&'a str>,
}

impl<'a> IdentityKeys<'a> {
    pub fn of(profile: &'a Profile) -> Self {
        Self {
            provider: profile.provider,
            app_id: &profile.app_id,
            app_subject: &profile.subject,
            unionid: profile.unionid.as_deref().filter(|u| !u.is_empty()),
        }
    }

    /// The identity's `subject`: the unionid when known, else the app-specific id.
    pub fn subject(&self) -> &'a str {
        self.unionid.unwrap_or(self.app_subject)
    }
}

/// Who already holds the person behind these keys: the identity itself, or the same person
/// through another provider sharing the unionid (WeChat's website app and Official Account).
/// This is the one answer to "who owns this identity", for sign-in, sign-up and linking.
#[derive(Debug, Clone)]
pub enum Holder {
    Identity(Box<identity::Model>),
    /// No identity yet at this provider, but this account has the person at a sibling.
    Sibling {
        user_id: i64,
    },
}

impl Holder {
    pub fn user_id(&self) -> i64 {
        match self {
            Holder::Identity(identity) => identity.user_id,
            Holder::Sibling { user_id } => *user_id,
        }
    }
}

pub async fn holder<C: ConnectionTrait>(
    db: &C,
    keys: &IdentityKeys<'_>,
) -> Result<Option<Holder>, DbErr> {
    if let Some(identity) = find(db, keys).await? {
        return Ok(Some(Holder::Identity(Box::new(identity))));
    }
    Ok(sibling_owner(db, keys)
        .await?
        .map(|user_id| Holder::Sibling { user_id }))
}

/// The identity these keys belong to, if it is known.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    keys: &IdentityKeys<'_>,
) -> Result<Option<identity::Model>, DbErr> {
    let provider = keys.provider.as_str();
    if let Some(unionid) = keys.unionid {
        let by_unionid = identity::Entity::find()
            .filter(identity::Column::Provider.eq(provider))
            .filter(identity::Column::Subject.eq(unionid))
            .one(db)
            .await?;
        if by_unionid.is_some() {
            return Ok(by_unionid);
        }
    }
    let seen = identity_app_openid::Entity::find()
        .filter(identity_app_openid::Column::AppId.eq(keys.app_id))
        .filter(identity_app_openid::Column::Openid.eq(keys.app_subject))
        .one(db)
        .await?;
    if let Some(seen) = seen {
        let identity = identity::Entity::find_by_id(seen.identity_id)
            .filter(identity::Column::Provider.eq(provider))
            .one(db)
            .await?;
        if identity.is_some() {
            return Ok(identity);
        }
    }
    identity::Entity::find()
        .filter(identity::Column::Provider.eq(provider))
        .filter(identity::Column::Subject.eq(keys.app_subject))
        .one(db)
        .await
}

/// The account that already holds this person through another provider sharing the unionid
/// (a WeChat website login for an Official Account one, and the other way round).
async fn sibling_owner<C: ConnectionTrait>(
    db: &C,
    keys: &IdentityKeys<'_>,
) -> Result<Option<i64>, DbErr> {
    let Some(unionid) = keys.unionid else {
        return Ok(None);
    };
    let siblings: Vec<&str> = ProviderId::ALL
        .into_iter()
        .filter(|p| *p != keys.provider && p.unionid_scope() == keys.provider.unionid_scope())
        .map(ProviderId::as_str)
        .collect();
    if siblings.is_empty() {
        return Ok(None);
    }
    Ok(identity::Entity::find()
        .filter(identity::Column::Provider.is_in(siblings))
        .filter(identity::Column::Unionid.eq(unionid))
        .one(db)
        .await?
        .map(|i| i.user_id))
}

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    /// The unique keys say this identity (or its app openid) already exists.
    #[error("the identity already exists")]
    Taken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Creates the identity for `user_id`, with its app openid. Run it in the caller's
/// transaction: a unique violation leaves the transaction unusable on PostgreSQL.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    profile: &Profile,
    tokens: &SealedTokens,
    now: DateTime<Utc>,
) -> Result<identity::Model, InsertError> {
    let keys = IdentityKeys::of(profile);
    let created = identity::ActiveModel {
        user_id: Set(user_id),
        provider: Set(keys.provider.as_str().to_string()),
        subject: Set(keys.subject().to_string()),
        unionid: Set(keys.unionid.map(str::to_string)),
        app_id: Set(keys.app_id.to_string()),
        display_name: Set(shown_nickname(profile)),
        avatar_url: Set(safe_avatar(profile.avatar_url.as_deref())),
        profile: Set(profile.raw.clone()),
        access_token_sealed: Set(Some(tokens.access.clone())),
        refresh_token_sealed: Set(tokens.refresh.clone()),
        expires_at: Set(tokens.expires_at),
        created_at: Set(now),
        last_login_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(taken_or_db)?;
    identity_app_openid::ActiveModel {
        identity_id: Set(created.id),
        app_id: Set(keys.app_id.to_string()),
        openid: Set(keys.app_subject.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(taken_or_db)?;
    Ok(created)
}

fn taken_or_db(e: DbErr) -> InsertError {
    if is_unique_violation(&e) {
        InsertError::Taken
    } else {
        InsertError::Db(e)
    }
}

/// A login on a known identity: the provider's latest profile and tokens replace the stored
/// ones, a unionid seen for the first time becomes the subject, and a new app openid is kept.
pub async fn record_login<C: ConnectionTrait>(
    db: &C,
    identity: identity::Model,
    profile: &Profile,
    tokens: Option<&SealedTokens>,
    now: DateTime<Utc>,
) -> Result<identity::Model, DbErr> {
    update(db, identity, profile, tokens, Some(now), now).await
}

/// A profile refreshed from the provider outside a login (the account page's "refresh").
pub async fn record_refresh<C: ConnectionTrait>(
    db: &C,
    identity: identity::Model,
    profile: &Profile,
    tokens: Option<&SealedTokens>,
    now: DateTime<Utc>,
) -> Result<identity::Model, DbErr> {
    update(db, identity, profile, tokens, None, now).await
}

async fn update<C: ConnectionTrait>(
    db: &C,
    identity: identity::Model,
    profile: &Profile,
    tokens: Option<&SealedTokens>,
    login_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<identity::Model, DbErr> {
    let keys = IdentityKeys::of(profile);
    let identity_id = identity.id;
    let needs_unionid = identity.unionid.is_none() && keys.unionid.is_some();
    let mut active = identity.into_active_model();
    if needs_unionid {
        active.subject = Set(keys.subject().to_string());
        active.unionid = Set(keys.unionid.map(str::to_string));
    }
    if !profile.nickname.is_empty() {
        active.display_name = Set(shown_nickname(profile));
        active.avatar_url = Set(safe_avatar(profile.avatar_url.as_deref()));
        active.profile = Set(profile.raw.clone());
    }
    if let Some(tokens) = tokens {
        active.access_token_sealed = Set(Some(tokens.access.clone()));
        // A refresh that returns no new refresh token leaves the old one usable.
        if tokens.refresh.is_some() {
            active.refresh_token_sealed = Set(tokens.refresh.clone());
        }
        active.expires_at = Set(tokens.expires_at);
    }
    if let Some(at) = login_at {
        active.last_login_at = Set(at);
    }
    let updated = active.update(db).await?;
    remember_app_subject(db, identity_id, &keys, now).await?;
    Ok(updated)
}

/// The app-specific id (openid, uid) this identity has in `app_id`, if one was seen.
pub async fn app_subject<C: ConnectionTrait>(
    db: &C,
    identity_id: i64,
    app_id: &str,
) -> Result<Option<String>, DbErr> {
    Ok(identity_app_openid::Entity::find()
        .filter(identity_app_openid::Column::IdentityId.eq(identity_id))
        .filter(identity_app_openid::Column::AppId.eq(app_id))
        .one(db)
        .await?
        .map(|row| row.openid))
}

async fn remember_app_subject<C: ConnectionTrait>(
    db: &C,
    identity_id: i64,
    keys: &IdentityKeys<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let known = identity_app_openid::Entity::find()
        .filter(identity_app_openid::Column::AppId.eq(keys.app_id))
        .filter(identity_app_openid::Column::Openid.eq(keys.app_subject))
        .one(db)
        .await?;
    if known.is_some() {
        return Ok(());
    }
    let inserted = identity_app_openid::ActiveModel {
        identity_id: Set(identity_id),
        app_id: Set(keys.app_id.to_string()),
        openid: Set(keys.app_subject.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        // Another request recorded it a moment ago: what we wanted.
        Err(e) if is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// The nickname as stored on the identity: no control characters, bounded length. May be
/// empty (WeChat's silent scope gives none).
pub fn shown_nickname(profile: &Profile) -> String {
    DisplayName::from_nickname(&profile.nickname)
        .map(DisplayName::into_string)
        .unwrap_or_default()
}

/// Only http(s) URLs of a sane length are kept: an avatar is put in `<img src>`.
pub fn safe_avatar(url: Option<&str>) -> Option<String> {
    url.map(str::trim)
        .filter(|u| u.len() <= 1024)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .filter(|u| !u.chars().any(|c| c.is_control() || c.is_whitespace()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(unionid: Option<&str>) -> Profile {
        Profile {
            provider: ProviderId::WechatMp,
            app_id: "wxmp".into(),
            subject: "openid-1".into(),
            unionid: unionid.map(str::to_string),
            nickname: "小明\n<b>".into(),
            avatar_url: Some("javascript:alert(1)".into()),
            gender: providers::Gender::Unknown,
            raw: serde_json::json!({}),
        }
    }

    #[test]
    fn the_subject_is_the_unionid_when_there_is_one() {
        let with = profile(Some("union-1"));
        assert_eq!(IdentityKeys::of(&with).subject(), "union-1");
        let without = profile(None);
        assert_eq!(IdentityKeys::of(&without).subject(), "openid-1");
        let empty = profile(Some(""));
        assert_eq!(IdentityKeys::of(&empty).subject(), "openid-1");
    }

    #[test]
    fn nicknames_and_avatars_are_made_safe_to_show() {
        assert_eq!(shown_nickname(&profile(None)), "小明<b>");
        assert_eq!(safe_avatar(Some("javascript:alert(1)")), None);
        assert_eq!(safe_avatar(Some("data:image/svg+xml,<svg>")), None);
        assert_eq!(
            safe_avatar(Some(" https://a.example/x.png ")),
            Some("https://a.example/x.png".into())
        );
        assert_eq!(
            safe_avatar(Some(&format!("https://a.example/{}", "x".repeat(2000)))),
            None
        );
    }
}
