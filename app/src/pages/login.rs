//! `/login`: a plain HTML form posting to the server's `/login` handler, so signing in works
//! before (and without) WebAssembly.

use crate::app::{use_session, use_texts};
use crate::i18n::Texts;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

/// The message for an `?error=` code set by the sign-in handler.
fn error_message(code: &str, t: &'static Texts) -> Option<&'static str> {
    match code {
        "invalid" => Some(t.error_invalid_credentials),
        "deactivated" => Some(t.error_deactivated),
        "csrf" => Some(t.error_csrf),
        "missing" => Some(t.error_missing_fields),
        _ => None,
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let t = use_texts();
    let query = use_query_map();
    // The one validator for redirect targets (pages render on the server only).
    #[cfg(feature = "ssr")]
    let next = crate::redirect::next_or_default(query.read_untracked().get("next").as_deref());
    #[cfg(not(feature = "ssr"))]
    let next = String::new();
    if use_session().me.is_some() {
        return view! { <Redirect path=next /> }.into_any();
    }
    let error = move || {
        query
            .read()
            .get("error")
            .and_then(|code| error_message(&code, t.get()))
    };
    let notice = move || match query.read().get("notice").as_deref() {
        Some("signed-out") => Some(t.get().signed_out_notice),
        _ => None,
    };
    let email = move || query.read().get("email").unwrap_or_default();
    view! {
        <Title text=t.get_untracked().sign_in_title />
        <section class="panel narrow" aria-labelledby="page-title">
            <h1 id="page-title">{move || t.get().sign_in_title}</h1>
            <p>{move || t.get().sign_in_intro}</p>
            {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {move || error().map(|text| view! { <p class="error" role="alert" id="login-error">{text}</p> })}
            <form method="post" action="/login" class="stack">
                <input type="hidden" name="next" value=next />
                <label for="email">{move || t.get().email}</label>
                <input id="email" name="email" type="email" autocomplete="username" required value=email />
                <label for="password">{move || t.get().password}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required />
                <button type="submit" class="button">{move || t.get().sign_in}</button>
            </form>
        </section>
    }
    .into_any()
}
