//! Small pieces shared by pages: dates, progress bars, error display, the fallback note.

use crate::app::use_texts;
use crate::error::AppError;
use crate::pages::errors::{ForbiddenPage, NotFoundPage};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Dates as `2026-11-23`: unambiguous in every language.
pub fn date(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

pub fn date_time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A server-function error as the page shows it: 404 and 403 pages, a redirect to sign in,
/// the translated "briefly unavailable" note, or the message.
pub fn error_view(error: AppError) -> AnyView {
    match error {
        AppError::NotFound => view! { <NotFoundPage /> }.into_any(),
        AppError::Forbidden => view! { <ForbiddenPage /> }.into_any(),
        AppError::NotSignedIn => view! { <Redirect path="/login" /> }.into_any(),
        AppError::Unavailable => {
            let t = use_texts();
            view! {
                <section class="panel error-page" id="unavailable">
                    <h1>{move || t.get().unavailable_title}</h1>
                    <p class="error" role="alert">{move || t.get().unavailable_body}</p>
                </section>
            }
            .into_any()
        }
        other => {
            let t = use_texts();
            view! {
                <section class="panel">
                    <h1>{move || t.get().error_title}</h1>
                    <p class="error" role="alert">{other.to_string()}</p>
                </section>
            }
            .into_any()
        }
    }
}

/// The one line a form shows for a failed action: the translated note when the service is
/// briefly unavailable, the error's own message otherwise.
pub fn error_text(error: &AppError) -> String {
    match error {
        AppError::Unavailable => use_texts().get_untracked().unavailable_body.to_string(),
        other => other.to_string(),
    }
}

#[component]
pub fn ProgressBar(done: u32, total: u32, label: String) -> impl IntoView {
    let t = use_texts();
    view! {
        <div class="progress-row">
            <progress max=total.max(1).to_string() value=done.to_string() aria-label=label></progress>
            <span class="muted">{done}" / "{total}" "{move || t.get().steps_done}</span>
        </div>
    }
}

#[component]
pub fn FallbackNote(shown: bool) -> impl IntoView {
    let t = use_texts();
    shown.then(
        || view! { <p class="notice fallback" role="note">{move || t.get().fallback_notice}</p> },
    )
}

#[component]
pub fn Loading() -> impl IntoView {
    let t = use_texts();
    view! { <p class="muted">{move || t.get().loading}</p> }
}

/// The `?error=` a form handler sent the browser back with (forms posted without JavaScript).
#[component]
pub fn FormError() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    move || {
        query
            .read()
            .get("error")
            .filter(|e| !e.is_empty())
            .map(|e| view! { <p class="error" role="alert" id="form-error">{e}</p> })
    }
}
