//! `/certificates/{id}` (the holder's printable certificate) and `/verify/{code}` (public).

use crate::app::use_texts;
use crate::certification::api::{get_certificate, verify_certificate};
use crate::certification::{CertificatePage, Verification, verify_href};
use crate::components::common::{Loading, date, error_view};
use crate::components::guard::RequireRole;
use crate::components::islands::PrintButton;
use crate::pages::dashboard::status_label;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CertificateRoute() -> impl IntoView {
    view! {
        <RequireRole>
            {move || {
                let params = use_params_map();
                let page = Resource::new(move || params.read().get("id").unwrap_or_default(), get_certificate);
                view! {
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            match page.await {
                                Ok(page) => view! { <CertificateBody page /> }.into_any(),
                                Err(e) => error_view(e),
                            }
                        })}
                    </Suspense>
                }
            }}
        </RequireRole>
    }
}

#[component]
fn CertificateBody(page: CertificatePage) -> impl IntoView {
    let t = use_texts();
    let c = page.certificate;
    let verify = verify_href(&c.verification_code);
    view! {
        <Title text=format!("{} — {}", c.title, page.holder_name) />
        <article class="certificate-sheet" aria-labelledby="page-title">
            <p class="certificate-kicker">{move || t.get().app_name}" · Kestrel Computing"</p>
            <h1 id="page-title">{c.title.clone()}</h1>
            <p class="certificate-awarded">{move || t.get().awarded_to}</p>
            <p class="certificate-holder">{page.holder_name.clone()}</p>
            <p class="certificate-description">{page.description.clone()}</p>
            <dl class="facts">
                <dt>{move || t.get().issued_on}</dt><dd>{date(&c.issued_at)}</dd>
                <dt>{move || t.get().valid_from}</dt><dd>{date(&c.valid_from)}</dd>
                <dt>{move || t.get().valid_until}</dt><dd>{date(&c.expires_at)}</dd>
                <dt>{move || t.get().status_label}</dt><dd id="certificate-status">{move || status_label(c.status, t.get())}</dd>
                <dt>{move || t.get().verification_code}</dt><dd><code>{c.verification_code.clone()}</code></dd>
            </dl>
            {page.revoked_reason.clone().map(|r| view! { <p class="error">{move || t.get().revoked_reason}": "{r.clone()}</p> })}
            <p class="certificate-verify">{move || t.get().verify_at}" "<a href=verify.clone() id="verify-link">{verify.clone()}</a></p>
        </article>
        <p class="print-row">
            <PrintButton label=t.get_untracked().print.to_string() />
        </p>
    }
}

#[component]
pub fn VerifyRoute() -> impl IntoView {
    let params = use_params_map();
    let result = Resource::new(
        move || params.read().get("code").unwrap_or_default(),
        verify_certificate,
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match result.await {
                    Ok(verification) => view! { <VerificationBody verification /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn VerificationBody(verification: Verification) -> impl IntoView {
    let t = use_texts();
    let v = verification;
    let ok = v.status == crate::certification::CertificateStatus::Valid;
    view! {
        <Title text=t.get_untracked().verify_title />
        <section class="panel narrow" aria-labelledby="page-title">
            <h1 id="page-title">{move || t.get().verify_title}</h1>
            <p class=if ok { "result passed" } else { "result failed" } id="verification-status">
                <strong>{move || status_label(v.status, t.get())}</strong>
            </p>
            <dl class="facts">
                <dt>{move || t.get().holder}</dt><dd>{v.holder_name.clone()}</dd>
                <dt>{move || t.get().certification}</dt><dd>{v.certification.clone()}</dd>
                <dt>{move || t.get().issued_on}</dt><dd>{date(&v.issued_at)}</dd>
                <dt>{move || t.get().valid_from}</dt><dd>{date(&v.valid_from)}</dd>
                <dt>{move || t.get().valid_until}</dt><dd>{date(&v.expires_at)}</dd>
            </dl>
        </section>
    }
}
