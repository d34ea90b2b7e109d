use sea_orm::entity::prelude::*;

/// One line of the audit log; see `audit` for what is recorded and what never is.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub kind: String,
    /// The person it happened to.
    pub user_id: Option<i64>,
    /// The administrator who did it, for administrator actions.
    pub actor_id: Option<i64>,
    pub provider: Option<String>,
    pub error_kind: Option<String>,
    /// The provider's own error code and message (WeChat's 40029, QQ's 100010, ...).
    pub provider_code: Option<String>,
    pub provider_message: Option<String>,
    /// A short note: the other account of a merge, a client's id, why a session ended.
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub client: Option<String>,
    pub agent: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
