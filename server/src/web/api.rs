//! The integration API under `/api/v1`: explicit routes for other tools, Bearer tokens with
//! scopes, and one error format, RFC 9457 problem details (`application/problem+json`).
//! Cookies play no part here, so neither do sessions or the cross-site check; every answer
//! is `no-store`. `openapi.json` documents every route, and a test drives each one against it.

use super::AppState;
use app::api_tokens::Scope;
use app::api_tokens::server::{TokenRefusal, ValidToken, authenticate_token};
use app::clearance::{Reason, Verdict};
use app::error::DomainError;
use axum::{
    Json, Router,
    extract::{Path, Query, State, rejection::JsonRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{MethodRouter, get, post},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The most people one batch request may ask about; more are refused whole.
pub const MAX_BATCH: usize = 1000;
/// The OpenAPI document, kept beside the code it describes.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Requests per token per minute, counted by each app server.
#[derive(Clone)]
pub struct RateLimit {
    per_minute: u32,
    windows: Arc<Mutex<HashMap<Uuid, (Instant, u32)>>>,
}

impl RateLimit {
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit {
            per_minute,
            windows: Arc::default(),
        }
    }

    /// Counts one request; `Err(seconds)` when the token must wait that long.
    fn take(&self, token: Uuid) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let (start, count) = windows.entry(token).or_insert((now, 0));
        if now.duration_since(*start) >= Duration::from_secs(60) {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_minute {
            let wait = Duration::from_secs(60).saturating_sub(now.duration_since(*start));
            return Err(wait.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

/// Every route, as (method, path): the router is built from this list and a test compares
/// it with the OpenAPI document, so neither can gain a route the other lacks.
pub const ROUTES: [(&str, &str); 5] = [
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/clearance"),
    ("post", "/api/v1/clearance/batch"),
    ("get", "/api/v1/accounts"),
    ("get", "/api/v1/accounts/{account}/cleared"),
];

fn handler(route: (&str, &str)) -> MethodRouter<AppState> {
    match route {
        ("get", "/api/v1/openapi.json") => get(openapi),
        ("get", "/api/v1/clearance") => get(clearance),
        ("post", "/api/v1/clearance/batch") => post(clearance_batch),
        ("get", "/api/v1/accounts") => get(accounts),
        ("get", "/api/v1/accounts/{account}/cleared") => get(cleared_on_account),
        (method, path) => unreachable!("no handler for {method} {path}"),
    }
}

pub fn router() -> Router<AppState> {
    ROUTES
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route.1, handler(route))
        })
        .route("/api/v1/{*rest}", axum::routing::any(unknown_route))
}

/// An RFC 9457 problem: `type` is a stable code URI, `title` a fixed sentence, `detail` what
/// was wrong with this request.
fn problem(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Response {
    let body = json!({
        "type": format!("https://cleared.example/problems/{code}"),
        "title": title,
        "status": status.as_u16(),
        "detail": detail.into(),
        "code": code,
    });
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

fn bad_parameter(detail: impl Into<String>) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        "A parameter is missing or malformed.",
        detail,
    )
}

fn domain_problem(error: DomainError) -> Response {
    match error {
        DomainError::NotFound => problem(StatusCode::NOT_FOUND, "not_found", "Not found.", ""),
        DomainError::Unavailable(error) => {
            tracing::warn!(%error, "api: database unavailable");
            let mut response = problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The service is briefly unavailable.",
                "Try again shortly.",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(app::error::RETRY_AFTER_SECONDS),
            );
            response
        }
        DomainError::Invalid(p) | DomainError::Conflict(p) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            p.code(),
            "The request cannot be carried out.",
            p.message(app::i18n::Lang::En),
        ),
        other => {
            tracing::error!(error = %other, "api: internal error");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on the server; it has been logged.",
                "",
            )
        }
    }
}

/// The token of this request, if it is valid, holds `scope` and is within its rate.
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<ValidToken, Response> {
    let unauthorized = |code: &str, title: &str| {
        let mut response = problem(StatusCode::UNAUTHORIZED, code, title, "");
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"cleared\""),
        );
        response
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "missing_token",
            "Send an API token: Authorization: Bearer <token>.",
        ));
    };
    let presented = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    let token = match authenticate_token(&state.db, presented, Utc::now()).await {
        Ok(Ok(token)) => token,
        Ok(Err(TokenRefusal::Malformed)) => {
            return Err(unauthorized(
                "malformed_token",
                "The token is not shaped like a Cleared API token.",
            ));
        }
        Ok(Err(TokenRefusal::Unknown)) => {
            return Err(unauthorized("invalid_token", "The token is not known."));
        }
        Ok(Err(TokenRefusal::Revoked)) => {
            return Err(unauthorized("revoked_token", "The token has been revoked."));
        }
        Err(error) => return Err(domain_problem(error)),
    };
    if !token.allows(scope) {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "The token lacks the scope this needs.",
            format!("needs {}", scope.code()),
        ));
    }
    if let Err(wait) = state.api_rate.take(token.id) {
        let mut response = problem(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests with this token.",
            format!("try again in {wait} s"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Err(response);
    }
    Ok(token)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn unknown_route() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not_found",
        "No such API route.",
        "See /api/v1/openapi.json.",
    )
}

/// The time asked about (now when absent), or why it cannot be read.
fn parse_at(raw: Option<&str>) -> Result<DateTime<Utc>, &'static str> {
    match raw {
        None => Ok(Utc::now()),
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| "`at` must be an RFC 3339 time such as 2026-12-01T09:00:00Z"),
    }
}

async fn resolve_account(
    state: &AppState,
    key: Option<&str>,
) -> Result<Option<(Uuid, String)>, Response> {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    if key.len() > 100 {
        return Err(bad_parameter("`account` is too long"));
    }
    match app::official_accounts::server::find_account(&state.db, key).await {
        Ok(account) => Ok(Some((account.id, account.slug))),
        Err(DomainError::NotFound) => Err(problem(
            StatusCode::NOT_FOUND,
            "unknown_account",
            "No official account has this id or slug.",
            "",
        )),
        Err(error) => Err(domain_problem(error)),
    }
}

/// One person's answer as the API gives it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClearanceAnswer {
    pub email: String,
    pub known: bool,
    pub cleared: bool,
    pub valid_until: Option<DateTime<Utc>>,
    pub reasons: Vec<Reason>,
}

impl ClearanceAnswer {
    fn of(email: String, verdict: Verdict) -> ClearanceAnswer {
        ClearanceAnswer {
            email,
            known: true,
            cleared: verdict.cleared,
            valid_until: verdict.valid_until,
            reasons: verdict.reasons,
        }
    }
}

#[derive(Deserialize)]
struct ClearanceQuery {
    email: Option<String>,
    account: Option<String>,
    at: Option<String>,
}

async fn clearance(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ClearanceQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(response) = authorize(&state, &headers, Scope::ClearanceRead).await {
        return response;
    }
    let Ok(Query(query)) = query else {
        return bad_parameter("the query string cannot be read");
    };
    let Some(email) = query.email.as_deref() else {
        return bad_parameter("`email` is required");
    };
    let Ok(email) = app::accounts::normalize_email(email) else {
        return bad_parameter("`email` is not a valid email address");
    };
    let at = match parse_at(query.at.as_deref()) {
        Ok(at) => at,
        Err(detail) => return bad_parameter(detail),
    };
    let account = match resolve_account(&state, query.account.as_deref()).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let person = match app::accounts::server::find_user_by_email(&state.db, &email).await {
        Ok(Some(person)) => person,
        Ok(None) => {
            return problem(
                StatusCode::NOT_FOUND,
                "unknown_person",
                "No person has this email address.",
                "",
            );
        }
        Err(error) => return domain_problem(error.into()),
    };
    match app::clearance::server::verdict(
        &state.db,
        app::accounts::UserId(person.id),
        account.as_ref().map(|(id, _)| *id),
        at,
    )
    .await
    {
        Ok(verdict) => Json(json!({
            "at": at,
            "account": account.map(|(_, slug)| slug),
            "person": ClearanceAnswer::of(person.email, verdict),
        }))
        .into_response(),
        Err(error) => domain_problem(error),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    emails: Vec<String>,
    account: Option<String>,
    at: Option<String>,
}

async fn clearance_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<BatchRequest>, JsonRejection>,
) -> Response {
    if let Err(response) = authorize(&state, &headers, Scope::ClearanceRead).await {
        return response;
    }
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "The body must be JSON: {\"emails\": [...], \"account\": ..., \"at\": ...}.",
                rejection.body_text(),
            );
        }
    };
    if request.emails.len() > MAX_BATCH {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "batch_too_large",
            "A batch asks about at most 1000 people.",
            format!("{} emails sent", request.emails.len()),
        );
    }
    let mut emails = Vec::with_capacity(request.emails.len());
    for (index, raw) in request.emails.iter().enumerate() {
        match app::accounts::normalize_email(raw) {
            Ok(email) => emails.push(email),
            Err(_) => {
                return problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_email",
                    "An email address in the batch is not valid.",
                    format!("emails[{index}]"),
                );
            }
        }
    }
    let at = match parse_at(request.at.as_deref()) {
        Ok(at) => at,
        Err(detail) => return bad_parameter(detail),
    };
    let account = match resolve_account(&state, request.account.as_deref()).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let people = match app::accounts::server::people_by_email(&state.db, &emails).await {
        Ok(people) => people,
        Err(error) => return domain_problem(error),
    };
    let ids: Vec<Uuid> = people.values().map(|p| p.id).collect();
    let mut verdicts = match app::clearance::server::verdicts(
        &state.db,
        &ids,
        account.as_ref().map(|(id, _)| *id),
        at,
    )
    .await
    {
        Ok(verdicts) => verdicts,
        Err(error) => return domain_problem(error),
    };
    let results: Vec<ClearanceAnswer> = emails
        .into_iter()
        .map(|email| {
            match people
                .get(&email)
                .and_then(|p| verdicts.remove(&p.id).map(|v| (p, v)))
            {
                Some((person, verdict)) => {
                    // The same person asked twice gets the same answer twice.
                    verdicts.insert(person.id, verdict.clone());
                    ClearanceAnswer::of(email, verdict)
                }
                None => ClearanceAnswer {
                    email,
                    known: false,
                    cleared: false,
                    valid_until: None,
                    reasons: Vec::new(),
                },
            }
        })
        .collect();
    Json(json!({
        "at": at,
        "account": account.map(|(_, slug)| slug),
        "results": results,
    }))
    .into_response()
}

async fn accounts(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = authorize(&state, &headers, Scope::ClearanceRead).await {
        return response;
    }
    match app::official_accounts::server::list_accounts(&state.db).await {
        Ok(accounts) => Json(json!({ "accounts": accounts })).into_response(),
        Err(error) => domain_problem(error),
    }
}

#[derive(Deserialize)]
struct AtQuery {
    at: Option<String>,
}

async fn cleared_on_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(account): Path<String>,
    query: Result<Query<AtQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(response) = authorize(&state, &headers, Scope::ClearanceRead).await {
        return response;
    }
    let Ok(Query(query)) = query else {
        return bad_parameter("the query string cannot be read");
    };
    let at = match parse_at(query.at.as_deref()) {
        Ok(at) => at,
        Err(detail) => return bad_parameter(detail),
    };
    let (id, slug) = match resolve_account(&state, Some(&account)).await {
        Ok(Some(account)) => account,
        Ok(None) => return bad_parameter("the account is missing"),
        Err(response) => return response,
    };
    let cleared = match app::clearance::server::cleared_on_account(&state.db, id, at).await {
        Ok(cleared) => cleared,
        Err(error) => return domain_problem(error),
    };
    let ids: Vec<Uuid> = cleared.iter().map(|(id, _)| *id).collect();
    let people = match app::accounts::server::people_by_ids(&state.db, &ids).await {
        Ok(people) => people,
        Err(error) => return domain_problem(error),
    };
    let list: Vec<_> = cleared
        .into_iter()
        .filter_map(|(id, verdict)| {
            people.get(&id).map(|p| {
                json!({ "email": p.email, "display_name": p.display_name, "valid_until": verdict.valid_until })
            })
        })
        .collect();
    Json(json!({ "account": slug, "at": at, "people": list })).into_response()
}
