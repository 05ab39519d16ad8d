//! `/`: sends signed-in people to their dashboard and everyone else to sign in.

use crate::app::use_session;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn HomePage() -> impl IntoView {
    let target = if use_session().me.is_some() {
        "/dashboard"
    } else {
        "/login"
    };
    view! { <Redirect path=target /> }
}
