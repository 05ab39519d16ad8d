//! `/dashboard`: the signed-in person's home.

use crate::app::{use_session, use_texts};
use crate::components::guard::RequireRole;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <RequireRole>
            {move || {
                let me = use_session().me;
                let name = me.as_ref().map(|m| m.display_name.clone()).unwrap_or_default();
                let roles = me.map(|m| m.roles).unwrap_or_default();
                view! {
                    <Title text=move || t.get().dashboard_title />
                    <section class="panel" aria-labelledby="page-title">
                        <h1 id="page-title">{move || t.get().welcome}", "{name.clone()}</h1>
                        <p>{move || t.get().dashboard_intro}</p>
                        <h2>{move || t.get().your_roles}</h2>
                        <ul class="tags" id="my-roles">
                            {roles
                                .into_iter()
                                .map(|role| view! { <li class="tag">{move || role.label(t.get())}</li> })
                                .collect_view()}
                        </ul>
                    </section>
                }
            }}
        </RequireRole>
    }
}
