//! Server functions for the policy: reading is public, acknowledging needs a session.

use super::PolicyPage;
#[cfg(feature = "ssr")]
use crate::accounts::api::{current_session, database, request_lang, require_signed_in};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "policy/current")]
pub async fn get_policy() -> Result<PolicyPage, AppError> {
    let reader = current_session().map(|s| s.me.id);
    Ok(super::server::policy_page(&database()?, reader, request_lang()).await?)
}

/// Acknowledges the policy version the reader read.
#[server(prefix = "/api", endpoint = "policy/acknowledge")]
pub async fn acknowledge_policy(version_id: String) -> Result<(), AppError> {
    let me = require_signed_in()?;
    let version =
        uuid::Uuid::parse_str(version_id.trim()).map_err(|_| AppError::NotFound.with_status())?;
    super::server::acknowledge(&database()?, me.id, version, chrono::Utc::now()).await?;
    leptos_axum::redirect("/policy");
    Ok(())
}
