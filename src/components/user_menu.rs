//! Who is signed in, shown in the header of every page.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

use crate::app::use_locale;

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

/// The signed-in person, as the header shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
}

#[server(endpoint = "viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, ServerFnError> {
    use crate::auth::{accounts, session_user};
    use crate::components::form::server::{app_state, session};

    let app = app_state().map_err(ServerFnError::new)?;
    let session = session().await.map_err(ServerFnError::new)?;
    let Some(user_id) = session_user::current_user_id(&session).await else {
        return Ok(None);
    };
    let user = accounts::active_user(&app.db.conn, user_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the signed-in user");
            ServerFnError::new("unavailable")
        })?;
    Ok(user.map(|u| Viewer {
        username: u.username,
        display_name: u.display_name,
        avatar_url: u.avatar_url,
    }))
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
                                {viewer
                                    .avatar_url
                                    .map(|src| view! { <img class="avatar" src=src alt="" width="28" height="28"/> })}
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
