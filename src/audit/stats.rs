//! The dashboard's figures, counted by the database over the last days of the log: sign-ins
//! per provider per day, new accounts per day, QR sign-ins started and confirmed per day, and
//! failures by kind and by the provider's own code.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};

use crate::audit::event::Kind;

/// Daily counts over `days` days, oldest first, and the period's failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub days: Vec<NaiveDate>,
    /// Per provider, one count per day.
    pub sign_ins: BTreeMap<String, Vec<u64>>,
    pub sign_ups: Vec<u64>,
    pub qr_started: Vec<u64>,
    pub qr_confirmed: Vec<u64>,
    /// (our kind of failure, count), most first.
    pub failures_by_kind: Vec<(String, u64)>,
    /// (provider, the provider's code, count), most first.
    pub failures_by_code: Vec<(String, String, u64)>,
}

impl Dashboard {
    pub fn total_sign_ins(&self) -> u64 {
        self.sign_ins.values().flatten().sum()
    }
}

/// The figures for the `days` days up to and including `today` (UTC).
pub async fn dashboard(
    db: &DatabaseConnection,
    today: DateTime<Utc>,
    days: u32,
) -> Result<Dashboard, DbErr> {
    let first = today.date_naive() - Duration::days(i64::from(days) - 1);
    let since = first
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    let day_list: Vec<NaiveDate> = first.iter_days().take(days as usize).collect();
    let index = |day: &str| {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .and_then(|d| day_list.iter().position(|x| *x == d))
    };
    let backend = db.get_database_backend();
    // The day in UTC, as text, in each database's own words.
    let day = match backend {
        DatabaseBackend::Postgres => "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        _ => "substr(at, 1, 10)",
    };
    let kinds = [
        Kind::SignInSucceeded,
        Kind::SignUp,
        Kind::QrStarted,
        Kind::QrConfirmed,
    ]
    .map(|k| format!("'{}'", k.as_str()))
    .join(", ");
    let daily = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {day} AS day, kind, COALESCE(provider, '') AS provider, COUNT(*) AS n \
                 FROM audit_events WHERE at >= {} AND kind IN ({kinds}) \
                 AND COALESCE(detail, '') <> '{renewal}' \
                 GROUP BY {day}, kind, COALESCE(provider, '')",
                placeholder(backend, 1),
                renewal = crate::audit::event::RENEWAL,
            ),
            [since.into()],
        ))
        .await?;

    let zeros = vec![0_u64; day_list.len()];
    let mut dashboard = Dashboard {
        days: day_list.clone(),
        sign_ins: BTreeMap::new(),
        sign_ups: zeros.clone(),
        qr_started: zeros.clone(),
        qr_confirmed: zeros.clone(),
        failures_by_kind: Vec::new(),
        failures_by_code: Vec::new(),
    };
    for row in daily {
        let day: String = row.try_get("", "day")?;
        let kind: String = row.try_get("", "kind")?;
        let provider: String = row.try_get("", "provider")?;
        let n = count(row.try_get::<i64>("", "n")?);
        let Some(i) = index(&day) else { continue };
        let series = match Kind::parse(&kind) {
            Some(Kind::SignInSucceeded) => dashboard
                .sign_ins
                .entry(provider)
                .or_insert_with(|| zeros.clone()),
            Some(Kind::SignUp) => &mut dashboard.sign_ups,
            Some(Kind::QrStarted) => &mut dashboard.qr_started,
            Some(Kind::QrConfirmed) => &mut dashboard.qr_confirmed,
            _ => continue,
        };
        series[i] += n;
    }

    let failures = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT COALESCE(error_kind, '') AS error_kind, COALESCE(provider, '') AS provider, \
                 COALESCE(provider_code, '') AS code, COUNT(*) AS n \
                 FROM audit_events WHERE at >= {} AND kind = '{}' \
                 GROUP BY COALESCE(error_kind, ''), COALESCE(provider, ''), COALESCE(provider_code, '')",
                placeholder(backend, 1),
                Kind::SignInFailed.as_str()
            ),
            [since.into()],
        ))
        .await?;
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for row in failures {
        let kind: String = row.try_get("", "error_kind")?;
        let provider: String = row.try_get("", "provider")?;
        let code: String = row.try_get("", "code")?;
        let n = count(row.try_get::<i64>("", "n")?);
        *by_kind.entry(kind).or_default() += n;
        if !code.is_empty() {
            dashboard.failures_by_code.push((provider, code, n));
        }
    }
    dashboard.failures_by_kind = by_kind.into_iter().collect();
    dashboard
        .failures_by_kind
        .sort_by_key(|f| std::cmp::Reverse(f.1));
    dashboard
        .failures_by_code
        .sort_by_key(|f| std::cmp::Reverse(f.2));
    Ok(dashboard)
}

fn placeholder(backend: DatabaseBackend, n: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
