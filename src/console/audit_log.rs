//! `GET /admin/audit`: the audit log, newest first, filtered by kind, provider, person and
//! time range, a page at a time (older pages by event id, so they hold still while new events
//! arrive).

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use leptos::prelude::*;
use serde::Deserialize;

use crate::audit::{Filter, Kind, PAGE_SIZE};
use crate::console::access::Administrator;
use crate::console::layout::{self, Section, minute, provider_name};
use crate::entities::audit_event;
use crate::i18n::Locale;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    person: String,
    /// YYYY-MM-DD, from the start of that day (UTC).
    #[serde(default)]
    since: String,
    /// YYYY-MM-DD, to the end of that day (UTC).
    #[serde(default)]
    until: String,
    before: Option<i64>,
}

impl Params {
    /// The filter these ask for; what does not parse is no filter.
    fn filter(&self) -> Filter {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        Filter {
            kind: Kind::parse(&self.kind),
            provider: providers::ProviderId::ALL
                .into_iter()
                .find(|p| p.as_str() == self.provider)
                .map(|p| p.as_str().to_string()),
            person: self.person.trim().trim_start_matches('#').parse().ok(),
            since: day(&self.since)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc()),
            until: day(&self.until)
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc()),
        }
    }
}

pub async fn page(
    admin: Administrator,
    State(app): State<AppState>,
    Query(params): Query<Params>,
) -> Response {
    let locale = admin.frame.locale;
    let filter = params.filter();
    let events = match app
        .auth
        .audit_events(&filter, params.before, PAGE_SIZE)
        .await
    {
        Ok(events) => events,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the audit log");
            return layout::outage(&admin.frame);
        }
    };
    let older = (events.len() as u64 == PAGE_SIZE)
        .then(|| events.last().map(|e| e.id))
        .flatten()
        .map(|before| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("kind", &params.kind)
                .append_pair("provider", &params.provider)
                .append_pair("person", &params.person)
                .append_pair("since", &params.since)
                .append_pair("until", &params.until)
                .append_pair("before", &before.to_string())
                .finish();
            format!("/admin/audit?{query}")
        });
    let kind = filter.kind;
    let provider = filter.provider.clone();
    let person = filter.person.map(|p| p.to_string()).unwrap_or_default();
    let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let body = view! {
        <form class="console-search console-filter" method="get" action="/admin/audit">
            <label>
                <span>{locale.t("console-filter-kind")}</span>
                <select name="kind">
                    <option value="">{locale.t("console-filter-any")}</option>
                    {Kind::ALL
                        .into_iter()
                        .map(|k| {
                            let selected = kind == Some(k);
                            view! {
                                <option value=k.as_str() selected=selected>
                                    {locale.t(&format!("audit-kind-{}", k.as_str()))}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{locale.t("console-col-provider")}</span>
                <select name="provider">
                    <option value="">{locale.t("console-filter-any")}</option>
                    {providers::ProviderId::ALL
                        .into_iter()
                        .map(|p| {
                            let selected = provider.as_deref() == Some(p.as_str());
                            view! {
                                <option value=p.as_str() selected=selected>
                                    {provider_name(locale, p.as_str())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{locale.t("console-col-person")} " #"</span>
                <input type="text" name="person" inputmode="numeric" value=person size="6"/>
            </label>
            <label>
                <span>{locale.t("console-filter-since")}</span>
                <input type="date" name="since" value=params.since.clone() max=today.clone()/>
            </label>
            <label>
                <span>{locale.t("console-filter-until")}</span>
                <input type="date" name="until" value=params.until.clone() max=today/>
            </label>
            <button class="button small" type="submit">{locale.t("console-filter")}</button>
        </form>
        {events_table(locale, events)}
        <nav class="console-pages" aria-label=locale.t("console-pages")>
            {older.map(|href| view! { <a rel="next" href=href>{locale.t("console-older")}</a> })}
        </nav>
    };
    layout::page(
        &admin.frame,
        Some(Section::Audit),
        locale.t("console-audit-title"),
        body,
    )
}

/// Events as a table, newest first.
pub fn events_table(locale: Locale, events: Vec<audit_event::Model>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="empty">{locale.t("console-no-events")}</p> }.into_any();
    }
    view! {
        <div class="console-scroll">
            <table class="console-table console-events" data-events="">
                <thead>
                    <tr>
                        <th scope="col">{locale.t("console-col-time")}</th>
                        <th scope="col">{locale.t("console-col-event")}</th>
                        <th scope="col">{locale.t("console-col-person")}</th>
                        <th scope="col">{locale.t("console-col-provider")}</th>
                        <th scope="col">{locale.t("console-col-what")}</th>
                        <th scope="col">{locale.t("console-col-from")}</th>
                    </tr>
                </thead>
                <tbody>
                    {events.into_iter().map(|event| event_row(locale, event)).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

fn event_row(locale: Locale, event: audit_event::Model) -> impl IntoView {
    let person = event.user_id.map(|id| {
        view! { <a href=format!("/admin/people/{id}")>{format!("#{id}")}</a> }
    });
    let actor = event.actor_id.map(|id| {
        let by = locale.t("console-by");
        view! { " " <span class="console-by">{by} " " <a href=format!("/admin/people/{id}")>{format!("#{id}")}</a></span> }
    });
    let what = [
        event.error_kind,
        event.provider_code,
        event.provider_message,
        event.detail,
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let from = [event.client, event.agent]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let kind_label = locale.t(&format!("audit-kind-{}", event.kind));
    view! {
        <tr data-kind=event.kind.clone()>
            <td>{minute(event.at)}</td>
            <td>{kind_label}</td>
            <td>{person}{actor}</td>
            <td>{event.provider.map(|p| provider_name(locale, &p)).unwrap_or_default()}</td>
            <td class="console-what">{what}</td>
            <td class="console-from" title=event.request_id.clone().unwrap_or_default()>{from}</td>
        </tr>
    }
}
