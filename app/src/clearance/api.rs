//! Server functions for the learner's dashboard.

use super::Dashboard;
#[cfg(feature = "ssr")]
use crate::accounts::api::{database, request_lang, require_signed_in};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    let me = require_signed_in()?;
    Ok(super::server::dashboard(&database()?, me.id, request_lang(), chrono::Utc::now()).await?)
}
