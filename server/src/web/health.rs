//! `/healthz` (the process is alive) and `/readyz` (it can reach its database).

use super::AppState;
use axum::{extract::State, http::StatusCode, response::IntoResponse};
use std::time::Duration;

/// `/readyz` answers within this time even when the database hangs (a frozen server, an
/// exhausted pool), well before the pool's own 10-second wait.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let not_ready = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(
            axum::http::header::RETRY_AFTER,
            app::error::RETRY_AFTER_SECONDS.to_string(),
        )],
        "database unreachable",
    );
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check: database unreachable");
            not_ready.into_response()
        }
        Err(_) => {
            tracing::warn!("readiness check: no answer from the database within 2 s");
            not_ready.into_response()
        }
    }
}
