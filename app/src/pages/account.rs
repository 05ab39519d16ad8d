//! `/account`: change one's own password.

use crate::accounts::api::ChangePassword;
use crate::app::use_texts;
use crate::components::common::{FormError, FormNotice};
use crate::components::guard::RequireRole;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <RequireRole>
            <Title text=t.get_untracked().account_title />
            <section class="panel narrow" aria-labelledby="page-title">
                <h1 id="page-title">{move || t.get().account_title}</h1>
                <h2>{move || t.get().change_password}</h2>
                <FormError />
                <FormNotice />
                <form method="post" action=ChangePassword::PATH class="stack">
                    <label for="current_password">{move || t.get().current_password}</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required />
                    <label for="new_password">{move || t.get().new_password}</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="10" required aria-describedby="new-password-hint" />
                    <p id="new-password-hint" class="hint">{move || t.get().new_password_hint}</p>
                    <button type="submit" class="button">{move || t.get().save}</button>
                </form>
            </section>
        </RequireRole>
    }
}
