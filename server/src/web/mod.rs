//! The HTTP side: the router, sign-in and sign-out, and the middleware every request passes.

pub mod api;
pub mod assets;
pub mod client_address;
pub mod exports;
pub mod forms;
pub mod health;
pub mod quiz;
pub mod security;
pub mod session;
pub mod unavailable;

use crate::config::Config;
use app::accounts::cookies::SessionSettings;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What every handler can reach. Holds no per-user state, so several servers can share one
/// database behind a load balancer.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub session: SessionSettings,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    /// Requests per API token per minute, counted in this process.
    pub api_rate: api::RateLimit,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
