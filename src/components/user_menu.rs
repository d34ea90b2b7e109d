//! Who is signed in, shown in the header of every page.

use crate::i18n::use_locale;
use crate::model::{AccountSummary, ServerError};
use leptos::prelude::*;

use crate::components::avatar::Avatar;
use leptos_router::hooks::use_location;

/// Bumped when a form signs someone in or out or edits the profile, so the header (and any
/// page showing the account) asks the server again without a full reload.
#[derive(Debug, Clone, Copy)]
pub struct SessionChanged(RwSignal<u32>);

impl SessionChanged {
    pub fn new() -> Self {
        Self(RwSignal::new(0))
    }

    pub fn notify(self) {
        self.0.update(|n| *n = n.wrapping_add(1));
    }

    /// Reads the counter, so a resource that calls this refetches on every change.
    pub fn track(self) -> u32 {
        self.0.get()
    }
}

impl Default for SessionChanged {
    fn default() -> Self {
        Self::new()
    }
}

/// The signed-in person, as the header shows them; `None` when signed out.
#[server(endpoint = "viewer")]
pub async fn get_viewer() -> Result<Option<AccountSummary>, ServerError> {
    use crate::server_fn::{app_state, fail, signed_in, unexpected};

    let app = app_state()?;
    let who = match signed_in(&app).await {
        Ok(who) => who,
        Err(ServerError::Expired) => return Ok(None),
        Err(e) => return Err(fail(e)),
    };
    app.auth
        .account_summary(&who)
        .await
        .map(Some)
        .map_err(|e| fail(unexpected("cannot read the signed-in user", e)))
}

#[component]
pub fn UserMenu() -> impl IntoView {
    let locale = use_locale();
    let changed = use_context::<SessionChanged>().unwrap_or_default();
    let location = use_location();
    // Asked again on every navigation and every change: signing in happens on other pages.
    let viewer = Resource::new(
        move || (changed.track(), location.pathname.get()),
        |_| get_viewer(),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(viewer)) => {
                        let label = locale.t_with(
                            "nav-signed-in-as",
                            &[("name", viewer.display_name.clone())],
                        );
                        view! {
                            <a class="user-menu" href="/account" data-signed-in=viewer.username.clone() title=label>
                                <Avatar src=viewer.avatar_url.clone() name=viewer.display_name.clone() size=28/>
                                <span class="user-name">{viewer.display_name}</span>
                            </a>
                        }
                            .into_any()
                    }
                    _ => {
                        view! { <a class="user-menu" href="/login">{locale.t("nav-sign-in")}</a> }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}
