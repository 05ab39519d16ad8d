//! CSV exports of the compliance console: the roster as filtered, one person's evidence and
//! the audit trail. Signed-in compliance officers only (the session middleware has run).

use super::AppState;
use app::accounts::Role;
use app::accounts::server::CurrentSession;
use app::compliance::RosterFilter;
use app::error::DomainError;
use axum::{
    Extension,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

fn forbidden(session: Option<&CurrentSession>) -> Option<Response> {
    match session {
        None => Some(StatusCode::UNAUTHORIZED.into_response()),
        Some(s) if !s.me.has_role(Role::Compliance) => Some(StatusCode::FORBIDDEN.into_response()),
        Some(_) => None,
    }
}

fn csv(result: Result<String, DomainError>, file: &str) -> Response {
    match result {
        Ok(body) => {
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(DomainError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(DomainError::Invalid(_)) => StatusCode::BAD_REQUEST.into_response(),
        Err(DomainError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Err(error) => {
            tracing::error!(%error, "export failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Deserialize, Default)]
pub struct RosterQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    standing: String,
    within: Option<u32>,
}

pub async fn roster(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    query: Result<Query<RosterQuery>, QueryRejection>,
) -> Response {
    if let Some(refusal) = forbidden(session.as_deref()) {
        return refusal;
    }
    let Ok(Query(query)) = query else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let filter = RosterFilter {
        q: query.q,
        department: query.department,
        country: query.country,
        standing: query.standing,
        within: query.within.unwrap_or(30),
        page: 1,
    };
    let result = app::compliance::server::roster_csv(&state.db, &filter, Utc::now()).await;
    csv(result, "roster.csv")
}

pub async fn evidence(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    Path(id): Path<String>,
) -> Response {
    if let Some(refusal) = forbidden(session.as_deref()) {
        return refusal;
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let result =
        app::compliance::server::evidence_csv(&state.db, app::accounts::UserId(id), Utc::now())
            .await;
    csv(result, "evidence.csv")
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
}

pub async fn audit(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    if let Some(refusal) = forbidden(session.as_deref()) {
        return refusal;
    }
    let Ok(Query(AuditQuery { action })) = query else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if action.chars().count() > 100 {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let result = app::compliance::server::audit_csv(&state.db, &action).await;
    csv(result, "audit.csv")
}
