//! `GET /admin`: the last 30 days at a glance: sign-ins per provider per day, new accounts,
//! QR sign-ins started and confirmed, and the failures by kind and by the provider's code
//! (a spike of WeChat's 40029 or of `misconfigured` is a broken deployment).

use axum::extract::State;
use axum::response::Response;
use leptos::prelude::*;

use crate::audit::Kind;
use crate::console::access::Administrator;
use crate::console::charts::{self, COLORS, Series};
use crate::console::layout::{self, Section, provider_name};
use crate::state::AppState;

const DAYS: u32 = 30;

pub async fn page(admin: Administrator, State(app): State<AppState>) -> Response {
    let locale = admin.frame.locale;
    let figures = match app.auth.dashboard(DAYS).await {
        Ok(figures) => figures,
        Err(e) => {
            tracing::error!(error = %e, "cannot count the dashboard's figures");
            return layout::outage(&admin.frame);
        }
    };
    let sign_ins: Vec<Series> = figures
        .sign_ins
        .iter()
        .enumerate()
        .map(|(i, (provider, values))| Series {
            label: provider_name(locale, provider),
            values: values.clone(),
            color: COLORS[i % COLORS.len()],
        })
        .collect();
    let count = locale.t("console-chart-count");
    let sign_in_chart = charts::daily_lines(&figures.days, &sign_ins, &count);
    let sign_up_chart = charts::daily_lines(
        &figures.days,
        &[Series {
            label: locale.t("console-chart-new-accounts"),
            values: figures.sign_ups.clone(),
            color: COLORS[1],
        }],
        &count,
    );
    let qr_chart = charts::daily_lines(
        &figures.days,
        &[
            Series {
                label: locale.t("console-chart-qr-started"),
                values: figures.qr_started.clone(),
                color: COLORS[4],
            },
            Series {
                label: locale.t("console-chart-qr-confirmed"),
                values: figures.qr_confirmed.clone(),
                color: COLORS[0],
            },
        ],
        &count,
    );
    let failure_kinds: Vec<(String, u64)> = figures
        .failures_by_kind
        .iter()
        .map(|(kind, n)| (failure_name(locale, kind), *n))
        .collect();
    let failures_chart = charts::bars(&failure_kinds, COLORS[2], &count);

    let totals = [
        ("console-total-sign-ins", figures.total_sign_ins()),
        ("console-total-new-accounts", figures.sign_ups.iter().sum()),
        (
            "console-total-qr-confirmed",
            figures.qr_confirmed.iter().sum(),
        ),
        (
            "console-total-failures",
            figures.failures_by_kind.iter().map(|(_, n)| n).sum(),
        ),
    ];
    let codes = figures.failures_by_code.clone();
    let failed = Kind::SignInFailed.as_str();
    let body = view! {
        <p class="subtitle">{locale.t("console-dashboard-period")}</p>
        <ul class="console-totals">
            {totals
                .into_iter()
                .map(|(key, n)| {
                    view! {
                        <li>
                            <span class="console-total-figure" data-total=key>{n.to_string()}</span>
                            <span class="console-total-label">{locale.t(key)}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <div class="console-charts">
            {chart(locale.t("console-chart-sign-ins"), sign_in_chart, "sign-ins")}
            {chart(locale.t("console-chart-new-accounts"), sign_up_chart, "new-accounts")}
            {chart(locale.t("console-chart-qr"), qr_chart, "qr")}
            {chart(locale.t("console-chart-failures"), failures_chart, "failures")}
        </div>
        <h2>{locale.t("console-failure-codes")}</h2>
        {if codes.is_empty() {
            view! { <p class="empty">{locale.t("console-no-failure-codes")}</p> }.into_any()
        } else {
            view! {
                <div class="console-scroll">
                    <table class="console-table" data-failure-codes="">
                        <thead>
                            <tr>
                                <th scope="col">{locale.t("console-col-provider")}</th>
                                <th scope="col">{locale.t("console-col-code")}</th>
                                <th scope="col">{locale.t("console-col-count")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {codes
                                .into_iter()
                                .map(|(provider, code, n)| {
                                    let href = format!("/admin/audit?kind={failed}&provider={provider}");
                                    view! {
                                        <tr>
                                            <td>{provider_name(locale, &provider)}</td>
                                            <td><a href=href>{code}</a></td>
                                            <td>{n.to_string()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
    };
    layout::page(
        &admin.frame,
        Some(Section::Dashboard),
        locale.t("console-dashboard-title"),
        body,
    )
}

/// A chart with its caption; the SVG is described for screen readers by the caption.
fn chart(title: String, svg: String, name: &'static str) -> impl IntoView {
    view! {
        <figure class="console-chart" data-chart=name>
            <figcaption>{title.clone()}</figcaption>
            <div class="console-chart-svg" role="img" aria-label=title inner_html=svg></div>
        </figure>
    }
}

/// A kind of failure (`invalid_code`) in the visitor's language, or as stored when unknown.
fn failure_name(locale: crate::i18n::Locale, kind: &str) -> String {
    match crate::model::LoginError::parse(kind) {
        Some(error) => locale.t(&format!("console-failure-{}", error.as_str())),
        None => kind.to_string(),
    }
}
