//! Page header with role-aware navigation, and the footer.

use crate::accounts::Role;
use crate::app::{use_session, use_texts};
use crate::components::language_switch::LanguageSwitch;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let me = session.me.clone();
    let is_admin = me.as_ref().is_some_and(|m| m.has_role(Role::Admin));
    let is_compliance = me.as_ref().is_some_and(|m| m.has_role(Role::Compliance));
    let console = crate::compliance::texts::console_texts(crate::app::use_lang().get_untracked());
    let signed_in = me.is_some();
    let name = me.map(|m| m.display_name).unwrap_or_default();
    view! {
        <header class="site-header">
            <div class="brand">
                <a href="/" class="brand-name">{move || t.get().app_name}</a>
                <span class="brand-tagline">{move || t.get().tagline}</span>
            </div>
            <nav aria-label=move || t.get().main_navigation class="main-nav">
                <ul>
                    <Show when=move || signed_in>
                        <li><A href="/dashboard">{move || t.get().nav_dashboard}</A></li>
                        <li><A href="/courses">{move || t.get().nav_courses}</A></li>
                        <li><A href="/account">{move || t.get().nav_account}</A></li>
                    </Show>
                    <li><A href="/policy">{move || t.get().nav_policy}</A></li>
                    <Show when=move || is_compliance>
                        <li><A href="/compliance">{console.nav_compliance}</A></li>
                    </Show>
                    <Show when=move || is_admin>
                        <li><A href="/admin">{move || t.get().nav_admin}</A></li>
                    </Show>
                </ul>
            </nav>
            <div class="header-tools">
                <LanguageSwitch />
                {if signed_in {
                    view! {
                        <form method="post" action="/logout" class="sign-out">
                            <span class="signed-in-as">
                                <span class="visually-hidden">{move || t.get().signed_in_as}" "</span>
                                {name.clone()}
                            </span>
                            <button type="submit" class="button secondary">{move || t.get().sign_out}</button>
                        </form>
                    }
                        .into_any()
                } else {
                    view! { <a href="/login" class="button">{move || t.get().sign_in}</a> }.into_any()
                }}
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    let t = use_texts();
    view! {
        <footer class="site-footer">
            <p>{move || t.get().app_name}" — "{move || t.get().tagline}</p>
        </footer>
    }
}
