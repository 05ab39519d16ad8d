//! The compliance console: `/compliance` (the roster with counts and charts),
//! `/compliance/people/{id}` (one person's evidence and the actions on their posting rights)
//! and `/compliance/audit` (the audit trail and its verification). Server-rendered; every
//! action is a plain form posting to a server function that checks the role again.

use crate::accounts::Role;
use crate::app::use_lang;
use crate::clearance::{Reason, Verdict};
use crate::compliance::api::{
    GrantAccount, LiftSuspension, RevokeCertificate, SuspendPerson, WithdrawAccount, get_audit,
    get_evidence, get_roster, verify_audit,
};
use crate::compliance::texts::{ConsoleTexts, console_texts};
use crate::compliance::{
    AuditPage, EXPIRY_WINDOWS, Evidence, GroupCount, Roster, RosterFilter, Standing, encode,
};
use crate::components::common::{FormError, FormNotice, Loading, date, date_time, error_view};
use crate::components::guard::RequireRole;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn texts() -> &'static ConsoleTexts {
    console_texts(use_lang().get_untracked())
}

fn standing_label(standing: Standing, t: &'static ConsoleTexts) -> &'static str {
    match standing {
        Standing::Cleared => t.standing_cleared,
        Standing::Expiring => t.standing_expiring,
        Standing::Lapsed => t.standing_lapsed,
        Standing::Never => t.standing_never,
    }
}

/// A reason in the reader's language, with its facts.
fn reason_text(reason: &Reason, t: &'static ConsoleTexts) -> impl IntoView + use<> {
    match reason.clone() {
        Reason::Deactivated => t.reason_deactivated.to_string().into_any(),
        Reason::Suspended { since, reason } => {
            view! { {t.reason_suspended}" ("{t.since}" "{date(&since)}"): "{reason} }.into_any()
        }
        Reason::PolicyNotAcknowledged { version } => {
            view! { {t.reason_policy}" "{version} }.into_any()
        }
        Reason::NoGrant => t.reason_no_grant.to_string().into_any(),
        Reason::GrantEnded { at } => view! { {t.reason_grant_ended}" "{date(&at)} }.into_any(),
        Reason::GrantWithdrawn { at } => {
            view! { {t.reason_grant_withdrawn}" "{date(&at)} }.into_any()
        }
        Reason::CertificateMissing { certification } => {
            view! { {t.reason_certificate_missing}" "{certification} }.into_any()
        }
        Reason::CertificateExpired { certification, at } => {
            view! { {t.reason_certificate_expired}" "{certification}" ("{date(&at)}")" }.into_any()
        }
        Reason::CertificateRevoked {
            certification,
            at,
            reason,
        } => view! { {t.reason_certificate_revoked}" "{certification}" ("{date(&at)}"): "{reason} }
            .into_any(),
    }
}

/// "Cleared until …" or "Not cleared" with every reason.
#[component]
fn VerdictText(verdict: Verdict) -> impl IntoView {
    let t = texts();
    if verdict.cleared {
        let until = match verdict.valid_until {
            Some(until) => view! { {t.cleared_until}" "{date(&until)} }.into_any(),
            None => view! { {t.cleared}" ("{t.no_end}")" }.into_any(),
        };
        view! { <span class="verdict verdict-yes">{until}</span> }.into_any()
    } else {
        view! {
            <span class="verdict verdict-no">{t.not_cleared}</span>
            <ul class="reasons">
                {verdict.reasons.iter().map(|r| view! { <li>{reason_text(r, t)}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    }
}

fn filter_from_query() -> RosterFilter {
    let query = use_query_map();
    let query = query.read_untracked();
    let text = |key: &str| {
        query
            .get(key)
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect()
    };
    RosterFilter {
        q: text("q"),
        department: text("department"),
        country: text("country"),
        standing: text("standing"),
        within: query
            .get("within")
            .and_then(|w| w.parse().ok())
            .unwrap_or(30),
        page: query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
    }
}

#[component]
pub fn CompliancePage() -> impl IntoView {
    view! {
        <RequireRole role=Role::Compliance>
            {move || {
                let filter = filter_from_query();
                let roster = Resource::new(move || filter.clone(), get_roster);
                view! {
                    <Title text=texts().console_title />
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            match roster.await {
                                Ok(roster) => view! { <RosterBody roster filter=filter_from_query() /> }.into_any(),
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
fn ConsoleNav() -> impl IntoView {
    let t = texts();
    view! {
        <nav class="console-nav" aria-label=t.console_title>
            <a href="/compliance">{t.roster_title}</a>
            <a href="/compliance/audit">{t.audit_title}</a>
        </nav>
    }
}

#[component]
fn RosterBody(roster: Roster, filter: RosterFilter) -> impl IntoView {
    let t = texts();
    let query = filter.query();
    let csv = format!("/compliance/roster.csv?{query}");
    let options = |values: &[String], chosen: &str| {
        values
            .iter()
            .map(|v| view! { <option value=v.clone() selected=v == chosen>{v.clone()}</option> })
            .collect_view()
    };
    view! {
        <section class="panel" aria-labelledby="page-title">
            <h1 id="page-title">{t.console_title}</h1>
            <ConsoleNav />
            <p>{t.roster_intro}</p>
            <form method="get" action="/compliance" class="filters" role="search">
                <label for="q">{crate::app::use_texts().get_untracked().search}</label>
                <input id="q" name="q" type="search" value=filter.q.clone() maxlength="200" />
                <label for="department">{crate::app::use_texts().get_untracked().department}</label>
                <select id="department" name="department">
                    <option value="">{t.any}</option>
                    {options(&roster.departments, &filter.department)}
                </select>
                <label for="country">{crate::app::use_texts().get_untracked().country}</label>
                <select id="country" name="country">
                    <option value="">{t.any}</option>
                    {options(&roster.countries, &filter.country)}
                </select>
                <label for="standing">{t.standing}</label>
                <select id="standing" name="standing">
                    <option value="">{t.any}</option>
                    {Standing::ALL.into_iter().map(|s| view! {
                        <option value=s.code() selected=filter.standing == s.code()>{standing_label(s, t)}</option>
                    }).collect_view()}
                </select>
                <label for="within">{t.expiring_within}</label>
                <select id="within" name="within">
                    {EXPIRY_WINDOWS.into_iter().map(|d| view! {
                        <option value=d.to_string() selected=filter.window_days() == d>{d}" "{t.days}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button">{t.apply_filter}</button>
            </form>
            <p><a href=csv class="button secondary" id="roster-csv">{t.export_csv}</a></p>
        </section>
        <section class="panel" aria-labelledby="totals-title">
            <h2 id="totals-title">{t.totals}</h2>
            <CountTable title=t.by_department.to_string() groups=roster.by_department.clone() totals=roster.totals.clone() />
            <CountTable title=t.by_country.to_string() groups=roster.by_country.clone() totals=roster.totals.clone() />
        </section>
        <section class="panel" aria-labelledby="people-title">
            <h2 id="people-title">{roster.matching}" "{t.people_match}</h2>
            {if roster.rows.is_empty() {
                view! { <p>{t.nobody}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="roster">
                            <thead><tr>
                                <th scope="col">{t.person}</th>
                                <th scope="col">{crate::app::use_texts().get_untracked().department}</th>
                                <th scope="col">{crate::app::use_texts().get_untracked().country}</th>
                                <th scope="col">{t.standing}</th>
                                <th scope="col">{t.clearance}</th>
                                <th scope="col">{t.policy}</th>
                            </tr></thead>
                            <tbody>
                                {roster.rows.iter().map(|row| view! {
                                    <tr data-email=row.email.clone()>
                                        <th scope="row">
                                            <a href=format!("/compliance/people/{}", row.id)>{row.display_name.clone()}</a>
                                            <br /><small>{row.email.clone()}</small>
                                        </th>
                                        <td>{row.department.clone().unwrap_or_default()}</td>
                                        <td>{row.country.clone().unwrap_or_default()}</td>
                                        <td class=format!("standing standing-{}", row.standing.code())>{standing_label(row.standing, t)}</td>
                                        <td><VerdictText verdict=row.verdict.clone() /></td>
                                        <td>{row.policy_version.map(|v| v.to_string()).unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <Pager page=roster.page pages=roster.pages base=format!("/compliance?{}", filter.query()) />
        </section>
    }
}

/// Previous and next links around "Page n of m"; `base` is the page's address with its query.
#[component]
fn Pager(page: u32, pages: u32, base: String) -> impl IntoView {
    let t = texts();
    let link = move |page: u32| format!("{base}&page={page}");
    view! {
        <nav class="pager" aria-label=t.page>
            {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">{t.previous}</a> })}
            <span>{t.page}" "{page}" "{t.of}" "{pages}</span>
            {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">{t.next}</a> })}
        </nav>
    }
}

/// Counts by group as a table, with a stacked bar per group (SVG, so no inline styles).
#[component]
fn CountTable(title: String, groups: Vec<GroupCount>, totals: GroupCount) -> impl IntoView {
    let t = texts();
    let bar = |g: &GroupCount| {
        let total = f64::from(g.total().max(1));
        let mut x = 0.0;
        let segments: Vec<_> = [
            (g.cleared, "cleared"),
            (g.expiring, "expiring"),
            (g.lapsed, "lapsed"),
            (g.never, "never"),
        ]
        .into_iter()
        .map(|(n, class)| {
            let width = f64::from(n) * 100.0 / total;
            let segment = view! { <rect x=format!("{x:.2}") y="0" width=format!("{width:.2}") height="10" class=format!("bar-{class}") /> };
            x += width;
            segment
        })
        .collect();
        view! { <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">{segments}</svg> }
    };
    view! {
        <div class="table-scroll">
            <table class="counts">
                <caption>{title}</caption>
                <thead><tr>
                    <th scope="col"></th>
                    <th scope="col">{t.standing_cleared}</th>
                    <th scope="col">{t.standing_expiring}</th>
                    <th scope="col">{t.standing_lapsed}</th>
                    <th scope="col">{t.standing_never}</th>
                    <th scope="col" class="bar-cell"></th>
                </tr></thead>
                <tbody>
                    {groups.iter().chain(std::iter::once(&totals)).map(|g| view! {
                        <tr>
                            <th scope="row">{if g.name.is_empty() { "Σ".to_string() } else { g.name.clone() }}</th>
                            <td>{g.cleared}</td><td>{g.expiring}</td><td>{g.lapsed}</td><td>{g.never}</td>
                            <td class="bar-cell">{bar(g)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn EvidencePage() -> impl IntoView {
    view! {
        <RequireRole role=Role::Compliance>
            {move || {
                let params = use_params_map();
                let evidence = Resource::new(move || params.read().get("id").unwrap_or_default(), get_evidence);
                view! {
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            match evidence.await {
                                Ok(evidence) => view! { <EvidenceBody evidence /> }.into_any(),
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
fn EvidenceBody(evidence: Evidence) -> impl IntoView {
    let t = texts();
    let person = evidence.person.clone();
    let id = person.id.to_string();
    let csv = format!("/compliance/people/{id}/evidence.csv");
    let open_suspension = evidence.suspensions.iter().any(|s| s.lifted_at.is_none());
    let live_grants: Vec<String> = evidence
        .grants
        .iter()
        .filter(|g| g.withdrawn_at.is_none())
        .map(|g| g.account_slug.clone())
        .collect();
    view! {
        <Title text=format!("{} {}", t.evidence_title, person.display_name) />
        <section class="panel" aria-labelledby="page-title">
            <h1 id="page-title">{t.evidence_title}" "{person.display_name.clone()}</h1>
            <ConsoleNav />
            <p>{person.email.clone()}" · "{person.department.clone().unwrap_or_default()}" · "{person.country.clone().unwrap_or_default()}</p>
            <FormError />
            <FormNotice />
            <p><a href=csv class="button secondary" id="evidence-csv">{t.export_csv}</a></p>
            <h2>{t.personal_accounts}</h2>
            <p id="personal-clearance"><VerdictText verdict=evidence.personal.clone() /></p>
        </section>
        <section class="panel" aria-labelledby="accounts-title">
            <h2 id="accounts-title">{t.official_accounts}</h2>
            <div class="table-scroll">
                <table class="accounts">
                    <thead><tr><th scope="col">{t.account}</th><th scope="col">{t.clearance}</th><th scope="col"></th></tr></thead>
                    <tbody>
                        {evidence.accounts.iter().map(|(account, verdict)| {
                            let granted = live_grants.contains(&account.slug);
                            view! {
                                <tr data-account=account.slug.clone()>
                                    <th scope="row">{account.handle.clone()}<br /><small>{account.platform.clone()}" · "{account.purpose.clone()}</small></th>
                                    <td><VerdictText verdict=verdict.clone() /></td>
                                    <td>{granted.then(|| view! {
                                        <form method="post" action=WithdrawAccount::PATH class="inline-form">
                                            <input type="hidden" name="user_id" value=id.clone() />
                                            <input type="hidden" name="account" value=account.slug.clone() />
                                            <label class="visually-hidden" for=format!("withdraw-{}", account.slug)>{t.withdraw_reason}</label>
                                            <input id=format!("withdraw-{}", account.slug) name="reason" type="text" required maxlength="500" placeholder=t.withdraw_reason />
                                            <button type="submit" class="button secondary">{t.withdraw}</button>
                                        </form>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <h3>{t.grant_title}</h3>
            <form method="post" action=GrantAccount::PATH class="grid-form" id="grant-form">
                <input type="hidden" name="user_id" value=id.clone() />
                <label for="grant-account">{t.account}</label>
                <select id="grant-account" name="account" required>
                    {evidence.accounts.iter().map(|(a, _)| view! { <option value=a.slug.clone()>{format!("{} ({})", a.handle, a.platform)}</option> }).collect_view()}
                </select>
                <label for="grant-reason">{t.reason}</label>
                <input id="grant-reason" name="reason" type="text" required maxlength="500" />
                <label for="grant-ends">{t.ends_on}</label>
                <input id="grant-ends" name="ends_on" type="date" />
                <button type="submit" class="button">{t.grant}</button>
            </form>
            <h3>{t.suspend_title}</h3>
            {if open_suspension {
                view! {
                    <form method="post" action=LiftSuspension::PATH id="lift-form">
                        <input type="hidden" name="user_id" value=id.clone() />
                        <button type="submit" class="button">{t.lift}</button>
                    </form>
                }.into_any()
            } else {
                view! {
                    <form method="post" action=SuspendPerson::PATH class="grid-form" id="suspend-form">
                        <input type="hidden" name="user_id" value=id.clone() />
                        <label for="suspend-reason">{t.reason}</label>
                        <input id="suspend-reason" name="reason" type="text" required maxlength="500" />
                        <button type="submit" class="button danger">{t.suspend}</button>
                    </form>
                }.into_any()
            }}
        </section>
        <EvidenceRecords evidence />
    }
}

#[component]
fn EvidenceRecords(evidence: Evidence) -> impl IntoView {
    let t = texts();
    let nothing = move || view! { <p>{t.nothing_recorded}</p> };
    view! {
        <section class="panel" aria-labelledby="certificates-title">
            <h2 id="certificates-title">{t.certificates}</h2>
            {if evidence.certificates.is_empty() { nothing().into_any() } else { view! {
                <ul class="records">
                    {evidence.certificates.iter().map(|(c, revocation)| view! {
                        <li data-certificate=c.id.clone()>
                            <strong>{c.title.clone()}</strong>" · "<code>{c.verification_code.clone()}</code>" · "
                            {date(&c.valid_from)}" – "{date(&c.expires_at)}
                            {match revocation.clone() {
                                Some(r) => view! { <p class="error">{t.reason_certificate_revoked}" "{date_time(&r.at)}": "{r.reason}</p> }.into_any(),
                                None => view! {
                                    <form method="post" action=RevokeCertificate::PATH class="inline-form">
                                        <input type="hidden" name="certificate_id" value=c.id.clone() />
                                        <label class="visually-hidden" for=format!("revoke-{}", c.id)>{t.revoke_reason}</label>
                                        <input id=format!("revoke-{}", c.id) name="reason" type="text" required maxlength="500" placeholder=t.revoke_reason />
                                        <button type="submit" class="button danger">{t.revoke}</button>
                                    </form>
                                }.into_any(),
                            }}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any() }}
        </section>
        <section class="panel" aria-labelledby="grants-title">
            <h2 id="grants-title">{t.grants}</h2>
            {if evidence.grants.is_empty() { nothing().into_any() } else { view! {
                <ul class="records">
                    {evidence.grants.iter().map(|g| view! {
                        <li>
                            <strong>{g.account_handle.clone()}</strong>" · "{date_time(&g.granted_at)}" · "{g.reason.clone()}
                            {g.ends_at.map(|end| view! { " · "{t.until}" "{date(&end)} })}
                            {g.withdrawn_at.map(|at| view! { " · "{t.reason_grant_withdrawn}" "{date_time(&at)}": "{g.withdrawal_reason.clone().unwrap_or_default()} })}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any() }}
            <h2>{t.suspensions}</h2>
            {if evidence.suspensions.is_empty() { nothing().into_any() } else { view! {
                <ul class="records">
                    {evidence.suspensions.iter().map(|s| view! {
                        <li>{date_time(&s.suspended_at)}": "{s.reason.clone()}" · "
                            {match s.lifted_at { Some(at) => view! { {t.lifted}" "{date_time(&at)} }.into_any(), None => t.in_force.into_any() }}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any() }}
        </section>
        <section class="panel" aria-labelledby="learning-title">
            <h2 id="learning-title">{t.attempts}</h2>
            {if evidence.attempts.is_empty() { nothing().into_any() } else { view! {
                <ul class="records">
                    {evidence.attempts.iter().map(|a| view! {
                        <li>{a.quiz.clone()}" · "{date_time(&a.started_at)}" · "
                            {match a.passed { Some(true) => t.passed, Some(false) => t.failed, None => t.open }}
                            {a.score_percent.map(|s| format!(" ({s} %)"))}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any() }}
            <h2>{t.acknowledgements}</h2>
            {if evidence.acknowledgements.is_empty() { nothing().into_any() } else { view! {
                <ul class="records">
                    {evidence.acknowledgements.iter().map(|(version, at)| view! { <li>{t.policy}" "{*version}" · "{date_time(at)}</li> }).collect_view()}
                </ul>
            }.into_any() }}
        </section>
        <section class="panel" aria-labelledby="events-title">
            <h2 id="events-title">{t.events}</h2>
            <AuditTable rows=evidence.events.clone() />
        </section>
    }
}

#[component]
fn AuditTable(rows: Vec<crate::compliance::AuditRow>) -> impl IntoView {
    let t = texts();
    view! {
        <div class="table-scroll">
            <table class="audit">
                <thead><tr>
                    <th scope="col">"#"</th><th scope="col">{t.time}</th><th scope="col">{t.action}</th>
                    <th scope="col">{t.by}</th><th scope="col">{t.person}</th><th scope="col">{t.details}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td>{r.seq}</td><td>{date_time(&r.occurred_at)}</td><td><code>{r.action}</code></td>
                            <td>{r.actor.unwrap_or_default()}</td><td>{r.subject.unwrap_or_default()}</td>
                            <td class="details"><code>{r.details}</code></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn AuditTrailPage() -> impl IntoView {
    view! {
        <RequireRole role=Role::Compliance>
            {move || {
                let query = use_query_map();
                let (action, subject, page, verify) = {
                    let q = query.read_untracked();
                    (
                        q.get("action").unwrap_or_default(),
                        q.get("subject").unwrap_or_default(),
                        q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1u32),
                        q.get("verify").is_some(),
                    )
                };
                let (a, s) = (action.clone(), subject.clone());
                let audit = Resource::new(move || (a.clone(), s.clone(), page), |(a, s, p)| get_audit(a, s, p));
                let check = Resource::new(move || verify, |verify| async move {
                    if verify { verify_audit().await.map(Some) } else { Ok(None) }
                });
                view! {
                    <Title text=texts().audit_title />
                    <Suspense fallback=Loading>
                        {move || {
                            let (action, subject) = (action.clone(), subject.clone());
                            Suspend::new(async move {
                                match (audit.await, check.await) {
                                    (Ok(audit), Ok(check)) => view! { <AuditBody audit check action subject /> }.into_any(),
                                    (Err(e), _) | (_, Err(e)) => error_view(e),
                                }
                            })
                        }}
                    </Suspense>
                }
            }}
        </RequireRole>
    }
}

#[component]
fn AuditBody(
    audit: AuditPage,
    check: Option<crate::audit::ChainCheck>,
    action: String,
    subject: String,
) -> impl IntoView {
    let t = texts();
    let base = format!(
        "/compliance/audit?action={}&subject={}",
        encode(&action),
        encode(&subject)
    );
    let csv = format!("/compliance/audit.csv?action={}", encode(&action));
    view! {
        <section class="panel" aria-labelledby="page-title">
            <h1 id="page-title">{t.audit_title}</h1>
            <ConsoleNav />
            <p>{t.audit_intro}</p>
            <form method="get" action="/compliance/audit" class="filters" role="search">
                <label for="action">{t.action_starts_with}</label>
                <input id="action" name="action" type="search" value=action.clone() maxlength="100" />
                <label for="subject">{t.person_email}</label>
                <input id="subject" name="subject" type="search" value=subject.clone() maxlength="254" />
                <button type="submit" class="button">{t.apply_filter}</button>
            </form>
            <p class="inline">
                <a href="/compliance/audit?verify=1" class="button" id="verify-chain">{t.verify_chain}</a>
                " "<a href=csv class="button secondary">{t.export_csv}</a>
            </p>
            {check.map(|check| {
                if check.intact() {
                    view! { <p class="notice" role="status" id="chain-result">{t.chain_intact}" "{check.checked}</p> }.into_any()
                } else if let Some(seq) = check.first_broken {
                    view! { <p class="error" role="alert" id="chain-result">{t.chain_broken}" "{seq}"."</p> }.into_any()
                } else {
                    view! { <p class="error" role="alert" id="chain-result">{t.chain_truncated}</p> }.into_any()
                }
            })}
            <AuditTable rows=audit.rows.clone() />
            <Pager page=audit.page pages=audit.pages base=base.clone() />
        </section>
    }
}
