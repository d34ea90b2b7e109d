//! Login tickets: sign in on a desktop by scanning a QR code with WeChat on a phone.
//!
//! The desktop creates a ticket and shows its URL as a QR code; the phone opens it, runs the
//! Official Account authorization, and confirms or cancels; the desktop session that created
//! the ticket (and only that one) then claims it and is signed in. Every step is a single
//! conditional UPDATE, so two instances of the app, or two clicks, can never both win.
//!
//! ```text
//! waiting --scan--> scanned --authorize--> scanned+identity --confirm--> confirmed --claim--> claimed
//!    \                 \                          \
//!     `----------------`--------- cancel ---------`--> cancelled        (any of them may expire)
//! ```

use chrono::{DateTime, Duration, Utc};
use providers::Profile;
use rand::seq::{IndexedRandom, SliceRandom};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::auth::next_path::NextPath;
use crate::auth::{SealedTokens, VerifiedIdentity};
use crate::entities::login_ticket::{self, Column};

/// A fresh QR code is good for two minutes, as the issue and WeChat's own QR pages do.
pub const TICKET_LIFETIME: Duration = Duration::minutes(2);
/// Once scanned, the person needs time to authorise and confirm on the phone.
pub const AFTER_SCAN_LIFETIME: Duration = Duration::minutes(5);

/// What the desktop page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TicketStatus {
    Waiting,
    Scanned,
    Confirmed,
    Cancelled,
    Claimed,
    Expired,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Scanned => "scanned",
            TicketStatus::Confirmed => "confirmed",
            TicketStatus::Cancelled => "cancelled",
            TicketStatus::Claimed => "claimed",
            TicketStatus::Expired => "expired",
        }
    }

    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::Waiting,
        TicketStatus::Scanned,
        TicketStatus::Confirmed,
        TicketStatus::Cancelled,
        TicketStatus::Claimed,
        TicketStatus::Expired,
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Nothing more will happen to a ticket in this state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TicketStatus::Cancelled | TicketStatus::Claimed | TicketStatus::Expired
        )
    }
}

/// The two digits a desktop shows beside its QR code and its phone must pick among three:
/// someone who relays the code to a victim's phone cannot show the victim the number.
/// 10 to 99, so no leading zero to misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MatchCode(u8);

impl MatchCode {
    const ALL: std::ops::RangeInclusive<u8> = 10..=99;

    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() != 2 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        raw.parse().ok().filter(|n| Self::ALL.contains(n)).map(Self)
    }

    pub fn as_str(self) -> String {
        self.0.to_string()
    }

    /// A code and the three numbers the phone offers (the code and two other ones), in a
    /// random order, all from the CSPRNG. Kept with the ticket, so a reload shows the same.
    fn draw() -> (Self, [Self; 3]) {
        let mut rng = rand::rng();
        let all: Vec<u8> = Self::ALL.collect();
        let mut three: Vec<Self> = all.choose_multiple(&mut rng, 3).map(|&n| Self(n)).collect();
        let code = three[0];
        three.shuffle(&mut rng);
        (code, [three[0], three[1], three[2]])
    }
}

/// Who asked for a ticket, as far as the server can tell without believing them.
#[derive(Debug, Clone, Default)]
pub struct Requester {
    /// "Chrome · Windows": what the desktop's User-Agent says (it could say anything).
    pub agent: String,
    /// `203.0.113.0/24`: the network the request came from.
    pub network: Option<String>,
    /// The account the desktop session was signed in to.
    pub user_id: Option<i64>,
    /// The desktop session (its id's hash): the only one that may follow and claim it.
    pub session: String,
    /// Where the desktop goes once signed in.
    pub next: Option<NextPath>,
}

/// A ticket as the flows see it.
#[derive(Debug, Clone)]
pub struct LoginTicket {
    pub id: String,
    pub status: TicketStatus,
    pub desktop_agent: String,
    pub desktop_network: Option<String>,
    pub desktop_user_id: Option<i64>,
    /// None only for tickets made before codes existed: those can never be confirmed.
    pub match_code: Option<MatchCode>,
    /// What the phone offers to pick, in order.
    pub choices: Vec<MatchCode>,
    /// Cancelled because the phone picked a number the desktop did not show.
    pub picked_wrong: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The phone has authorised: whom the ticket would sign in.
    pub profile: Option<Profile>,
}

impl LoginTicket {
    fn from_model(model: login_ticket::Model, now: DateTime<Utc>) -> Self {
        let stored = TicketStatus::from_name(&model.status).unwrap_or(TicketStatus::Expired);
        let status = if !stored.is_final() && model.expires_at <= now {
            TicketStatus::Expired
        } else {
            stored
        };
        // A profile that does not decode reads as "not authorised yet": never confirmable.
        let profile = model
            .profile
            .as_ref()
            .and_then(|p| serde_json::from_value::<Profile>(p.clone()).ok());
        let match_code = model.match_code.as_deref().and_then(MatchCode::parse);
        let choices = model
            .match_choices
            .as_deref()
            .map(|c| c.split(' ').filter_map(MatchCode::parse).collect())
            .unwrap_or_default();
        let picked_wrong = model
            .picked_code
            .as_deref()
            .and_then(MatchCode::parse)
            .is_some_and(|picked| Some(picked) != match_code);
        Self {
            id: model.id,
            status,
            desktop_agent: model.desktop_agent,
            desktop_network: model.desktop_network,
            desktop_user_id: model.desktop_user_id,
            match_code,
            choices,
            picked_wrong,
            created_at: model.created_at,
            expires_at: model.expires_at,
            profile,
        }
    }

    pub fn has_identity(&self) -> bool {
        self.profile.is_some()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("a stored ticket does not decode: {0}")]
    Corrupt(String),
}

fn new_ticket_id() -> String {
    crate::random::token()
}

/// Only well-formed ids ever reach the database.
pub fn is_ticket_id(raw: &str) -> bool {
    crate::random::is_token(raw)
}

pub async fn create(
    db: &DatabaseConnection,
    requester: Requester,
    now: DateTime<Utc>,
) -> Result<LoginTicket, DbErr> {
    let (code, choices) = MatchCode::draw();
    let choices = choices.map(MatchCode::as_str).join(" ");
    let model = login_ticket::ActiveModel {
        id: Set(new_ticket_id()),
        status: Set(TicketStatus::Waiting.as_str().to_string()),
        desktop_agent: Set(requester.agent.chars().take(128).collect()),
        desktop_network: Set(requester.network.map(|n| n.chars().take(64).collect())),
        desktop_user_id: Set(requester.user_id),
        next: Set(requester.next.map(|n| n.as_str().to_string())),
        match_code: Set(Some(code.as_str())),
        match_choices: Set(Some(choices)),
        picked_code: Set(None),
        desktop_session: Set(Some(requester.session)),
        phone_session: Set(None),
        created_at: Set(now),
        expires_at: Set(now + TICKET_LIFETIME),
        scanned_at: Set(None),
        decided_at: Set(None),
        profile: Set(None),
        tokens: Set(None),
    }
    .insert(db)
    .await?;
    Ok(LoginTicket::from_model(model, now))
}

pub async fn find(
    db: &DatabaseConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<LoginTicket>, DbErr> {
    if !is_ticket_id(id) {
        return Ok(None);
    }
    Ok(login_ticket::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .map(|m| LoginTicket::from_model(m, now)))
}

/// The current status of many tickets at once (for the cross-instance safety poll).
pub async fn statuses(
    db: &DatabaseConnection,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<(String, TicketStatus)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(login_ticket::Entity::find()
        .filter(Column::Id.is_in(ids.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let ticket = LoginTicket::from_model(m, now);
            (ticket.id, ticket.status)
        })
        .collect())
}

/// Runs one transition: `UPDATE ... WHERE id = ? AND status IN (from) AND expires_at > now`.
/// True when this call made it, false when the ticket was not in a state that allows it.
async fn transition(
    db: &DatabaseConnection,
    id: &str,
    from: &[TicketStatus],
    to: TicketStatus,
    extra: impl FnOnce(
        sea_orm::UpdateMany<login_ticket::Entity>,
    ) -> sea_orm::UpdateMany<login_ticket::Entity>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if !is_ticket_id(id) {
        return Ok(false);
    }
    let update = login_ticket::Entity::update_many()
        .col_expr(Column::Status, Expr::value(to.as_str()))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .filter(Column::ExpiresAt.gt(now));
    Ok(extra(update).exec(db).await?.rows_affected == 1)
}

/// The phone opened the ticket's URL.
/// The phone opened the ticket's URL: its session (hash) is the only one that may decide.
pub async fn scan(
    db: &DatabaseConnection,
    id: &str,
    phone_session: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let phone_session = phone_session.to_string();
    transition(
        db,
        id,
        &[TicketStatus::Waiting],
        TicketStatus::Scanned,
        |u| {
            u.col_expr(Column::ScannedAt, Expr::value(now))
                .col_expr(Column::ExpiresAt, Expr::value(now + AFTER_SCAN_LIFETIME))
                .col_expr(Column::PhoneSession, Expr::value(phone_session))
        },
        now,
    )
    .await
}

/// Which side of a ticket a browser session is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Made the ticket and shows its QR code: the only one that may follow and claim it.
    Desktop,
    /// Scanned it: the only one that may confirm or cancel it.
    Phone,
}

/// Whether the session (its id's hash) holds ticket `id` on that side.
pub async fn held_by(
    db: &DatabaseConnection,
    id: &str,
    side: Side,
    session: &str,
) -> Result<bool, DbErr> {
    if !is_ticket_id(id) {
        return Ok(false);
    }
    let column = match side {
        Side::Desktop => Column::DesktopSession,
        Side::Phone => Column::PhoneSession,
    };
    Ok(login_ticket::Entity::find_by_id(id.to_string())
        .filter(column.eq(session))
        .one(db)
        .await?
        .is_some())
}

/// Live tickets (not ended, not expired) asked for from this network.
pub async fn live_from_network(
    db: &DatabaseConnection,
    network: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    live(now)
        .filter(Column::DesktopNetwork.eq(network))
        .count(db)
        .await
}

fn live(now: DateTime<Utc>) -> sea_orm::Select<login_ticket::Entity> {
    login_ticket::Entity::find()
        .filter(Column::Status.is_in([
            TicketStatus::Waiting.as_str(),
            TicketStatus::Scanned.as_str(),
        ]))
        .filter(Column::ExpiresAt.gt(now))
}

/// Lets go of all but the newest `keep - 1` live tickets of a desktop session, so that a new
/// one makes `keep`: they expire now (a page that renews its code keeps working).
pub async fn expire_oldest(
    db: &DatabaseConnection,
    session: &str,
    keep: u64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use sea_orm::QueryOrder;
    let live: Vec<String> = live(now)
        .filter(Column::DesktopSession.eq(session))
        .order_by_desc(Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let old: Vec<String> = live
        .into_iter()
        .skip(keep.saturating_sub(1) as usize)
        .collect();
    if old.is_empty() {
        return Ok(());
    }
    login_ticket::Entity::update_many()
        .col_expr(Column::Status, Expr::value(TicketStatus::Expired.as_str()))
        .col_expr(Column::ExpiresAt, Expr::value(now))
        .filter(Column::Id.is_in(old))
        .exec(db)
        .await
        .map(|_| ())
}

/// The phone's authorization came back: remember who would be signed in.
pub async fn attach_identity(
    db: &DatabaseConnection,
    id: &str,
    profile: &Profile,
    tokens: &SealedTokens,
    now: DateTime<Utc>,
) -> Result<bool, TicketError> {
    let profile = serde_json::to_value(profile).map_err(|e| TicketError::Corrupt(e.to_string()))?;
    let tokens = serde_json::to_value(tokens).map_err(|e| TicketError::Corrupt(e.to_string()))?;
    Ok(transition(
        db,
        id,
        &[TicketStatus::Scanned],
        TicketStatus::Scanned,
        |u| {
            u.col_expr(Column::Profile, Expr::value(profile))
                .col_expr(Column::Tokens, Expr::value(tokens))
        },
        now,
    )
    .await?)
}

/// Confirm on the phone: only a scanned ticket that knows its person, and only with the
/// number its desktop shows.
pub async fn confirm(
    db: &DatabaseConnection,
    id: &str,
    code: MatchCode,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    transition(
        db,
        id,
        &[TicketStatus::Scanned],
        TicketStatus::Confirmed,
        |u| {
            u.col_expr(Column::DecidedAt, Expr::value(now))
                .filter(Column::Profile.is_not_null())
                .filter(Column::MatchCode.eq(code.as_str()))
        },
        now,
    )
    .await
}

pub async fn cancel(db: &DatabaseConnection, id: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    transition(
        db,
        id,
        &[TicketStatus::Waiting, TicketStatus::Scanned],
        TicketStatus::Cancelled,
        |u| forget_identity(u, now),
        now,
    )
    .await
}

/// The phone picked a number its desktop does not show: whoever holds the phone is not at
/// that computer, so the ticket ends (and the pick is kept, for the phone to say why).
pub async fn reject(
    db: &DatabaseConnection,
    id: &str,
    picked: MatchCode,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    transition(
        db,
        id,
        &[TicketStatus::Waiting, TicketStatus::Scanned],
        TicketStatus::Cancelled,
        |u| {
            forget_identity(u, now)
                .col_expr(Column::PickedCode, Expr::value(picked.as_str()))
                .filter(Column::MatchCode.ne(picked.as_str()))
        },
        now,
    )
    .await
}

fn forget_identity(
    update: sea_orm::UpdateMany<login_ticket::Entity>,
    now: DateTime<Utc>,
) -> sea_orm::UpdateMany<login_ticket::Entity> {
    update
        .col_expr(Column::DecidedAt, Expr::value(now))
        .col_expr(
            Column::Profile,
            Expr::value(Option::<serde_json::Value>::None),
        )
        .col_expr(
            Column::Tokens,
            Expr::value(Option::<serde_json::Value>::None),
        )
}

/// The desktop takes a confirmed ticket, once. The identity is read back and wiped from the
/// ticket (sealed tokens do not linger in a table of short-lived rows) in the same
/// transaction as the claim: if any step fails, the ticket is still confirmed and the
/// desktop can try again.
pub async fn claim(
    db: &DatabaseConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(VerifiedIdentity, Option<NextPath>)>, TicketError> {
    if !is_ticket_id(id) {
        return Ok(None);
    }
    let txn = db.begin().await?;
    // The claim comes first: it takes the row's write lock, so two claims cannot both read.
    let claimed = login_ticket::Entity::update_many()
        .col_expr(Column::Status, Expr::value(TicketStatus::Claimed.as_str()))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(TicketStatus::Confirmed.as_str()))
        .filter(Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        txn.rollback().await?;
        return Ok(None);
    }
    let model = login_ticket::Entity::find_by_id(id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| TicketError::Corrupt("a claimed ticket vanished".into()))?;
    let decode = |value: Option<serde_json::Value>, what: &str| {
        value.ok_or_else(|| TicketError::Corrupt(format!("confirmed ticket without {what}")))
    };
    let profile = serde_json::from_value(decode(model.profile.clone(), "profile")?)
        .map_err(|e| TicketError::Corrupt(e.to_string()))?;
    let tokens = serde_json::from_value(decode(model.tokens.clone(), "tokens")?)
        .map_err(|e| TicketError::Corrupt(e.to_string()))?;
    let next = model.next.as_deref().and_then(NextPath::parse);
    let mut wiped: login_ticket::ActiveModel = model.into();
    wiped.profile = Set(None);
    wiped.tokens = Set(None);
    wiped.update(&txn).await?;
    txn.commit().await?;
    Ok(Some((VerifiedIdentity { profile, tokens }, next)))
}

/// Deletes tickets that ended more than an hour ago; they are only kept that long for support.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(login_ticket::Entity::delete_many()
        .filter(Column::ExpiresAt.lt(now - Duration::hours(1)))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_are_long_random_and_checked() {
        let a = new_ticket_id();
        assert!(is_ticket_id(&a));
        assert_ne!(a, new_ticket_id());
        assert!(!is_ticket_id("short"));
        assert!(!is_ticket_id(&format!("{}'", &a[1..])));
    }

    #[test]
    fn codes_are_two_digits_and_offered_among_three_distinct_numbers() {
        for _ in 0..200 {
            let (code, choices) = MatchCode::draw();
            assert!(choices.contains(&code));
            assert!(
                choices[0] != choices[1] && choices[1] != choices[2] && choices[0] != choices[2]
            );
            assert_eq!(MatchCode::parse(&code.as_str()), Some(code));
        }
        for bad in ["", "7", "07", "100", "4a", " 47", "+4", "-1"] {
            assert_eq!(MatchCode::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            MatchCode::parse("47").map(MatchCode::as_str).as_deref(),
            Some("47")
        );
    }

    #[test]
    fn final_states_are_final() {
        assert!(TicketStatus::Claimed.is_final());
        assert!(TicketStatus::Expired.is_final());
        assert!(!TicketStatus::Scanned.is_final());
        assert_eq!(
            TicketStatus::from_name("confirmed"),
            Some(TicketStatus::Confirmed)
        );
        assert_eq!(TicketStatus::from_name("exploded"), None);
    }
}
