//! `GET /admin/people/{id}`: a person's profile, linked identities (with every WeChat openid
//! and the unionid), active sessions and recent events, with the administrator's actions; and
//! `GET /admin/people/{id}/merge?into=…`, the confirmation a merge needs, naming both accounts.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use leptos::prelude::*;
use serde::Deserialize;

use crate::audit::Filter;
use crate::auth::{IdentityRecord, PersonRecord};
use crate::console::access::Administrator;
use crate::console::audit_log::events_table;
use crate::console::layout::{self, Section, fresh_notice, minute, provider_name};
use crate::console::people::status_label;
use crate::i18n::Locale;
use crate::state::AppState;

const RECENT_EVENTS: u64 = 20;

/// The outcome of the last action, as a message key's suffix named in the URL.
#[derive(Debug, Default, Deserialize)]
pub struct Outcome {
    notice: Option<String>,
    error: Option<String>,
}

const NOTICES: [&str; 5] = ["disabled", "enabled", "session-ended", "unlinked", "merged"];
const ERRORS: [&str; 7] = [
    "self",
    "last-method",
    "not-found",
    "same-provider",
    "not-mergeable",
    "confirm-mismatch",
    "failed",
];

pub async fn page(
    admin: Administrator,
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Query(outcome): Query<Outcome>,
) -> Response {
    let locale = admin.frame.locale;
    let person = match app.auth.person(id).await {
        Ok(Some(person)) => person,
        Ok(None) => return layout::not_found(&admin.frame),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a person");
            return layout::outage(&admin.frame);
        }
    };
    let filter = Filter {
        person: Some(id),
        ..Filter::default()
    };
    let events = match app.auth.audit_events(&filter, None, RECENT_EVENTS).await {
        Ok(events) => events,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a person's events");
            return layout::outage(&admin.frame);
        }
    };
    let fresh = admin.is_fresh(Utc::now());
    let here = format!("/admin/people/{id}");
    let notice = outcome
        .notice
        .filter(|n| NOTICES.contains(&n.as_str()))
        .map(|n| locale.t(&format!("console-notice-{n}")));
    let error = outcome
        .error
        .filter(|e| ERRORS.contains(&e.as_str()))
        .map(|e| locale.t(&format!("console-error-{e}")));
    let PersonRecord {
        account,
        identities,
        sessions,
    } = person;
    let title = format!("{} (@{})", account.display_name, account.username);
    let active = account.status == "active";
    let merged = account.merged_into.is_some();
    let status = status_label(
        locale,
        &account.status,
        account.merged_into,
        account.is_admin,
    );
    let all_events = format!("/admin/audit?person={id}");
    let body = view! {
        {fresh_notice(locale, fresh, &here)}
        {notice.map(|text| view! { <p class="notice" role="status" data-notice="">{text}</p> })}
        {error.map(|text| view! { <p class="alert" role="alert" data-error="">{text}</p> })}
        <section class="card console-card">
            <dl class="console-facts">
                <dt>"#"</dt>
                <dd>{account.id.to_string()}</dd>
                <dt>{locale.t("console-col-status")}</dt>
                <dd data-status=account.status.clone()>{status}</dd>
                <dt>{locale.t("console-email")}</dt>
                <dd>{account.email.unwrap_or_else(|| "—".into())}</dd>
                <dt>{locale.t("console-col-created")}</dt>
                <dd>{minute(account.created_at)}</dd>
            </dl>
            <div class="console-actions">
                {(!merged)
                    .then(|| {
                        let (action, key, class) = if active {
                            ("disable", "console-disable", "button small danger")
                        } else {
                            ("enable", "console-enable", "button small")
                        };
                        view! {
                            <form method="post" action=format!("/admin/people/{id}/{action}")>
                                <button class=class type="submit" data-action=action disabled=!fresh>
                                    {locale.t(key)}
                                </button>
                            </form>
                        }
                    })}
                {(active && !identities.is_empty())
                    .then(|| {
                        view! {
                            <form method="get" action=format!("/admin/people/{id}/merge") class="console-merge-start">
                                <label>
                                    <span>{locale.t("console-merge-into")}</span>
                                    <input type="number" name="into" min="1" required=true inputmode="numeric"/>
                                </label>
                                <button class="button small" type="submit" data-action="merge-start" disabled=!fresh>
                                    {locale.t("console-merge")}
                                </button>
                            </form>
                        }
                    })}
            </div>
        </section>
        <h2>{locale.t("console-identities")}</h2>
        {identities_table(locale, id, identities, fresh)}
        <h2>{locale.t("account-sessions-title")}</h2>
        {sessions_table(locale, id, sessions, fresh)}
        <h2>{locale.t("console-recent-events")}</h2>
        {events_table(locale, events)}
        <p><a href=all_events>{locale.t("console-all-events")}</a></p>
    };
    layout::page(&admin.frame, Some(Section::People), title, body)
}

fn identities_table(
    locale: Locale,
    user: i64,
    identities: Vec<IdentityRecord>,
    fresh: bool,
) -> impl IntoView {
    let last = identities.len() <= 1;
    view! {
        <div class="console-scroll">
            <table class="console-table" data-identities="">
                <thead>
                    <tr>
                        <th scope="col">{locale.t("console-col-provider")}</th>
                        <th scope="col">{locale.t("console-col-nickname")}</th>
                        <th scope="col">{locale.t("console-col-ids")}</th>
                        <th scope="col">{locale.t("console-col-linked")}</th>
                        <th scope="col">{locale.t("console-col-last-used")}</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>
                    {identities
                        .into_iter()
                        .map(|identity| {
                            let unlink = format!("/admin/people/{user}/identities/{}/unlink", identity.id);
                            view! {
                                <tr data-identity=identity.provider.clone()>
                                    <td>{provider_name(locale, &identity.provider)}</td>
                                    <td>{identity.nickname}</td>
                                    <td class="console-ids">
                                        {identity
                                            .unionid
                                            .map(|u| view! { <div>"unionid: " <code data-unionid="">{u}</code></div> })}
                                        {identity
                                            .openids
                                            .into_iter()
                                            .map(|(app, openid)| {
                                                view! { <div>"openid (" {app} "): " <code data-openid="">{openid}</code></div> }
                                            })
                                            .collect_view()}
                                        <div>{locale.t("console-subject")} ": " <code>{identity.subject}</code></div>
                                    </td>
                                    <td>{minute(identity.linked_at)}</td>
                                    <td>{minute(identity.last_used_at)}</td>
                                    <td>
                                        {(!last)
                                            .then(|| {
                                                view! {
                                                    <form method="post" action=unlink>
                                                        <button class="button small" type="submit" data-action="unlink" disabled=!fresh>
                                                            {locale.t("account-unlink")}
                                                        </button>
                                                    </form>
                                                }
                                            })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn sessions_table(
    locale: Locale,
    user: i64,
    sessions: Vec<crate::entities::session::Model>,
    fresh: bool,
) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="empty">{locale.t("console-no-sessions")}</p> }.into_any();
    }
    view! {
        <div class="console-scroll">
            <table class="console-table" data-sessions="">
                <thead>
                    <tr>
                        <th scope="col">{locale.t("console-col-device")}</th>
                        <th scope="col">{locale.t("console-col-provider")}</th>
                        <th scope="col">{locale.t("console-col-signed-in")}</th>
                        <th scope="col">{locale.t("console-col-last-seen")}</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>
                    {sessions
                        .into_iter()
                        .map(|session| {
                            let end = format!("/admin/people/{user}/sessions/{}/end", session.id);
                            let device = [session.agent, session.network]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join(" · ");
                            view! {
                                <tr data-session=session.id.to_string()>
                                    <td>{device}</td>
                                    <td>{session.method.map(|m| provider_name(locale, &m)).unwrap_or_default()}</td>
                                    <td>{minute(session.created_at)}</td>
                                    <td>{minute(session.last_seen_at)}</td>
                                    <td>
                                        <form method="post" action=end>
                                            <button class="button small" type="submit" data-action="end-session" disabled=!fresh>
                                                {locale.t("account-session-end")}
                                            </button>
                                        </form>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[derive(Debug, Deserialize)]
pub struct MergeTarget {
    into: Option<i64>,
    /// `confirm-mismatch` after a username typed wrong.
    error: Option<String>,
}

/// The confirmation a merge needs: both accounts side by side, and the emptied one's username
/// typed out.
pub async fn merge_page(
    admin: Administrator,
    State(app): State<AppState>,
    Path(from): Path<i64>,
    Query(target): Query<MergeTarget>,
) -> Response {
    let locale = admin.frame.locale;
    let back = format!("/admin/people/{from}");
    let target_error = target.error;
    let Some(into) = target.into.filter(|into| *into != from) else {
        return crate::routes::redirect::see_other(&format!("{back}?error=not-mergeable"));
    };
    let (source, target) = match (app.auth.person(from).await, app.auth.person(into).await) {
        (Ok(Some(source)), Ok(Some(target))) => (source, target),
        (Ok(_), Ok(_)) => {
            return crate::routes::redirect::see_other(&format!("{back}?error=not-found"));
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "cannot read the accounts to merge");
            return layout::outage(&admin.frame);
        }
    };
    let fresh = admin.is_fresh(Utc::now());
    let explain = locale.t_with(
        "console-merge-explain",
        &[
            ("from", format!("@{} (#{})", source.account.username, from)),
            ("into", format!("@{} (#{})", target.account.username, into)),
        ],
    );
    let confirm_label = locale.t_with(
        "console-merge-type",
        &[("username", source.account.username.clone())],
    );
    let button = locale.t_with(
        "console-merge-confirm",
        &[
            ("from", format!("@{}", source.account.username)),
            ("into", format!("@{}", target.account.username)),
        ],
    );
    let side = |person: PersonRecord, heading: String| {
        let methods = person
            .identities
            .iter()
            .map(|i| provider_name(locale, &i.provider))
            .collect::<Vec<_>>()
            .join(", ");
        view! {
            <section class="card console-card">
                <h2>{heading}</h2>
                <p class="profile-name">{person.account.display_name}</p>
                <p class="profile-username">{format!("@{} · #{}", person.account.username, person.account.id)}</p>
                <p>{locale.t("console-col-methods")} ": " {methods}</p>
            </section>
        }
    };
    let mismatch = (target_error.as_deref() == Some("confirm-mismatch"))
        .then(|| locale.t("console-error-confirm-mismatch"));
    let body = view! {
        {fresh_notice(locale, fresh, &back)}
        {mismatch.map(|text| view! { <p class="alert" role="alert" data-error="">{text}</p> })}
        <div class="console-merge">
            {side(source, locale.t("console-merge-from"))}
            {side(target, locale.t("console-merge-to"))}
        </div>
        <p class="notice" data-merge-explain="">{explain}</p>
        <form method="post" action=format!("/admin/people/{from}/merge") class="console-merge-confirm">
            <input type="hidden" name="into" value=into.to_string()/>
            <label>
                <span>{confirm_label}</span>
                <input type="text" name="confirm_username" required=true autocomplete="off"/>
            </label>
            <button class="button danger" type="submit" data-action="merge" disabled=!fresh>{button}</button>
            <a class="button small" href=back.clone()>{locale.t("console-cancel")}</a>
        </form>
    };
    layout::page(
        &admin.frame,
        Some(Section::People),
        locale.t("console-merge-title"),
        body,
    )
}
