//! Friendly 403 and 404 pages that also set the status code.

use crate::app::use_texts;
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
fn set_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

#[component]
pub fn ForbiddenPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_status(http::StatusCode::FORBIDDEN);
    let t = use_texts();
    view! {
        <Title text=t.get_untracked().forbidden_title />
        <section class="panel error-page" aria-labelledby="page-title">
            <h1 id="page-title">"403 — "{move || t.get().forbidden_title}</h1>
            <p>{move || t.get().forbidden_body}</p>
            <p><a href="/">{move || t.get().back_home}</a></p>
        </section>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_status(http::StatusCode::NOT_FOUND);
    let t = use_texts();
    view! {
        <Title text=t.get_untracked().not_found_title />
        <section class="panel error-page" aria-labelledby="page-title">
            <h1 id="page-title">"404 — "{move || t.get().not_found_title}</h1>
            <p>{move || t.get().not_found_body}</p>
            <p><a href="/">{move || t.get().back_home}</a></p>
        </section>
    }
}
