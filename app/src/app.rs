//! The application shell: document, layout and routes.

use crate::accounts::SessionInfo;
use crate::components::islands::HydrationMarker;
use crate::components::layout::{Footer, Header};
use crate::i18n::Lang;
use crate::pages::{
    account::AccountPage,
    admin::AdminPage,
    certificate::{CertificateRoute, VerifyRoute},
    compliance::{AuditTrailPage, CompliancePage, EvidencePage},
    courses::{CatalogPage, CourseDetailPage, LessonReaderPage},
    dashboard::DashboardPage,
    errors::NotFoundPage,
    home::HomePage,
    login::LoginPage,
    policy::PolicyRoute,
    quiz::{AttemptRoute, QuizPage},
    webhooks::WebhooksPage,
};
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app, rendered on the server only. It also sets the
/// Content-Security-Policy with this response's nonce, so the app's own inline script that
/// hydrates the islands runs and nothing else does.
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
                // Islands mode: the browser loads code only for the `#[island]` components
                // (`components::islands`); links and forms are ordinary page loads.
                <HydrationScripts options islands=true />
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

/// The interface language of this page. Switching it is a form post that reloads the page.
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::En))
}

/// The texts of the current language.
pub fn use_texts() -> Signal<&'static crate::i18n::Texts> {
    let lang = use_lang();
    Signal::derive(move || lang.get().texts())
}

/// The whole page. Only its islands (`components::islands`) run in the browser: the rest
/// renders on the server, so the session is read from the request here.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    #[cfg(feature = "ssr")]
    let info = crate::accounts::api::session_info_for_request();
    #[cfg(not(feature = "ssr"))]
    let info = SessionInfo::default();
    provide_context(RwSignal::new(info.lang));
    provide_context(info);

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
                    <Route path=path!("/compliance") view=CompliancePage ssr=SsrMode::Async />
                    <Route path=path!("/compliance/audit") view=AuditTrailPage ssr=SsrMode::Async />
                    <Route path=path!("/compliance/people/:id") view=EvidencePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/webhooks") view=WebhooksPage ssr=SsrMode::Async />
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
        // Last in the document, so it hydrates after every other island.
        <HydrationMarker />
    }
}
