//! Server functions for the admin's webhook page. Each is a public endpoint: admins only.

// A server function's arguments are its form fields: one checkbox per event.
#![allow(clippy::too_many_arguments)]

use super::{DeliveryView, WebhookView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::accounts::Role;
#[cfg(feature = "ssr")]
use crate::accounts::api::{database, require_role};
#[cfg(feature = "ssr")]
use crate::notice::Notice;

/// How many deliveries the log shows.
pub const LOG_LENGTH: u64 = 100;

/// Every registered endpoint, for the admin page.
#[server(prefix = "/api", endpoint = "admin/list_webhooks")]
pub async fn list_webhooks() -> Result<Vec<WebhookView>, AppError> {
    require_role(Role::Admin)?;
    Ok(super::server::list_webhooks(&database()?).await?)
}

/// The newest deliveries of every endpoint.
#[server(prefix = "/api", endpoint = "admin/list_webhook_deliveries")]
pub async fn list_webhook_deliveries() -> Result<Vec<DeliveryView>, AppError> {
    require_role(Role::Admin)?;
    Ok(super::server::list_deliveries(&database()?, None, LOG_LENGTH).await?)
}

/// Registers an endpoint from the admin form: a box per event, in `EventType::ALL` order.
#[server(prefix = "/api", endpoint = "admin/register_webhook")]
pub async fn register_webhook(
    url: String,
    secret: String,
    event_clearance_granted: Option<String>,
    event_clearance_lost: Option<String>,
    event_certificate_issued: Option<String>,
    event_certificate_revoked: Option<String>,
    event_certificate_expired: Option<String>,
) -> Result<(), AppError> {
    let me = require_role(Role::Admin)?;
    let boxes = [
        event_clearance_granted,
        event_clearance_lost,
        event_certificate_issued,
        event_certificate_revoked,
        event_certificate_expired,
    ];
    let events: Vec<String> = crate::text::ticked(super::EventType::ALL, boxes)
        .into_iter()
        .map(|event| event.code().to_string())
        .collect();
    super::server::register_webhook(
        &database()?,
        Some(me.id),
        &url,
        &secret,
        &events,
        chrono::Utc::now(),
    )
    .await?;
    Notice::WebhookRegistered.send();
    Ok(())
}

/// Disables an endpoint: nothing more is sent to it.
#[server(prefix = "/api", endpoint = "admin/disable_webhook")]
pub async fn disable_webhook(webhook_id: String) -> Result<(), AppError> {
    let me = require_role(Role::Admin)?;
    let id =
        uuid::Uuid::parse_str(webhook_id.trim()).map_err(|_| AppError::NotFound.with_status())?;
    super::server::disable_webhook(&database()?, Some(me.id), id, chrono::Utc::now()).await?;
    Notice::WebhookDisabled.send();
    Ok(())
}
