//! What the operator console asks of sign-in: finding people, a person's whole picture, and
//! the administrator's actions on them (each audited, with who did it).

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::audit::{self, Event, Kind};
use crate::auth::context::{Auth, Ending, ended_event};
use crate::auth::fields::Username;
use crate::auth::signed_in::SignedIn;
use crate::auth::store::accounts::{self, UnlinkOutcome};
use crate::auth::store::operators::{self, MergeOutcome};
use crate::auth::store::people;
use crate::auth::store::sessions::{self, Which};
use crate::entities::{audit_event, session, user};

/// One account in a list of people.
#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub account: user::Model,
    /// The providers it signs in with.
    pub methods: Vec<String>,
}

/// A person as the console shows them.
#[derive(Debug, Clone)]
pub struct PersonRecord {
    pub account: user::Model,
    pub identities: Vec<IdentityRecord>,
    pub sessions: Vec<session::Model>,
}

/// One linked identity, with every openid seen for it (one per WeChat app).
#[derive(Debug, Clone)]
pub struct IdentityRecord {
    pub id: i64,
    pub provider: String,
    pub nickname: String,
    pub subject: String,
    pub unionid: Option<String>,
    /// (app id, openid).
    pub openids: Vec<(String, String)>,
    pub linked_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

/// A page of people and how many match in all.
#[derive(Debug, Clone)]
pub struct PeoplePage {
    pub people: Vec<PersonSummary>,
    pub total: u64,
}

impl Auth {
    /// Whether this signed-in person may use the console.
    pub async fn is_administrator(&self, who: &SignedIn) -> Result<bool, DbErr> {
        Ok(accounts::active_user(&self.db, who.user_id())
            .await?
            .is_some_and(|u| u.is_admin))
    }

    /// People matching `text` (username, display name, id), with a method at `method`.
    pub async fn search_people(
        &self,
        text: &str,
        method: Option<&str>,
        page: u64,
        per_page: u64,
    ) -> Result<PeoplePage, DbErr> {
        let (accounts, total) = people::search(&self.db, text, method, page, per_page).await?;
        let ids: Vec<i64> = accounts.iter().map(|u| u.id).collect();
        let methods = people::methods_of(&self.db, &ids).await?;
        let people = accounts
            .into_iter()
            .map(|account| PersonSummary {
                methods: methods
                    .iter()
                    .filter(|(user, _)| *user == account.id)
                    .map(|(_, provider)| provider.clone())
                    .collect(),
                account,
            })
            .collect();
        Ok(PeoplePage { people, total })
    }

    /// An account, whatever its status (without its identities and sessions).
    pub async fn account_record(&self, user_id: i64) -> Result<Option<user::Model>, DbErr> {
        operators::find(&self.db, user_id).await
    }

    /// Everything the console shows about one person, if the account exists.
    pub async fn person(&self, user_id: i64) -> Result<Option<PersonRecord>, DbErr> {
        let Some(account) = self.account_record(user_id).await? else {
            return Ok(None);
        };
        let identities = accounts::identities_of(&self.db, user_id).await?;
        let ids: Vec<i64> = identities.iter().map(|i| i.id).collect();
        let openids = people::app_openids(&self.db, &ids).await?;
        let identities = identities
            .into_iter()
            .map(|i| IdentityRecord {
                openids: openids
                    .iter()
                    .filter(|o| o.identity_id == i.id)
                    .map(|o| (o.app_id.clone(), o.openid.clone()))
                    .collect(),
                id: i.id,
                provider: i.provider,
                nickname: i.display_name,
                subject: i.subject,
                unionid: i.unionid,
                linked_at: i.created_at,
                last_used_at: i.last_login_at,
            })
            .collect();
        let sessions = sessions::of_user(&self.db, user_id).await?;
        Ok(Some(PersonRecord {
            account,
            identities,
            sessions,
        }))
    }

    /// Disables an account on an administrator's word: every session ends. The account's
    /// change and its audit record commit together.
    pub async fn disable_by(&self, user_id: i64, actor: i64) -> Result<bool, DbErr> {
        let Some(account) = accounts::active_user(&self.db, user_id).await? else {
            return Ok(false);
        };
        let record = Event::new(Kind::AccountDisabled).user(user_id).by(actor);
        let ended = sessions::disable_account(&self.db, account.id, Some(record)).await?;
        self.report_ended(user_id, ended, Ending::AccountDisabled { by: Some(actor) })
            .await;
        Ok(true)
    }

    /// Enables a disabled account again (not a merged one).
    pub async fn enable_by(&self, user_id: i64, actor: i64) -> Result<bool, DbErr> {
        operators::enable(&self.db, user_id, actor).await
    }

    /// Ends one session of a person; the end and its record commit together.
    pub async fn end_session_by(
        &self,
        user_id: i64,
        session_id: i64,
        actor: i64,
    ) -> Result<bool, DbErr> {
        let why = Ending::ByAdministrator(actor);
        let ended = sessions::end(&self.db, user_id, Which::Numbered(session_id), |count| {
            ended_event(user_id, count, why)
        })
        .await?;
        let any = !ended.is_empty();
        self.tell_ended(user_id, ended, why);
        Ok(any)
    }

    /// Unlinks one of a person's methods (never the last), recorded with the administrator.
    pub async fn unlink_by(
        &self,
        user_id: i64,
        identity_id: i64,
        actor: i64,
    ) -> Result<UnlinkOutcome, DbErr> {
        accounts::unlink_identity(&self.db, user_id, identity_id, Some(actor)).await
    }

    /// Merges the account `from` into `into` (see `store::operators::merge`); the emptied
    /// account's sessions end, and whoever holds tokens issued through them hears so.
    pub async fn merge_by(&self, from: i64, into: i64, actor: i64) -> Result<MergeOutcome, DbErr> {
        let outcome = operators::merge(&self.db, from, into, actor).await?;
        if let MergeOutcome::Merged { ended } = &outcome {
            self.report_ended(
                from,
                ended.clone(),
                Ending::AccountDisabled { by: Some(actor) },
            )
            .await;
        }
        Ok(outcome)
    }

    /// Prunes the audit log to `retention`, hourly, for as long as the server runs.
    pub fn spawn_audit_pruner(self: &std::sync::Arc<Self>, retention: std::time::Duration) {
        audit::spawn_pruner(self, |auth: &Auth| auth.db.clone(), retention);
    }

    /// A page of the audit log, newest first, older than event `before`.
    pub async fn audit_events(
        &self,
        filter: &audit::Filter,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<audit_event::Model>, DbErr> {
        audit::page(&self.db, filter, before, limit).await
    }

    /// The dashboard's figures for the last `days` days.
    pub async fn dashboard(&self, days: u32) -> Result<audit::stats::Dashboard, DbErr> {
        audit::stats::dashboard(&self.db, Utc::now(), days).await
    }
}

/// Marks the account named `username` as administrator, or not (`denglu admin grant` and
/// `revoke`); `None` when there is no such account. Audited, without an actor: whoever runs
/// the command holds the server's configuration already.
pub async fn set_administrator(
    db: &DatabaseConnection,
    username: &str,
    admin: bool,
) -> Result<Option<i64>, DbErr> {
    let Ok(name) = Username::parse(username) else {
        return Ok(None);
    };
    let changed = operators::set_admin(db, name.key(), admin).await?;
    if let Some(user_id) = changed {
        let kind = if admin {
            Kind::AdminGranted
        } else {
            Kind::AdminRevoked
        };
        audit::record(db, Event::new(kind).user(user_id)).await?;
    }
    Ok(changed)
}
