use sea_orm::entity::prelude::*;

/// A QR login ticket; see `qr::tickets` for its life.
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
    pub desktop_network: Option<String>,
    pub desktop_user_id: Option<i64>,
    /// Where the desktop goes once signed in (a safe path on this site).
    pub next: Option<String>,
    pub match_code: Option<String>,
    pub match_choices: Option<String>,
    pub picked_code: Option<String>,
    /// SHA-256 of the desktop session's id: the browser that shows the ticket and may claim it.
    pub desktop_session: Option<String>,
    /// SHA-256 of the phone session's id: the phone that scanned it and may decide.
    pub phone_session: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
