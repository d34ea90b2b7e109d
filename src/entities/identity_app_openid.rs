use sea_orm::entity::prelude::*;

/// An app-specific WeChat openid of an identity: one person has a different openid in the
/// website app and in the Official Account, and every one seen is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_app_openids")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub identity_id: i64,
    pub app_id: String,
    pub openid: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::identity::Entity",
        from = "Column::IdentityId",
        to = "super::identity::Column::Id",
        on_delete = "Cascade"
    )]
    Identity,
}

impl Related<super::identity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Identity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
