//! Who is signed in, shown in the header of every page.

use crate::i18n::use_locale;
use crate::model::{AccountSummary, ServerError};
use leptos::prelude::*;

use crate::components::avatar::Avatar;

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
    let viewer = Resource::new(|| (), |_| get_viewer());
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
