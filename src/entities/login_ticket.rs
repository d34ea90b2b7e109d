use sea_orm::entity::prelude::*;

/// A QR login ticket; see `auth::tickets` for its life.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "login_tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub status: String,
    pub desktop_agent: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub scanned_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub profile: Option<Json>,
    pub tokens: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
