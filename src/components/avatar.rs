//! A person's picture: the avatar when the server kept one (only from the providers' avatar
//! hosts), else the first letter of their name in a circle of the same size.

use leptos::prelude::*;

#[component]
pub fn Avatar(
    src: Option<String>,
    /// The name whose initial stands in for a missing picture.
    name: String,
    size: u32,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let class = if large { "avatar large" } else { "avatar" };
    match src {
        Some(src) => view! { <img class=class src=src alt="" width=size height=size/> }.into_any(),
        None => {
            // Sized by the stylesheet (`data-size`): no inline style for the CSP to allow.
            view! {
                <span class=format!("{class} avatar-initial") data-size=size aria-hidden="true">
                    {initial(&name)}
                </span>
            }
            .into_any()
        }
    }
}

/// The first visible character, capitalised where the script has case; `?` for none.
fn initial(name: &str) -> String {
    name.trim()
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_initial_is_the_first_letter() {
        assert_eq!(super::initial(" xiaoming"), "X");
        assert_eq!(super::initial("小明"), "小");
        assert_eq!(super::initial(""), "?");
    }
}
