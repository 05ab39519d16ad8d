//! Small pieces shared by pages: dates, progress bars, error display, the fallback note.

use crate::app::{use_lang, use_texts};
use crate::error::AppError;
use crate::pages::errors::{ForbiddenPage, NotFoundPage};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// A date in the reader's language, following the language switch.
pub fn date(at: &DateTime<Utc>) -> impl Fn() -> String + Send + Sync + Clone + 'static {
    let (at, lang) = (*at, use_lang());
    move || lang.get().date(&at)
}

/// A date and time in the reader's language, said to be UTC.
pub fn date_time(at: &DateTime<Utc>) -> impl Fn() -> String + Send + Sync + Clone + 'static {
    let (at, lang) = (*at, use_lang());
    move || lang.get().date_time_utc(&at)
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
                    <ErrorText error=other />
                </section>
            }
            .into_any()
        }
    }
}

/// A duration in the reader's language: "4 min 12 s", "4 Min. 12 Sek.".
pub fn duration_text(seconds: i64) -> impl Fn() -> String + Send + Sync + Clone + 'static {
    let lang = use_lang();
    move || {
        let (minutes, seconds) = (seconds.max(0) / 60, seconds.max(0) % 60);
        match lang.get() {
            crate::i18n::Lang::En => format!("{minutes} min {seconds} s"),
            crate::i18n::Lang::De => format!("{minutes} Min. {seconds} Sek."),
        }
    }
}

/// An error as the reader sees it, in their language.
#[component]
pub fn ErrorText(error: AppError) -> impl IntoView {
    let lang = use_lang();
    view! { <p class="error" role="alert">{move || error.message(lang.get())}</p> }
}

/// The error behind `?error=<code>&n=<number>`, as form handlers send the browser back with;
/// unknown codes are not shown.
pub fn error_from_query(code: Option<String>, number: Option<String>) -> Option<AppError> {
    let number = number.and_then(|n| n.parse::<u32>().ok());
    code.and_then(|code| AppError::from_code(&code, number))
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

/// The `?notice=` a form's server function sent the browser back with after a success.
#[component]
pub fn FormNotice() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let lang = use_lang();
    move || {
        let code = query.read().get("notice")?;
        let notice = crate::notice::Notice::from_code(&code)?;
        Some(
            view! { <p class="notice" role="status" id="form-notice">{notice.message(lang.get())}</p> },
        )
    }
}

/// The `?error=` a form handler sent the browser back with.
#[component]
pub fn FormError() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let lang = use_lang();
    move || {
        let query = query.read();
        error_from_query(query.get("error"), query.get("n")).map(|error| {
            view! { <p class="error" role="alert" id="form-error">{error.message(lang.get())}</p> }
        })
    }
}
