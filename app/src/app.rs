//! The application shell: document, layout and routes.

use crate::accounts::SessionInfo;
use crate::components::layout::{Footer, Header};
use crate::i18n::Lang;
use crate::pages::{
    account::AccountPage,
    admin::AdminPage,
    certificate::{CertificateRoute, VerifyRoute},
    courses::{CatalogPage, CourseDetailPage, LessonReaderPage},
    dashboard::DashboardPage,
    errors::NotFoundPage,
    home::HomePage,
    login::LoginPage,
    policy::PolicyRoute,
    quiz::{AttemptRoute, QuizPage},
};
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app, rendered on the server only. It also sets the
/// Content-Security-Policy with this response's nonce, so the app's own inline hydration
/// scripts run and nothing else does.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos::nonce::use_nonce;
    use leptos_meta::{HashedStylesheet, MetaTags};

    let info = crate::accounts::api::session_info_for_request();
    let nonce = use_nonce();
    if let (Some(nonce), Some(response)) = (
        nonce.as_ref(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang=info.lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                // `/pkg/cleared.css`, or `/pkg/cleared.<hash>.css` when the release site's
                // hash.txt names it (see the server's `leptos_options`).
                <HashedStylesheet options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Who is looking and in which language; provided to every component.
pub fn use_session() -> SessionInfo {
    use_context::<SessionInfo>().unwrap_or_default()
}

/// The interface language, switchable without a reload.
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::En))
}

/// The language switch's save action: pages re-load their content when a save completes,
/// so text from the server follows the switch too.
pub fn use_language_saves() -> ServerAction<crate::accounts::api::SetLanguage> {
    use_context::<ServerAction<crate::accounts::api::SetLanguage>>().unwrap_or_default()
}

/// The texts of the current language, as a signal so that views follow a switch.
pub fn use_texts() -> Signal<&'static crate::i18n::Texts> {
    let lang = use_lang();
    Signal::derive(move || lang.get().texts())
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    // Computed from the request on the server and read back from the page while hydrating,
    // so both sides render the same navigation in the same language.
    let info = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            crate::accounts::api::session_info_for_request()
        }
        #[cfg(not(feature = "ssr"))]
        {
            SessionInfo::default()
        }
    })
    .into_inner();
    provide_context(RwSignal::new(info.lang));
    provide_context(info);
    provide_context(ServerAction::<crate::accounts::api::SetLanguage>::new());

    // Effects run only in the browser: this marks the moment the page became interactive,
    // which browser tests wait for.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    let t = use_texts();
    view! {
        // Titles are plain strings, not closures: the server evaluates the title outside the
        // render's reactive owner, where a signal read panics with "already disposed".
        <Title text=t.get_untracked().app_name />
        <Router>
            <a class="skip-link" href="#main">{move || t.get().skip_to_content}</a>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/courses") view=CatalogPage ssr=SsrMode::Async />
                    <Route path=path!("/courses/:course") view=CourseDetailPage ssr=SsrMode::Async />
                    <Route path=path!("/courses/:course/lessons/:lesson") view=LessonReaderPage ssr=SsrMode::Async />
                    <Route path=path!("/quizzes/:quiz") view=QuizPage ssr=SsrMode::Async />
                    <Route path=path!("/attempts/:id") view=AttemptRoute ssr=SsrMode::Async />
                    <Route path=path!("/policy") view=PolicyRoute ssr=SsrMode::Async />
                    <Route path=path!("/certificates/:id") view=CertificateRoute ssr=SsrMode::Async />
                    <Route path=path!("/verify/:code") view=VerifyRoute ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
