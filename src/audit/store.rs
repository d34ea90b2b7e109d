//! The audit log's table: events are only ever added, read and, past the retention, pruned.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::audit::event::{Event, Kind};
use crate::audit::request::RequestMeta;
use crate::entities::audit_event;

/// Events per page in `/admin/audit`.
pub const PAGE_SIZE: u64 = 50;

/// Writes an event, with the current request's id, address and browser. Inside the caller's
/// transaction when it passes one, so that an action and its record stand or fall together.
pub async fn record<C: ConnectionTrait>(db: &C, event: Event) -> Result<(), DbErr> {
    let RequestMeta {
        request_id,
        client,
        agent,
    } = RequestMeta::current();
    audit_event::ActiveModel {
        at: Set(Utc::now()),
        kind: Set(event.kind.as_str().to_string()),
        user_id: Set(event.user_id),
        actor_id: Set(event.actor_id),
        provider: Set(event.provider),
        error_kind: Set(event.error_kind),
        provider_code: Set(event.provider_code),
        provider_message: Set(event.provider_message),
        detail: Set(event.detail),
        request_id: Set(request_id),
        client: Set(client),
        agent: Set(agent),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// Records an event of a flow that goes on whatever happens to the record: a failure to
/// write it is logged, not shown to the person signing in.
pub async fn note(db: &DatabaseConnection, event: Event) {
    let kind = event.kind.as_str();
    if let Err(e) = record(db, event).await {
        tracing::error!(error = %e, kind, "cannot write an audit event");
    }
}

/// Which events to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub provider: Option<String>,
    /// The person it happened to, or the administrator who did it.
    pub person: Option<i64>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Filter {
    fn condition(&self) -> Condition {
        let mut all = Condition::all();
        if let Some(kind) = self.kind {
            all = all.add(audit_event::Column::Kind.eq(kind.as_str()));
        }
        if let Some(provider) = &self.provider {
            all = all.add(audit_event::Column::Provider.eq(provider.as_str()));
        }
        if let Some(person) = self.person {
            all = all.add(
                Condition::any()
                    .add(audit_event::Column::UserId.eq(person))
                    .add(audit_event::Column::ActorId.eq(person)),
            );
        }
        if let Some(since) = self.since {
            all = all.add(audit_event::Column::At.gte(since));
        }
        if let Some(until) = self.until {
            all = all.add(audit_event::Column::At.lt(until));
        }
        all
    }
}

/// Newest first, `limit` events older than event `before` (keyset pagination: a page does
/// not shift while new events arrive).
pub async fn page(
    db: &DatabaseConnection,
    filter: &Filter,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_event::Model>, DbErr> {
    let mut condition = filter.condition();
    if let Some(before) = before {
        condition = condition.add(audit_event::Column::Id.lt(before));
    }
    audit_event::Entity::find()
        .filter(condition)
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Every matching event, oldest first, handed to `write` in batches (an export of a year's
/// log never sits in memory whole).
pub async fn export(
    db: &DatabaseConnection,
    filter: &Filter,
    mut write: impl FnMut(&audit_event::Model) -> std::io::Result<()>,
) -> Result<u64, ExportError> {
    const BATCH: u64 = 1000;
    let mut after = 0_i64;
    let mut written = 0_u64;
    loop {
        let batch = audit_event::Entity::find()
            .filter(filter.condition().add(audit_event::Column::Id.gt(after)))
            .order_by_asc(audit_event::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        for event in &batch {
            write(event)?;
            written += 1;
        }
        match batch.last() {
            Some(last) if batch.len() as u64 == BATCH => after = last.id,
            _ => return Ok(written),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
}

/// Deletes the events older than `older_than`; returns how many.
pub async fn prune(db: &DatabaseConnection, older_than: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(audit_event::Entity::delete_many()
        .filter(audit_event::Column::At.lt(older_than))
        .exec(db)
        .await?
        .rows_affected)
}

/// Prunes the log to `retention` once an hour, for as long as `owner` lives (the task holds
/// it weakly: a pool held forever would outlive the server).
pub fn spawn_pruner<T: Send + Sync + 'static>(
    owner: &Arc<T>,
    db_of: impl Fn(&T) -> DatabaseConnection + Send + 'static,
    retention: Duration,
) {
    let owner = Arc::downgrade(owner);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(3600));
        loop {
            ticker.tick().await;
            let Some(db) = owner.upgrade().map(|owner| db_of(&owner)) else {
                return;
            };
            let keep = chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
            let older_than = Utc::now()
                .checked_sub_signed(keep)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            match prune(&db, older_than).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "pruned the audit log"),
                Err(e) => tracing::warn!(error = %e, "cannot prune the audit log"),
            }
        }
    });
}
