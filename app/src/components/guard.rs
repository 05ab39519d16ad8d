//! Role checks for pages. The server decides: the status code is set while rendering, and a
//! page's data comes from server functions that check again.

use crate::accounts::Role;
use crate::app::use_session;
use crate::pages::errors::ForbiddenPage;
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

/// Renders `children` for a signed-in person holding `role` (any signed-in person when
/// `role` is `None`); sends everyone else to sign in, or shows 403.
#[component]
pub fn RequireRole(#[prop(optional)] role: Option<Role>, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    match session.me {
        None => {
            let location = use_location();
            let next = location.pathname.get_untracked();
            view! { <Redirect path=format!("/login?next={next}") /> }.into_any()
        }
        Some(me) if role.is_some_and(|role| !me.has_role(role)) => {
            view! { <ForbiddenPage /> }.into_any()
        }
        Some(_) => children().into_any(),
    }
}
