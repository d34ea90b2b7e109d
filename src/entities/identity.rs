use sea_orm::entity::prelude::*;

/// One person at one provider, linked to one account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "identities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub provider: String,
    /// WeChat: the unionid when known, else the openid; QQ: the openid; Weibo: the uid.
    pub subject: String,
    pub unionid: Option<String>,
    pub app_id: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub profile: Json,
    pub access_token_sealed: Option<Vec<u8>>,
    pub refresh_token_sealed: Option<Vec<u8>>,
    pub expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub last_login_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(has_many = "super::identity_app_openid::Entity")]
    AppOpenids,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::identity_app_openid::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AppOpenids.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
