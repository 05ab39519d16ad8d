//! `/admin/webhooks`: register an endpoint, list and disable endpoints, and the delivery log.

use crate::accounts::Role;
use crate::app::use_texts;
use crate::components::common::{ErrorText, FormError, FormNotice, date_time};
use crate::components::guard::RequireRole;
use crate::webhooks::api::{
    DisableWebhook, RegisterWebhook, list_webhook_deliveries, list_webhooks,
};
use crate::webhooks::{DeliveryStatus, DeliveryView, EventType, WebhookView};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! {
        <RequireRole role=Role::Admin>
            <WebhooksAdmin />
        </RequireRole>
    }
}

#[component]
fn WebhooksAdmin() -> impl IntoView {
    let t = use_texts();
    let endpoints = Resource::new(|| (), |_| list_webhooks());
    let deliveries = Resource::new(|| (), |_| list_webhook_deliveries());
    view! {
        <Title text=t.get_untracked().webhooks.title />
        <section class="panel" aria-labelledby="page-title">
            <p><a href="/admin">{move || t.get().admin_title}</a></p>
            <h1 id="page-title">{move || t.get().webhooks.title}</h1>
            <p>{move || t.get().webhooks.intro}</p>
            <FormError />
            <FormNotice />
            <h2>{move || t.get().webhooks.endpoints}</h2>
            <Suspense fallback=move || view! { <p>{move || t.get().loading}</p> }>
                {move || Suspend::new(async move {
                    match endpoints.await {
                        Ok(list) => view! { <EndpointTable endpoints=list /> }.into_any(),
                        Err(e) => view! { <ErrorText error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="panel" aria-labelledby="register-title">
            <h2 id="register-title">{move || t.get().webhooks.register_title}</h2>
            <form method="post" action=RegisterWebhook::PATH class="grid-form" id="register-webhook">
                <label for="webhook-url">{move || t.get().webhooks.url}</label>
                <input id="webhook-url" name="url" type="url" required placeholder="https://" />
                <label for="webhook-secret">{move || t.get().webhooks.secret}</label>
                <input id="webhook-secret" name="secret" type="password" required minlength="16" autocomplete="off" aria-describedby="webhook-secret-hint" />
                <p id="webhook-secret-hint" class="muted">{move || t.get().webhooks.secret_hint}</p>
                <fieldset class="roles">
                    <legend>{move || t.get().webhooks.events}</legend>
                    {EventType::ALL
                        .into_iter()
                        .enumerate()
                        .map(|(i, event)| {
                            let id = format!("event-{}", event.code().replace('.', "-"));
                            let name = format!("event_{}", event.code().replace('.', "_"));
                            let label_for = id.clone();
                            view! {
                                <label class="checkbox" for=label_for>
                                    <input type="checkbox" id=id name=name value="on" />
                                    <code>{event.code()}</code>
                                    " — "
                                    {move || t.get().webhooks.event_descriptions[i]}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <button type="submit" class="button">{move || t.get().webhooks.register}</button>
            </form>
        </section>
        <section class="panel" aria-labelledby="log-title">
            <h2 id="log-title">{move || t.get().webhooks.log_title}</h2>
            <Suspense fallback=move || view! { <p>{move || t.get().loading}</p> }>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Ok(list) => view! { <DeliveryLog deliveries=list /> }.into_any(),
                        Err(e) => view! { <ErrorText error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn EndpointTable(endpoints: Vec<WebhookView>) -> impl IntoView {
    let t = use_texts();
    if endpoints.is_empty() {
        return view! { <p>{move || t.get().webhooks.none}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="webhooks">
                <thead>
                    <tr>
                        <th scope="col">{move || t.get().webhooks.url}</th>
                        <th scope="col">{move || t.get().webhooks.events}</th>
                        <th scope="col">{move || t.get().webhooks.deliveries}</th>
                        <th scope="col">{move || t.get().webhooks.state}</th>
                    </tr>
                </thead>
                <tbody>
                    {endpoints
                        .into_iter()
                        .map(|endpoint| {
                            let enabled = endpoint.disabled_at.is_none();
                            let id = endpoint.id.clone();
                            let (pending, delivered, failed) =
                                (endpoint.pending, endpoint.delivered, endpoint.failed);
                            view! {
                                <tr>
                                    <td>
                                        <code>{endpoint.url.clone()}</code>
                                        <br />
                                        <span class="muted">
                                            {move || t.get().webhooks.registered_at}": "
                                            {date_time(&endpoint.created_at)}
                                        </span>
                                    </td>
                                    <td>{endpoint.events.join(", ")}</td>
                                    <td>
                                        {move || format!(
                                            "{pending} {} · {delivered} {} · {failed} {}",
                                            t.get().webhooks.pending,
                                            t.get().webhooks.delivered,
                                            t.get().webhooks.failed,
                                        )}
                                    </td>
                                    <td>
                                        <span class=if enabled { "status ok" } else { "status off" }>
                                            {move || if enabled { t.get().webhooks.enabled } else { t.get().webhooks.disabled }}
                                        </span>
                                        <Show when=move || enabled>
                                            <form method="post" action=DisableWebhook::PATH>
                                                <input type="hidden" name="webhook_id" value=id.clone() />
                                                <button type="submit" class="button small secondary">
                                                    {move || t.get().webhooks.disable}
                                                </button>
                                            </form>
                                        </Show>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DeliveryLog(deliveries: Vec<DeliveryView>) -> impl IntoView {
    let t = use_texts();
    if deliveries.is_empty() {
        return view! { <p>{move || t.get().webhooks.log_empty}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="deliveries">
                <thead>
                    <tr>
                        <th scope="col">{move || t.get().webhooks.occurred}</th>
                        <th scope="col">{move || t.get().webhooks.event}</th>
                        <th scope="col">{move || t.get().webhooks.url}</th>
                        <th scope="col">{move || t.get().webhooks.status}</th>
                        <th scope="col">{move || t.get().webhooks.attempts}</th>
                        <th scope="col">{move || t.get().webhooks.last_error}</th>
                    </tr>
                </thead>
                <tbody>
                    {deliveries
                        .into_iter()
                        .map(|delivery| {
                            let status = delivery.status;
                            let class = match status {
                                DeliveryStatus::Delivered => "status ok",
                                DeliveryStatus::Pending => "status",
                                DeliveryStatus::Failed => "status off",
                            };
                            let answer = match (delivery.last_status_code, delivery.last_error.clone()) {
                                (_, Some(error)) => error,
                                (Some(code), None) => format!("HTTP {code}"),
                                (None, None) => String::new(),
                            };
                            view! {
                                <tr data-delivery=delivery.id.clone()>
                                    <td>{date_time(&delivery.occurred_at)}</td>
                                    <td><code>{delivery.event_type.clone()}</code></td>
                                    <td><code>{delivery.webhook_url.clone()}</code></td>
                                    <td>
                                        <span class=class>
                                            {move || match status {
                                                DeliveryStatus::Pending => t.get().webhooks.status_pending,
                                                DeliveryStatus::Delivered => t.get().webhooks.status_delivered,
                                                DeliveryStatus::Failed => t.get().webhooks.status_failed,
                                            }}
                                        </span>
                                        {delivery.next_attempt_at.map(|next| view! {
                                            <br />
                                            <span class="muted">
                                                {move || t.get().webhooks.next_attempt}": "
                                                {date_time(&next)}
                                            </span>
                                        })}
                                    </td>
                                    <td>{delivery.attempts}</td>
                                    <td class="error-text">{answer}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
