//! `/dashboard`: at one glance — cleared or not, until when, what is missing (each item a
//! link to the place that fixes it), courses with progress, certificates with expiry.

use crate::app::{use_session, use_texts};
use crate::certification::{CertificateStatus, certificate_href};
use crate::clearance::api::get_dashboard;
use crate::clearance::{Clearance, Dashboard, Missing};
use crate::components::common::{Loading, ProgressBar, date, error_view};
use crate::components::guard::RequireRole;
use crate::courses::course_href;
use crate::i18n::Texts;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <RequireRole>
            <DashboardContent />
        </RequireRole>
    }
}

pub fn status_label(status: CertificateStatus, t: &'static Texts) -> &'static str {
    match status {
        CertificateStatus::Valid => t.status_valid,
        CertificateStatus::NotYetValid => t.status_not_yet_valid,
        CertificateStatus::Expired => t.status_expired,
        CertificateStatus::Revoked => t.status_revoked,
    }
}

#[component]
fn DashboardContent() -> impl IntoView {
    let t = use_texts();
    let name = use_session().me.map(|m| m.display_name).unwrap_or_default();
    let dashboard = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text=t.get_untracked().dashboard_title />
        <h1 id="page-title">{move || t.get().welcome}", "{name.clone()}</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(data) => view! { <DashboardBody data /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ClearanceCard(clearance: Clearance) -> impl IntoView {
    let t = use_texts();
    let Clearance {
        cleared,
        until,
        missing,
    } = clearance;
    let class = if cleared {
        "panel clearance cleared"
    } else {
        "panel clearance not-cleared"
    };
    view! {
        <section class=class aria-labelledby="clearance-title" id="clearance">
            <h2 id="clearance-title">
                <span class="clearance-mark" aria-hidden="true">{if cleared { "✓" } else { "✗" }}</span>
                " "
                {move || if cleared { t.get().cleared_yes } else { t.get().cleared_no }}
            </h2>
            {until.map(|until| view! { <p class="until">{move || t.get().cleared_until}" "{date(&until)}</p> })}
            {cleared.then(|| view! { <p>{move || t.get().cleared_disclose}</p> })}
            {(!missing.is_empty()).then(|| view! {
                <p>{move || t.get().missing_intro}</p>
                <ul class="missing">
                    {missing.into_iter().map(|item| view! { <li><MissingItem item /></li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
fn MissingItem(item: Missing) -> impl IntoView {
    let t = use_texts();
    match item {
        Missing::Deactivated => view! { <span>{move || t.get().missing_deactivated}</span> }.into_any(),
        Missing::Suspended { since } => {
            view! { <span>{move || t.get().missing_suspended}" "{date(&since)}"."</span> }.into_any()
        }
        Missing::PolicyAcknowledgement { version } => {
            view! { <a href="/policy">{move || t.get().missing_policy}" "{version}</a> }.into_any()
        }
        Missing::Course { title, href } => {
            view! { <a href=href>{move || t.get().missing_course}": "{title.clone()}</a> }.into_any()
        }
        Missing::RenewalQuiz { title, href } => {
            view! { <a href=href>{move || t.get().missing_renewal}": "{title.clone()}</a> }.into_any()
        }
        Missing::CertificateEnded { title, at, revoked } => view! {
            <span>
                {move || if revoked { t.get().certificate_revoked_on } else { t.get().certificate_ended }}
                " "{date(&at)}" ("{title.clone()}")"
            </span>
        }
        .into_any(),
    }
}

#[component]
fn DashboardBody(data: Dashboard) -> impl IntoView {
    let t = use_texts();
    let Dashboard {
        personal,
        courses,
        certificates,
        renewals,
    } = data;
    view! {
        <ClearanceCard clearance=personal />
        {renewals.into_iter().map(|offer| view! {
            <section class="panel renewal" aria-label=move || t.get().renewal_open>
                <h2>{move || t.get().renewal_open}": "{offer.certification.clone()}</h2>
                <p>{move || t.get().cleared_until}" "{date(&offer.expires_at)}". "{move || t.get().renewal_intro}</p>
                {if offer.quizzes.is_empty() {
                    view! { <p>{move || t.get().renewal_done}</p> }.into_any()
                } else {
                    view! { <ul>{offer.quizzes.into_iter().map(|(title, href)| view! { <li><a href=href>{title}</a></li> }).collect_view()}</ul> }.into_any()
                }}
            </section>
        }).collect_view()}
        <section class="panel" aria-labelledby="courses-title">
            <h2 id="courses-title">{move || t.get().my_courses}</h2>
            <ul class="cards">
                {courses.into_iter().map(|course| {
                    let label = format!("{} {}", course.code, course.title);
                    let href = course.resume_href.clone().unwrap_or_else(|| course_href(&course.slug));
                    let complete = course.progress.is_complete();
                    view! {
                        <li class="card">
                            <h3><a href=course_href(&course.slug)>{course.code.clone()}" — "{course.title.clone()}</a></h3>
                            <ProgressBar done=course.progress.steps_done() total=course.progress.steps_total() label />
                            {if complete {
                                view! { <p class="status ok">{move || t.get().completed}</p> }.into_any()
                            } else {
                                view! { <p><a class="button small" href=href>{move || t.get().continue_label}</a></p> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="panel" aria-labelledby="certificates-title">
            <h2 id="certificates-title">{move || t.get().my_certificates}</h2>
            {if certificates.is_empty() {
                view! { <p>{move || t.get().no_certificates}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="certificates">
                            <thead><tr>
                                <th scope="col">{move || t.get().certification}</th>
                                <th scope="col">{move || t.get().valid_from}</th>
                                <th scope="col">{move || t.get().valid_until}</th>
                                <th scope="col">{move || t.get().status_label}</th>
                            </tr></thead>
                            <tbody>
                                {certificates.into_iter().map(|c| {
                                    let ok = c.status == CertificateStatus::Valid;
                                    view! {
                                        <tr>
                                            <td><a href=certificate_href(&c.id)>{c.title.clone()}</a></td>
                                            <td>{date(&c.valid_from)}</td>
                                            <td>{date(&c.expires_at)}</td>
                                            <td><span class=if ok { "status ok" } else { "status off" }>{move || status_label(c.status, t.get())}</span></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
