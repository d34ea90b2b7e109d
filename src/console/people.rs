//! `GET /admin/people`: find people by username, display name, id or sign-in method, a page
//! at a time.

use axum::extract::{Query, State};
use axum::response::Response;
use leptos::prelude::*;
use providers::ProviderId;
use serde::Deserialize;

use crate::console::access::Administrator;
use crate::console::layout::{self, Section, minute, provider_name};
use crate::state::AppState;

const PER_PAGE: u64 = 20;
/// Far beyond any site's people (20 million a page of 20 at a time).
const MAX_PAGE: u64 = 1_000_000;

#[derive(Debug, Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    page: u64,
}

pub async fn page(
    admin: Administrator,
    State(app): State<AppState>,
    Query(mut search): Query<Search>,
) -> Response {
    let locale = admin.frame.locale;
    // Past any real page: the last one is shown empty, not an overflow.
    search.page = search.page.min(MAX_PAGE);
    // Only a provider we know filters; anything else is no filter at all.
    let method = search.method.parse::<ProviderId>().ok();
    let found = match app
        .auth
        .search_people(
            &search.q,
            method.map(ProviderId::as_str),
            search.page,
            PER_PAGE,
        )
        .await
    {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "cannot search people");
            return layout::outage(&admin.frame);
        }
    };
    let pages = found.total.div_ceil(PER_PAGE).max(1);
    let link = |page: u64| {
        format!(
            "/admin/people?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("q", &search.q)
                .append_pair("method", method.map_or("", ProviderId::as_str))
                .append_pair("page", &page.to_string())
                .finish()
        )
    };
    let previous = (search.page > 0).then(|| link(search.page - 1));
    let next = (search.page + 1 < pages).then(|| link(search.page + 1));
    let showing = locale.t_with(
        "console-people-count",
        &[
            ("count", found.total.to_string()),
            ("page", (search.page + 1).to_string()),
            ("pages", pages.to_string()),
        ],
    );
    let query = search.q.clone();
    let body = view! {
        <form class="console-search" method="get" action="/admin/people" role="search">
            <label>
                <span>{locale.t("console-search-label")}</span>
                <input type="search" name="q" value=query placeholder=locale.t("console-search-placeholder")/>
            </label>
            <label>
                <span>{locale.t("console-search-method")}</span>
                <select name="method">
                    <option value="">{locale.t("console-search-any-method")}</option>
                    {ProviderId::ALL
                        .into_iter()
                        .map(|id| {
                            let selected = method == Some(id);
                            view! {
                                <option value=id.as_str() selected=selected>
                                    {provider_name(locale, id.as_str())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button class="button small" type="submit">{locale.t("console-search")}</button>
        </form>
        <p class="console-count">{showing}</p>
        <div class="console-scroll">
            <table class="console-table" data-people="">
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">{locale.t("console-col-person")}</th>
                        <th scope="col">{locale.t("console-col-methods")}</th>
                        <th scope="col">{locale.t("console-col-status")}</th>
                        <th scope="col">{locale.t("console-col-created")}</th>
                    </tr>
                </thead>
                <tbody>
                    {found
                        .people
                        .into_iter()
                        .map(|person| {
                            let account = person.account;
                            let href = format!("/admin/people/{}", account.id);
                            let methods = person
                                .methods
                                .iter()
                                .map(|m| provider_name(locale, m))
                                .collect::<Vec<_>>()
                                .join(", ");
                            view! {
                                <tr data-person=account.id.to_string()>
                                    <td>{account.id.to_string()}</td>
                                    <td>
                                        <a href=href>{account.display_name}</a>
                                        <span class="console-username">{format!("@{}", account.username)}</span>
                                    </td>
                                    <td>{methods}</td>
                                    <td>{status_label(locale, &account.status, account.merged_into, account.is_admin)}</td>
                                    <td>{minute(account.created_at)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="console-pages" aria-label=locale.t("console-pages")>
            {previous.map(|href| view! { <a rel="prev" href=href>{locale.t("console-previous")}</a> })}
            {next.map(|href| view! { <a rel="next" href=href>{locale.t("console-next")}</a> })}
        </nav>
    };
    layout::page(
        &admin.frame,
        Some(Section::People),
        locale.t("console-people-title"),
        body,
    )
}

/// "Active", "Disabled", "Merged into #7", with "administrator" when it is one.
pub fn status_label(
    locale: crate::i18n::Locale,
    status: &str,
    merged_into: Option<i64>,
    is_admin: bool,
) -> String {
    let mut label = match (status, merged_into) {
        (_, Some(into)) => locale.t_with("console-status-merged", &[("into", format!("#{into}"))]),
        ("active", None) => locale.t("console-status-active"),
        _ => locale.t("console-status-disabled"),
    };
    if is_admin {
        label.push_str(" · ");
        label.push_str(&locale.t("console-status-admin"));
    }
    label
}
